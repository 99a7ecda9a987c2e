//go:build ignore

// gen rebuilds movies.json.gz, the compact demo catalog embedded by package
// demo, from the full vega-datasets movies.json (v3.2.1, BSD-3-Clause).
//
// It keeps only the fields the importer uses, one film per line (JSON Lines)
// in the order of the source array, and copies every value verbatim (raw
// JSON, so nulls, numbers-as-titles and other faults survive untouched: the
// parser, not the generator, deals with them). Output is deterministic:
// gzip header without name or timestamp, maximum compression.
//
// Run from the repository root:
//
//	go generate ./internal/catalog/demo
//
// or directly:
//
//	go run internal/catalog/demo/gen.go -in ../shared/data/movies.json -out internal/catalog/demo/movies.json.gz
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
)

// fields are the source keys kept, in output order.
var fields = []string{
	"Title",
	"Release Date",
	"MPAA Rating",
	"Running Time min",
	"Major Genre",
	"Director",
	"IMDB Rating",
	"IMDB Votes",
	"Distributor",
	"Source",
	"Creative Type",
	"Production Budget",
	"Worldwide Gross",
}

func main() {
	in := flag.String("in", "../../../../shared/data/movies.json", "source movies.json (a JSON array)")
	out := flag.String("out", "movies.json.gz", "output JSON Lines, gzip-compressed")
	flag.Parse()

	src, err := os.ReadFile(*in)
	if err != nil {
		log.Fatalf("gen: %v (point -in at vega-datasets@3.2.1 data/movies.json)", err)
	}
	var films []map[string]json.RawMessage
	if err := json.Unmarshal(src, &films); err != nil {
		log.Fatalf("gen: %s: %v", *in, err)
	}

	var jsonl bytes.Buffer
	for i, film := range films {
		if err := writeLine(&jsonl, film); err != nil {
			log.Fatalf("gen: film %d: %v", i+1, err)
		}
	}

	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := zw.Write(jsonl.Bytes()); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, gz.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	sum := sha256.Sum256(src)
	fmt.Printf("gen: %d films from %s (sha256 %s) -> %s (%d bytes JSONL, %d bytes gzip)\n",
		len(films), *in, hex.EncodeToString(sum[:]), *out, jsonl.Len(), gz.Len())
}

// writeLine writes one JSON object holding the kept fields that are present
// in film, values copied verbatim (compacted), followed by a newline.
func writeLine(w io.Writer, film map[string]json.RawMessage) error {
	bw := bufio.NewWriter(w)
	bw.WriteByte('{')
	n := 0
	for _, k := range fields {
		v, ok := film[k]
		if !ok {
			continue // a missing key stays missing
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		n++
		key, _ := json.Marshal(k)
		bw.Write(key)
		bw.WriteByte(':')
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return err
		}
		bw.Write(c.Bytes())
	}
	bw.WriteString("}\n")
	return bw.Flush()
}
