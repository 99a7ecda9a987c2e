// Package demo parses the demo film catalog used by `marquee seed --demo`.
//
// The catalog is a compact JSON Lines copy (movies.json.gz, embedded) of the
// movies.json file of the vega-datasets package, which holds deliberate
// data-quality faults. Parse turns each line into either a clean Row or a
// Reject that says why the line cannot be a film; it never stops half-way
// and never returns a half-cleaned row.
//
// Rules, in short (details at each helper):
//
//   - The title is the only required field. A line is rejected when it is not
//     a JSON object, has no usable title, or duplicates an earlier film (same
//     normalised title and same release date, two unknown dates counting as
//     the same: nothing would tell the two apart). Same title with another
//     date is a remake and is kept.
//   - A title that is only digits ("1776", "300", "9") is a real film in this
//     data set every time it occurs with a release date, so such a title is
//     kept when the release date is known and rejected otherwise.
//   - Every other field is optional: an invalid or absurd value becomes
//     "unknown" (the zero value) and the row is kept.
//   - Release dates are normalised to YYYY-MM-DD; years that slipped a
//     century when two-digit years were expanded (Gone with the Wind as
//     2039) are moved back 100 years. See resolveYear.
//   - IMDb figures that two films of the same title share exactly were
//     joined on the title and are dropped for both. See clearTitleJoinedIMDB.
package demo

// Data: vega-datasets v3.2.1 data/movies.json, BSD-3-Clause, reduced to the fields used here; see ATTRIBUTION.md.

//go:generate go run gen.go -in ../../../../shared/data/movies.json -out movies.json.gz

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

//go:embed movies.json.gz
var compressed []byte

// Row is one film accepted from the catalog. Unknown optional fields hold
// their zero value.
type Row struct {
	Line           int     // 1-based line of the input (= n-th film of the source array)
	Title          string  // trimmed, never empty
	ReleaseDate    string  // YYYY-MM-DD, or "" if unknown
	MaturityRating string  // "G", "PG", "PG-13", "R", "NC-17", "NR", or "" if unknown
	RuntimeMinutes int     // 1..1000, 0 = unknown
	Genre          string  // one of Genres(), or "" if unknown
	Director       string  // or "" if unknown
	IMDBRating     float64 // 1..10, 0 = unknown
	IMDBVotes      int     // 0 = unknown
	Distributor    string  // or "" if unknown
	Source         string  // what the story comes from ("Based on Book/Short Story"), or ""
	CreativeType   string  // "Science Fiction", "Factual", ..., or ""
	BudgetUSD      int     // production budget in dollars, 0 = unknown
	GrossUSD       int     // worldwide gross in dollars, 0 = unknown
}

// Reject is one input line that cannot be a film.
type Reject struct {
	Line   int    // 1-based line of the input
	Title  string // the cleaned title when there is one, else ""
	Reason string // starts with one of the Reason* constants
}

// Reject reasons. Reject.Reason is one of these, possibly followed by
// ": detail" (or, for ReasonDuplicate, " N" with the earlier line).
const (
	ReasonTooLong     = "line too long"
	ReasonMalformed   = "malformed JSON"
	ReasonNotObject   = "not a JSON object"
	ReasonNoTitle     = "missing title"
	ReasonBadTitle    = "title is not text"
	ReasonNumberTitle = "title is only a number and the release date is unknown"
	ReasonDuplicate   = "duplicate of line"
)

// Genres returns the genres a Row can carry (the Major Genre values of the
// source), in order.
func Genres() []string { return slices.Clone(genres[:]) }

var genres = [...]string{
	"Action", "Adventure", "Black Comedy", "Comedy", "Concert/Performance",
	"Documentary", "Drama", "Horror", "Musical", "Romantic Comedy",
	"Thriller/Suspense", "Western",
}

// Source field names (see gen.go).
const (
	fieldTitle    = "Title"
	fieldDate     = "Release Date"
	fieldRating   = "MPAA Rating"
	fieldRuntime  = "Running Time min"
	fieldGenre    = "Major Genre"
	fieldDirector = "Director"
	fieldIMDB     = "IMDB Rating"
	fieldVotes    = "IMDB Votes"
	fieldDistrib  = "Distributor"
	fieldSource   = "Source"
	fieldCreative = "Creative Type"
	fieldBudget   = "Production Budget"
	fieldGross    = "Worldwide Gross"
)

// maxLine bounds one input line; the compact file's longest line is ~300 bytes.
const maxLine = 1 << 20

// Embedded parses the catalog embedded in the binary.
func Embedded() ([]Row, []Reject, error) {
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, nil, fmt.Errorf("demo: embedded catalog: %w", err)
	}
	defer zr.Close()
	rows, rejects, err := Parse(zr)
	if err != nil {
		return rows, rejects, fmt.Errorf("demo: embedded catalog: %w", err)
	}
	return rows, rejects, nil
}

// Parse reads the catalog in JSON Lines form: one JSON object per line, keys
// as in the source ("Title", "Release Date", "MPAA Rating", "Running Time
// min", "Major Genre", "Director", "IMDB Rating", "IMDB Votes"). Blank lines
// are skipped; every other line yields exactly one Row or one Reject, in
// input order, with its 1-based line number. Two rules look across lines: a
// duplicate (same normalised title and release date as an earlier row) is
// rejected, and IMDb figures shared exactly by films of the same title are
// dropped (clearTitleJoinedIMDB). Parse reads JSON Lines, not the source's
// JSON array (gen.go converts). A bad line never stops the parse; err is
// only set when reading r fails, and then rows and rejects hold what was
// parsed before the failure.
func Parse(r io.Reader) (rows []Row, rejects []Reject, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	seen := make(map[string]int) // duplicate key -> first line
	for n := 1; ; n++ {
		line, tooLong, rerr := readLine(br)
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		switch {
		case tooLong:
			rejects = append(rejects, Reject{Line: n, Reason: fmt.Sprintf("%s: more than %d bytes", ReasonTooLong, maxLine)})
		case len(bytes.TrimSpace(line)) > 0:
			row, rej := parseLine(n, line, seen)
			if rej != nil {
				rejects = append(rejects, *rej)
			} else {
				rows = append(rows, row)
			}
		}
		if rerr == io.EOF {
			clearTitleJoinedIMDB(rows)
			return rows, rejects, nil
		}
		if rerr != nil {
			clearTitleJoinedIMDB(rows)
			return rows, rejects, fmt.Errorf("demo: read line %d: %w", n, rerr)
		}
	}
}

// readLine returns the next line without its newline. A line longer than
// maxLine is consumed and reported with tooLong (its content dropped). err
// is io.EOF after the last line.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > maxLine+1 { // +1: the newline itself
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, err
	}
}

// parseLine turns one non-blank line into a Row, or a Reject when the line
// cannot be a film.
func parseLine(n int, line []byte, seen map[string]int) (Row, *Reject) {
	reject := func(title, reason string) (Row, *Reject) {
		return Row{}, &Reject{Line: n, Title: title, Reason: reason}
	}

	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return reject("", ReasonNotObject+": "+jsonKind(bytes.TrimSpace(line)))
		}
		return reject("", ReasonMalformed+": "+err.Error())
	}
	if obj == nil { // the line was `null`
		return reject("", ReasonNotObject+": null")
	}

	title, reason := parseTitle(obj[fieldTitle])
	if reason != "" {
		return reject(title, reason)
	}
	date := parseDate(obj[fieldDate])
	if isDigits(title) && date == "" {
		return reject(title, ReasonNumberTitle)
	}
	title = stripYearSuffix(title, date)

	key := dupKey(title) + "\x00" + date
	if first, ok := seen[key]; ok {
		return reject(title, fmt.Sprintf("%s %d", ReasonDuplicate, first))
	}
	seen[key] = n

	return Row{
		Line:           n,
		Title:          title,
		ReleaseDate:    date,
		MaturityRating: parseRating(obj[fieldRating]),
		RuntimeMinutes: parseRuntime(obj[fieldRuntime]),
		Genre:          parseGenre(obj[fieldGenre]),
		Director:       cleanText(textValue(obj[fieldDirector])),
		IMDBRating:     parseIMDBRating(obj[fieldIMDB]),
		IMDBVotes:      parseVotes(obj[fieldVotes]),
		Distributor:    cleanText(textValue(obj[fieldDistrib])),
		Source:         cleanText(textValue(obj[fieldSource])),
		CreativeType:   cleanText(textValue(obj[fieldCreative])),
		BudgetUSD:      parseDollars(obj[fieldBudget]),
		GrossUSD:       parseDollars(obj[fieldGross]),
	}, nil
}

// ---- title ----

// parseTitle returns the cleaned title, or a reject reason.
//
// A JSON string is cleaned (see cleanTitle). A JSON number is accepted as a
// title only when it is a plain non-negative integer: the source stores
// "1776", "1941", "1408", "2012", "2046", "21", "300", "9" and "54" as
// numbers, and all nine are real films with real release dates; the
// digits-only rule in parseLine then applies. Anything else (null, missing,
// blank, fraction, bool, array, object) rejects the line.
func parseTitle(raw json.RawMessage) (title, reason string) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", ReasonNoTitle
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", ReasonBadTitle + ": " + err.Error()
		}
		title = cleanTitle(s)
		if title == "" {
			return "", ReasonNoTitle
		}
		return title, ""
	case isDigits(string(raw)):
		return string(raw), ""
	default:
		return "", ReasonBadTitle + ": " + jsonKind(raw) + " " + clip(string(raw), 40)
	}
}

var trailingArticle = regexp.MustCompile(`^(.+), (The|A|An)$`)

// cleanTitle collapses whitespace and control characters, repairs
// Mac-Roman mojibake and moves a library-style trailing article to the front
// ("Barbarians, The" -> "The Barbarians").
func cleanTitle(s string) string {
	s = cleanText(s)
	if m := trailingArticle.FindStringSubmatch(s); m != nil {
		s = m[2] + " " + m[1]
	}
	return s
}

// cleanText replaces control characters by spaces, collapses runs of
// whitespace into one space, trims, and repairs mojibake.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return fixMojibake(strings.Join(strings.Fields(s), " "))
}

// The mojibake tables map the characters produced when Latin-1/Windows-1252
// text is decoded as Mac Roman back to the intended ones (byte 0xE9 "é" read as
// "È", and so on). 18 titles of the source suffer from it ("LÈon",
// "DÈj‡ Vu", "The Naked Gun 2Ω", "I Love You Ö Don't Touch Me!").
var (
	// Mac Roman capitals standing for Latin-1 lower-case accented letters.
	mojibakeLetters = map[rune]rune{
		'Â': 'å', 'Ê': 'æ', 'Á': 'ç', 'Ë': 'è', 'È': 'é', 'Í': 'ê', 'Î': 'ë',
		'Ï': 'ì', 'Ì': 'í', 'Ó': 'î', 'Ô': 'ï', 'Ò': 'ñ', 'Ú': 'ò', 'Û': 'ó', 'Ù': 'ô',
	}
	// Mac Roman symbols standing for Latin-1 lower-case accented letters or ½.
	mojibakeSymbols = map[rune]rune{
		'‡': 'à', '·': 'á', '‚': 'â', '„': 'ã', '‰': 'ä', 'ˆ': 'ö', '¯': 'ø',
		'˘': 'ù', '˙': 'ú', '˚': 'û', '¸': 'ü', '˝': 'ý', '˛': 'þ', 'ˇ': 'ÿ', 'Ω': '½',
	}
)

// mojibakeEllipsis is Mac Roman 0x85, the Windows-1252 ellipsis.
const mojibakeEllipsis = 'Ö'

// fixMojibake repairs a mojibake character only where it cannot be a real
// one: an upper-case marker letter inside a word next to a lower-case letter
// ("LÈon", "CachÈ"), a marker symbol right after a letter or digit ("pi˘",
// "2Ω"), or a lone "Ö" between spaces. Text that already holds correct
// lower-case Latin-1 accents (é, à, ü, ...) is left alone, as is any
// character outside those contexts ("ÉCOLE", "Österreich", "Alien³").
func fixMojibake(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii || strings.ContainsFunc(s, func(r rune) bool { return r >= 0xDF && r <= 0xFF && r != 0xF7 }) {
		return s
	}
	rs := []rune(s)
	out := make([]rune, len(rs))
	copy(out, rs)
	for i, r := range rs {
		prev, next := ' ', ' '
		if i > 0 {
			prev = rs[i-1]
		}
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		if fix, ok := mojibakeLetters[r]; ok && unicode.IsLetter(prev) && (unicode.IsLower(prev) || unicode.IsLower(next)) {
			out[i] = fix
		} else if fix, ok := mojibakeSymbols[r]; ok && (unicode.IsLetter(prev) || unicode.IsDigit(prev)) {
			out[i] = fix
		} else if r == mojibakeEllipsis && i > 0 && i+1 < len(rs) && prev == ' ' && next == ' ' {
			out[i] = '…'
		}
	}
	return string(out)
}

var yearSuffix = regexp.MustCompile(`^(.*\S) \((\d{4})\)$`)

// stripYearSuffix drops a "(1933)" disambiguator from the title when it
// repeats the release year ("King Kong (1933)" released 1933 -> "King
// Kong"); the release date already tells remakes apart.
func stripYearSuffix(title, date string) string {
	if m := yearSuffix.FindStringSubmatch(title); m != nil && date != "" && m[2] == date[:4] {
		return m[1]
	}
	return title
}

// dupKey normalises a title for duplicate detection: case-folded, letters
// and digits only, single spaces.
func dupKey(title string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// ---- release date ----

const (
	// earliestYear is the year of the oldest surviving film (Roundhay Garden
	// Scene, 1888); anything earlier is impossible.
	earliestYear = 1888
	// latestYear is the last year a release date of this snapshot can carry.
	// The data was compiled in 2010: its latest real dates are 2010 releases
	// and two announced for 2011 (Restless, The Adventures of Tintin). Allow
	// one more year for announced dates; any later year is impossible.
	latestYear = 2012
)

// Layouts tried in order; Go's month-name matching is case-insensitive and
// "2"/"1" accept one or two digits. The source only uses "Jan 02 2006"; the
// others are the forms earlier releases of the data set and common exports
// use ("12-Jun-98", ISO). All-numeric dates with slashes are read the US way
// (month/day/year), as the data is US box-office data.
var (
	fourDigitLayouts = []string{
		"Jan 2 2006", "Jan 2, 2006", "January 2 2006", "January 2, 2006",
		"2 Jan 2006", "2 January 2006", "2-Jan-2006", "Jan-2-2006",
		"2006-1-2", "2006/1/2", "1/2/2006",
	}
	twoDigitLayouts = []string{
		"2-Jan-06", "Jan 2 06", "Jan 2, 06", "2 Jan 06", "1/2/06",
	}
	isoPrefix = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[T ]`)
)

// parseDate returns the release date as YYYY-MM-DD, or "" when it is
// missing, unparseable or impossible (the row is kept either way).
func parseDate(raw json.RawMessage) string {
	s := strings.Join(strings.Fields(textValue(raw)), " ")
	if s == "" {
		return ""
	}
	if isoPrefix.MatchString(s) { // "2006-01-02T15:04:05Z": the date part
		s = s[:10]
	}
	for i, layouts := range [][]string{fourDigitLayouts, twoDigitLayouts} {
		for _, layout := range layouts {
			t, err := time.Parse(layout, s)
			if err != nil {
				continue
			}
			y, ok := resolveYear(t.Year(), i == 1)
			if !ok {
				return ""
			}
			d := time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			if d.Day() != t.Day() { // Feb 29 moved to a non-leap year
				return ""
			}
			return d.Format(time.DateOnly)
		}
	}
	return ""
}

// resolveYear maps a parsed year into earliestYear..latestYear, or reports
// it impossible.
//
// Two-digit years: YY is 20YY when that is not after latestYear, else 19YY
// ("98" -> 1998, "09" -> 2009, "39" -> 1939). Go's own pivot (69) would turn
// "39" into 2039.
//
// Four-digit years after latestYear: the source's two-digit years were once
// expanded with a pivot that sent 1915-1946 into 2015-2046 (Gone with the
// Wind "Dec 15 2039", Ben-Hur "Dec 30 2025", King Kong (1933) "Apr 07
// 2033"). A date in the future of a 2010 snapshot is impossible, and the
// same date 100 years earlier is the film's real one for all 22 such rows,
// so such a year moves back a century. The usual "later than now + 5 years"
// rule is not enough here: it would keep 2015, 2016, 2020, 2025 and 2027.
func resolveYear(y int, twoDigit bool) (int, bool) {
	if twoDigit {
		y = 2000 + y%100
	}
	if y > latestYear {
		y -= 100
	}
	return y, y >= earliestYear && y <= latestYear
}

// ---- optional fields ----

// parseRating maps MPAA values onto G, PG, PG-13, R, NC-17 and NR.
// "Not Rated" and "Unrated" are NR. "Open" (2 rows: L.I.E. and Requiem for a
// Dream, both released without a rating after an NC-17) is also NR. Anything
// else is unknown.
func parseRating(raw json.RawMessage) string {
	s := strings.ToUpper(textValue(raw))
	s = strings.NewReplacer(" ", "", "-", "", "_", "", ".", "").Replace(s)
	switch s {
	case "G", "PG", "R":
		return s
	case "PG13":
		return "PG-13"
	case "NC17":
		return "NC-17"
	case "NR", "NOTRATED", "UNRATED", "OPEN":
		return "NR"
	}
	return ""
}

// parseGenre matches the genres case-insensitively; null or anything else
// is unknown.
func parseGenre(raw json.RawMessage) string {
	s := strings.Join(strings.Fields(textValue(raw)), " ")
	for _, g := range genres {
		if strings.EqualFold(s, g) {
			return g
		}
	}
	return ""
}

// parseRuntime returns whole minutes in 1..1000 (rounded), else 0.
// Accepts a number, or a string such as "120" or "120 min".
func parseRuntime(raw json.RawMessage) int {
	s := strings.ToLower(strings.TrimSpace(textOrNumber(raw)))
	for _, unit := range []string{"minutes", "mins", "min"} {
		if t, ok := strings.CutSuffix(s, unit); ok {
			s = t
			break
		}
	}
	f, ok := parseFloat(s)
	if !ok {
		return 0
	}
	m := math.Round(f)
	if m < 1 || m > 1000 {
		return 0
	}
	return int(m)
}

// parseIMDBRating returns the rating on IMDb's 1..10 scale, else 0.
func parseIMDBRating(raw json.RawMessage) float64 {
	f, ok := parseFloat(textOrNumber(raw))
	if !ok || f < 1 || f > 10 {
		return 0
	}
	return f
}

// parseVotes returns a whole, non-negative vote count, else 0.
func parseVotes(raw json.RawMessage) int {
	f, ok := parseFloat(textOrNumber(raw))
	if !ok || f < 0 || f > math.MaxInt32 || f != math.Trunc(f) {
		return 0
	}
	return int(f)
}

// parseDollars returns a whole, positive dollar amount, else 0 (the source
// writes 0 for many unknown grosses).
func parseDollars(raw json.RawMessage) int {
	f, ok := parseFloat(textOrNumber(raw))
	if !ok || f < 1 || f > 1e12 {
		return 0
	}
	return int(math.Round(f))
}

// clearTitleJoinedIMDB sets IMDBRating and IMDBVotes to unknown on films
// that share their normalised title and the very same rating and vote count
// with another film. Two different films with identical rating and votes
// mean the IMDb figures were joined on the title: in the source, 23 of the 24
// remake pairs (Alice in Wonderland 1951 and 2010: 6.7 from 63,458 votes
// each; King Kong 1976 and 2005; ...) carry one film's figures twice, and
// nothing says which film they belong to, so neither copy is kept.
func clearTitleJoinedIMDB(rows []Row) {
	type imdbKey struct {
		title  string
		rating float64
		votes  int
	}
	keyOf := func(r Row) (imdbKey, bool) {
		return imdbKey{dupKey(r.Title), r.IMDBRating, r.IMDBVotes}, r.IMDBVotes > 0
	}
	count := make(map[imdbKey]int)
	for _, r := range rows {
		if k, ok := keyOf(r); ok {
			count[k]++
		}
	}
	for i, r := range rows {
		if k, ok := keyOf(r); ok && count[k] > 1 {
			rows[i].IMDBRating, rows[i].IMDBVotes = 0, 0
		}
	}
}

// ---- JSON helpers ----

// textValue returns a JSON string's value, or "" for any other JSON value.
func textValue(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// textOrNumber returns a JSON string's value or a JSON number's literal.
func textOrNumber(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return string(raw)
	}
	return textValue(raw)
}

func parseFloat(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// jsonKind names the kind of a (valid) JSON value.
func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "empty"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
