package openapicheck

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Number reads the number at a JSON pointer of an OpenAPI document
// ("/components/schemas/MovieWrite/properties/title/maxLength"), failing the
// test when there is none. An element of a list may also be named by its
// "name" (parameters: "/paths/~1api~1movies/get/parameters/year_from/schema/minimum").
// Tests compare the document's limits with the constants the Go code
// checks, so the two cannot drift apart.
func Number(t testing.TB, spec []byte, pointer string) float64 {
	t.Helper()
	var node any
	if err := json.Unmarshal(spec, &node); err != nil {
		t.Fatalf("openapi document: %v", err)
	}
	for _, raw := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		key := strings.ReplaceAll(strings.ReplaceAll(raw, "~1", "/"), "~0", "~")
		switch n := node.(type) {
		case map[string]any:
			node = n[key]
		case []any:
			node = element(n, key)
		default:
			node = nil
		}
		if node == nil {
			t.Fatalf("openapi document: nothing at %s", pointer)
		}
	}
	f, ok := node.(float64)
	if !ok {
		t.Fatalf("openapi document: %s is %v, not a number", pointer, node)
	}
	return f
}

// element is the list's element at index key, or the one named key.
func element(list []any, key string) any {
	if i, err := strconv.Atoi(key); err == nil {
		if i >= 0 && i < len(list) {
			return list[i]
		}
		return nil
	}
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["name"] == key {
			return m
		}
	}
	return nil
}
