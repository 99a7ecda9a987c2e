package demo_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/demo"
)

// line builds one JSON Lines record from a title (raw JSON) and extra raw
// fields, e.g. line(`"Heat"`, `"Release Date":"Dec 15 1995"`).
func line(title string, fields ...string) string {
	parts := append([]string{`"Title":` + title}, fields...)
	return "{" + strings.Join(parts, ",") + "}"
}

func parse(t *testing.T, input string) ([]demo.Row, []demo.Reject) {
	t.Helper()
	rows, rejects, err := demo.Parse(strings.NewReader(input))
	require.NoError(t, err)
	return rows, rejects
}

// TestParseRow: one good line per case; the whole Row is compared, so every
// field's normalisation is pinned.
func TestParseRow(t *testing.T) {
	t.Parallel()
	full := `"Release Date":"Jun 12 1998","MPAA Rating":"R","Running Time min":111,"Major Genre":"Drama","Director":"David Leland","IMDB Rating":6.1,"IMDB Votes":1071`
	base := demo.Row{Line: 1, Title: "The Land Girls", ReleaseDate: "1998-06-12", MaturityRating: "R", RuntimeMinutes: 111,
		Genre: "Drama", Director: "David Leland", IMDBRating: 6.1, IMDBVotes: 1071}
	date := func(s string) string { return line(`"X"`, `"Release Date":`+s) }
	onlyDate := func(d string) demo.Row { return demo.Row{Line: 1, Title: "X", ReleaseDate: d} }

	tests := []struct {
		name string
		in   string
		want demo.Row
	}{
		{"all fields clean", line(`"The Land Girls"`, full), base},
		{"all fields, extra fields ignored", line(`"The Land Girls"`, full, `"US Gross":146083,"Rotten Tomatoes Rating":null`), base},
		{"the facts behind the synopsis", line(`"X"`, `"Distributor":" Gramercy ","Source":"Remake","Creative Type":"Fantasy","Production Budget":8e6,"Worldwide Gross":"146083"`),
			demo.Row{Line: 1, Title: "X", Distributor: "Gramercy", Source: "Remake", CreativeType: "Fantasy", BudgetUSD: 8_000_000, GrossUSD: 146_083}},
		{"unknown sums", line(`"X"`, `"Production Budget":0,"Worldwide Gross":-5`), demo.Row{Line: 1, Title: "X"}},
		{"only a title", line(`"Heat"`), demo.Row{Line: 1, Title: "Heat"}},
		{"nulls everywhere but the title", line(`"Heat"`, `"Release Date":null,"MPAA Rating":null,"Running Time min":null,"Major Genre":null,"Director":null,"IMDB Rating":null,"IMDB Votes":null`), demo.Row{Line: 1, Title: "Heat"}},

		// Titles.
		{"whitespace trimmed and collapsed", line(`"  The Helix...  Loaded\t"`), demo.Row{Line: 1, Title: "The Helix... Loaded"}},
		{"control characters become spaces", line(`"Bad\u0000\u001bTitle"`), demo.Row{Line: 1, Title: "Bad Title"}},
		{"trailing article moved to front", line(`"Charge of the Light Brigade, The"`), demo.Row{Line: 1, Title: "The Charge of the Light Brigade"}},
		{"trailing A moved to front", line(`"Beautiful Mind, A"`), demo.Row{Line: 1, Title: "A Beautiful Mind"}},
		{"year suffix equal to release year dropped", line(`"King Kong (1933)"`, `"Release Date":"Apr 07 2033"`), demo.Row{Line: 1, Title: "King Kong", ReleaseDate: "1933-04-07"}},
		{"year suffix kept when it differs", line(`"Metropolis (2002)"`, `"Release Date":"Jan 25 2001"`), demo.Row{Line: 1, Title: "Metropolis (2002)", ReleaseDate: "2001-01-25"}},
		{"year suffix kept without date", line(`"Lolita (1962)"`), demo.Row{Line: 1, Title: "Lolita (1962)"}},
		{"mojibake letter", line(`"LÈon"`), demo.Row{Line: 1, Title: "Léon"}},
		{"mojibake letter and symbol", line(`"DÈj‡ Vu"`), demo.Row{Line: 1, Title: "Déjà Vu"}},
		{"mojibake after capital", line(`"Die F‰lscher"`), demo.Row{Line: 1, Title: "Die Fälscher"}},
		{"mojibake after digit", line(`"The Naked Gun 2Ω: The Smell of Fear"`), demo.Row{Line: 1, Title: "The Naked Gun 2½: The Smell of Fear"}},
		{"mojibake ellipsis", line(`"I Love You Ö Don't Touch Me!"`), demo.Row{Line: 1, Title: "I Love You … Don't Touch Me!"}},
		{"correct accents untouched", line(`"Léon: ÈVE à Paris"`), demo.Row{Line: 1, Title: "Léon: ÈVE à Paris"}},
		{"real non-ASCII untouched", line(`"Alien³ in Österreich, Ri¢hie Ri¢h"`), demo.Row{Line: 1, Title: "Alien³ in Österreich, Ri¢hie Ri¢h"}},
		{"director cleaned too", line(`"X"`, `"Director":"  Jean-Pierre   Jeunet "`), demo.Row{Line: 1, Title: "X", Director: "Jean-Pierre Jeunet"}},
		{"number title with date kept", line(`1776`, `"Release Date":"Nov 09 1972"`), demo.Row{Line: 1, Title: "1776", ReleaseDate: "1972-11-09"}},
		{"digit string title with date kept", line(`"300"`, `"Release Date":"Mar 09 2007"`), demo.Row{Line: 1, Title: "300", ReleaseDate: "2007-03-09"}},
		{"digits with more words are a normal title", line(`"2001: A Space Odyssey"`), demo.Row{Line: 1, Title: "2001: A Space Odyssey"}},

		// Release dates.
		{"source format", date(`"Aug 07 1998"`), onlyDate("1998-08-07")},
		{"one-digit day", date(`"Aug 7 1998"`), onlyDate("1998-08-07")},
		{"comma and long month", date(`"August 7, 1998"`), onlyDate("1998-08-07")},
		{"lower case month", date(`"aug 07 1998"`), onlyDate("1998-08-07")},
		{"ISO", date(`"1998-08-07"`), onlyDate("1998-08-07")},
		{"ISO with time", date(`"1998-08-07T00:00:00Z"`), onlyDate("1998-08-07")},
		{"slashes", date(`"1998/8/7"`), onlyDate("1998-08-07")},
		{"US numeric", date(`"8/7/1998"`), onlyDate("1998-08-07")},
		{"day-month-year", date(`"7 Aug 1998"`), onlyDate("1998-08-07")},
		{"old vega format", date(`"7-Aug-98"`), onlyDate("1998-08-07")},
		{"two-digit year 09 is 2009", date(`"13-Nov-09"`), onlyDate("2009-11-13")},
		{"two-digit year 12 is 2012", date(`"1-Jan-12"`), onlyDate("2012-01-01")},
		{"two-digit year 13 is 1913", date(`"1-Jan-13"`), onlyDate("1913-01-01")},
		{"two-digit year 39 is 1939 (Go would say 2039)", date(`"15-Dec-39"`), onlyDate("1939-12-15")},
		{"two-digit US numeric", date(`"12/15/39"`), onlyDate("1939-12-15")},
		{"century slip moved back", date(`"Dec 15 2039"`), onlyDate("1939-12-15")},
		{"century slip on leap day", date(`"Feb 29 2032"`), onlyDate("1932-02-29")},
		{"latest allowed year", date(`"Dec 23 2011"`), onlyDate("2011-12-23")},
		{"extra spaces in date", date(`"  Jun  12   1998 "`), onlyDate("1998-06-12")},
		{"missing date", line(`"X"`), onlyDate("")},
		{"null date", date(`null`), onlyDate("")},
		{"empty date", date(`""`), onlyDate("")},
		{"unparseable date", date(`"someday"`), onlyDate("")},
		{"impossible day", date(`"Feb 30 1998"`), onlyDate("")},
		{"before cinema", date(`"Jan 01 1850"`), onlyDate("")},
		{"too far in the future", date(`"Jan 01 2113"`), onlyDate("")},
		{"number date", date(`1998`), onlyDate("")},

		// MPAA rating.
		{"Not Rated", line(`"X"`, `"MPAA Rating":"Not Rated"`), demo.Row{Line: 1, Title: "X", MaturityRating: "NR"}},
		{"Open", line(`"X"`, `"MPAA Rating":"Open"`), demo.Row{Line: 1, Title: "X", MaturityRating: "NR"}},
		{"Unrated", line(`"X"`, `"MPAA Rating":"unrated"`), demo.Row{Line: 1, Title: "X", MaturityRating: "NR"}},
		{"pg13 variants", line(`"X"`, `"MPAA Rating":" pg 13 "`), demo.Row{Line: 1, Title: "X", MaturityRating: "PG-13"}},
		{"NC17", line(`"X"`, `"MPAA Rating":"NC17"`), demo.Row{Line: 1, Title: "X", MaturityRating: "NC-17"}},
		{"unknown rating", line(`"X"`, `"MPAA Rating":"X"`), demo.Row{Line: 1, Title: "X"}},
		{"rating not text", line(`"X"`, `"MPAA Rating":13`), demo.Row{Line: 1, Title: "X"}},

		// Genre.
		{"null genre", line(`"X"`, `"Major Genre":null`), demo.Row{Line: 1, Title: "X"}},
		{"genre case", line(`"X"`, `"Major Genre":" thriller/suspense"`), demo.Row{Line: 1, Title: "X", Genre: "Thriller/Suspense"}},
		{"unknown genre", line(`"X"`, `"Major Genre":"Sci-Fi"`), demo.Row{Line: 1, Title: "X"}},

		// Runtime.
		{"runtime zero", line(`"X"`, `"Running Time min":0`), demo.Row{Line: 1, Title: "X"}},
		{"runtime negative", line(`"X"`, `"Running Time min":-90`), demo.Row{Line: 1, Title: "X"}},
		{"runtime absurd", line(`"X"`, `"Running Time min":1001`), demo.Row{Line: 1, Title: "X"}},
		{"runtime limit", line(`"X"`, `"Running Time min":1000`), demo.Row{Line: 1, Title: "X", RuntimeMinutes: 1000}},
		{"runtime fraction rounded", line(`"X"`, `"Running Time min":95.6`), demo.Row{Line: 1, Title: "X", RuntimeMinutes: 96}},
		{"runtime as text", line(`"X"`, `"Running Time min":"120 min"`), demo.Row{Line: 1, Title: "X", RuntimeMinutes: 120}},
		{"runtime garbage", line(`"X"`, `"Running Time min":"long"`), demo.Row{Line: 1, Title: "X"}},
		{"runtime huge exponent", line(`"X"`, `"Running Time min":1e400`), demo.Row{Line: 1, Title: "X"}},

		// IMDB.
		{"integer rating", line(`"X"`, `"IMDB Rating":7,"IMDB Votes":4099`), demo.Row{Line: 1, Title: "X", IMDBRating: 7, IMDBVotes: 4099}},
		{"rating out of scale", line(`"X"`, `"IMDB Rating":11,"IMDB Votes":-1`), demo.Row{Line: 1, Title: "X"}},
		{"fractional votes", line(`"X"`, `"IMDB Rating":"7.5","IMDB Votes":1.5`), demo.Row{Line: 1, Title: "X", IMDBRating: 7.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows, rejects := parse(t, tc.in+"\n")
			require.Empty(t, rejects)
			require.Equal(t, []demo.Row{tc.want}, rows)
		})
	}
}

// TestParseReject: one bad line per case.
func TestParseReject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		wantTitle string
		reason    string // exact, or a prefix when it ends in ": "
	}{
		{"malformed JSON", `{"Title": "Heat", "Release Date": `, "", demo.ReasonMalformed + ": "},
		{"trailing garbage", `{"Title":"Heat"} x`, "", demo.ReasonMalformed + ": "},
		{"not JSON at all", `Heat,1995`, "", demo.ReasonMalformed + ": "},
		{"array", `["Heat"]`, "", demo.ReasonNotObject + ": array"},
		{"string", `"Heat"`, "", demo.ReasonNotObject + ": string"},
		{"number", `1776`, "", demo.ReasonNotObject + ": number"},
		{"null", `null`, "", demo.ReasonNotObject + ": null"},
		{"missing title", `{"Release Date":"Nov 03 2006"}`, "", demo.ReasonNoTitle},
		{"null title", line(`null`, `"Release Date":"Nov 03 2006"`), "", demo.ReasonNoTitle},
		{"blank title", line(`" \t "`), "", demo.ReasonNoTitle},
		{"control-only title", line(`"\u0000"`), "", demo.ReasonNoTitle},
		{"bool title", line(`true`), "", demo.ReasonBadTitle + ": bool true"},
		{"object title", line(`{"x":1}`), "", demo.ReasonBadTitle + `: object {"x":1}`},
		{"fraction title", line(`3.5`, `"Release Date":"Nov 03 2006"`), "", demo.ReasonBadTitle + ": number 3.5"},
		{"negative title", line(`-300`, `"Release Date":"Nov 03 2006"`), "", demo.ReasonBadTitle + ": number -300"},
		{"number title without date", line(`1776`), "1776", demo.ReasonNumberTitle},
		{"number title with bad date", line(`2012`, `"Release Date":"soon"`), "2012", demo.ReasonNumberTitle},
		{"digit string title without date", line(`" 300 "`, `"Release Date":null`), "300", demo.ReasonNumberTitle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows, rejects := parse(t, tc.in+"\n")
			require.Empty(t, rows)
			require.Len(t, rejects, 1)
			got := rejects[0]
			require.Equal(t, 1, got.Line)
			require.Equal(t, tc.wantTitle, got.Title)
			if strings.HasSuffix(tc.reason, ": ") {
				require.True(t, strings.HasPrefix(got.Reason, tc.reason), "reason %q, want prefix %q", got.Reason, tc.reason)
				require.Greater(t, len(got.Reason), len(tc.reason), "reason carries detail")
			} else {
				require.Equal(t, tc.reason, got.Reason)
			}
		})
	}
}

// TestParseSequence: cases that need several lines (duplicates, recovery
// after a bad line, line numbering).
func TestParseSequence(t *testing.T) {
	t.Parallel()
	heat := line(`"Heat"`, `"Release Date":"Dec 15 1995"`)
	tests := []struct {
		name        string
		in          string
		wantRows    []demo.Row
		wantRejects []demo.Reject
	}{
		{
			name: "duplicate: same title and date",
			in:   heat + "\n" + heat + "\n",
			wantRows: []demo.Row{
				{Line: 1, Title: "Heat", ReleaseDate: "1995-12-15"},
			},
			wantRejects: []demo.Reject{{Line: 2, Title: "Heat", Reason: "duplicate of line 1"}},
		},
		{
			name: "duplicate after normalisation (case, spaces, punctuation, article, date format)",
			in: line(`"The Charge of the Light Brigade"`, `"Release Date":"Oct 20 1936"`) + "\n" +
				line(`"charge of the light  brigade, The"`, `"Release Date":"Oct 20 2036"`) + "\n" +
				line(`"The Charge of the Light-Brigade!"`, `"Release Date":"1936-10-20"`) + "\n",
			wantRows: []demo.Row{{Line: 1, Title: "The Charge of the Light Brigade", ReleaseDate: "1936-10-20"}},
			wantRejects: []demo.Reject{
				{Line: 2, Title: "The charge of the light brigade", Reason: "duplicate of line 1"},
				{Line: 3, Title: "The Charge of the Light-Brigade!", Reason: "duplicate of line 1"},
			},
		},
		{
			name: "duplicate number titles",
			in:   line(`300`, `"Release Date":"Mar 09 2007"`) + "\n" + line(`"300"`, `"Release Date":"2007-03-09"`) + "\n",
			wantRows: []demo.Row{
				{Line: 1, Title: "300", ReleaseDate: "2007-03-09"},
			},
			wantRejects: []demo.Reject{{Line: 2, Title: "300", Reason: "duplicate of line 1"}},
		},
		{
			name: "duplicate without dates (nothing tells them apart)",
			in:   line(`"Heat"`) + "\n" + line(`"Heat"`) + "\n",
			wantRows: []demo.Row{
				{Line: 1, Title: "Heat"},
			},
			wantRejects: []demo.Reject{{Line: 2, Title: "Heat", Reason: "duplicate of line 1"}},
		},
		{
			name: "remakes: same title, different dates, all kept",
			in: line(`"King Kong (1933)"`, `"Release Date":"Apr 07 2033"`) + "\n" +
				line(`"King Kong"`, `"Release Date":"Dec 17 1976"`) + "\n" +
				line(`"King Kong"`, `"Release Date":"Dec 14 2005"`) + "\n" +
				line(`"King Kong"`) + "\n",
			wantRows: []demo.Row{
				{Line: 1, Title: "King Kong", ReleaseDate: "1933-04-07"},
				{Line: 2, Title: "King Kong", ReleaseDate: "1976-12-17"},
				{Line: 3, Title: "King Kong", ReleaseDate: "2005-12-14"},
				{Line: 4, Title: "King Kong"},
			},
		},
		{
			name: "rejected lines do not count as seen",
			in:   line(`2012`) + "\n" + line(`2012`, `"Release Date":"Nov 13 2009"`) + "\n",
			wantRows: []demo.Row{
				{Line: 2, Title: "2012", ReleaseDate: "2009-11-13"},
			},
			wantRejects: []demo.Reject{{Line: 1, Title: "2012", Reason: demo.ReasonNumberTitle}},
		},
		{
			name: "parsing continues after bad lines; blank lines keep numbering",
			in:   "{oops\n\n" + heat + "\n   \n[1]\n" + line(`null`) + "\n" + line(`"Ronin"`),
			wantRows: []demo.Row{
				{Line: 3, Title: "Heat", ReleaseDate: "1995-12-15"},
				{Line: 7, Title: "Ronin"},
			},
			wantRejects: []demo.Reject{
				{Line: 1, Reason: "malformed JSON: invalid character 'o' looking for beginning of object key string"},
				{Line: 5, Reason: "not a JSON object: array"},
				{Line: 6, Reason: "missing title"},
			},
		},
		{
			name: "CRLF, BOM and no final newline",
			in:   "\uFEFF" + heat + "\r\n" + line(`"Ronin"`) + "\r\n" + line(`"Ransom"`),
			wantRows: []demo.Row{
				{Line: 1, Title: "Heat", ReleaseDate: "1995-12-15"},
				{Line: 2, Title: "Ronin"},
				{Line: 3, Title: "Ransom"},
			},
		},
		{
			name: "IMDb figures shared by same-title films are dropped for both",
			in: line(`"Alice in Wonderland"`, `"Release Date":"Jul 28 1951","IMDB Rating":6.7,"IMDB Votes":63458`) + "\n" +
				line(`"Alice in Wonderland"`, `"Release Date":"Mar 05 2010","IMDB Rating":6.7,"IMDB Votes":63458`) + "\n" +
				line(`"Jurassic Park"`, `"IMDB Rating":7.9,"IMDB Votes":151365`) + "\n" +
				line(`"Jurassic Park 3"`, `"IMDB Rating":7.9,"IMDB Votes":151365`) + "\n" +
				line(`"Crash"`, `"Release Date":"Oct 04 1996","IMDB Rating":6.1,"IMDB Votes":20886`) + "\n" +
				line(`"Crash"`, `"Release Date":"May 06 2005","IMDB Rating":7.9,"IMDB Votes":150000`) + "\n",
			wantRows: []demo.Row{
				{Line: 1, Title: "Alice in Wonderland", ReleaseDate: "1951-07-28"},
				{Line: 2, Title: "Alice in Wonderland", ReleaseDate: "2010-03-05"},
				{Line: 3, Title: "Jurassic Park", IMDBRating: 7.9, IMDBVotes: 151365},
				{Line: 4, Title: "Jurassic Park 3", IMDBRating: 7.9, IMDBVotes: 151365},
				{Line: 5, Title: "Crash", ReleaseDate: "1996-10-04", IMDBRating: 6.1, IMDBVotes: 20886},
				{Line: 6, Title: "Crash", ReleaseDate: "2005-05-06", IMDBRating: 7.9, IMDBVotes: 150000},
			},
		},
		{
			name: "empty input",
			in:   "",
		},
		{
			name: "only blank lines",
			in:   "\n \r\n\t\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows, rejects := parse(t, tc.in)
			require.Equal(t, tc.wantRows, rows)
			require.Equal(t, tc.wantRejects, rejects)
		})
	}
}

func TestParseLongLine(t *testing.T) {
	t.Parallel()
	long := line(`"` + strings.Repeat("a", 2<<20) + `"`)
	rows, rejects := parse(t, line(`"Heat"`)+"\n"+long+"\n"+line(`"Ronin"`)+"\n")
	require.Equal(t, []demo.Row{{Line: 1, Title: "Heat"}, {Line: 3, Title: "Ronin"}}, rows)
	require.Len(t, rejects, 1)
	require.Equal(t, 2, rejects[0].Line)
	require.True(t, strings.HasPrefix(rejects[0].Reason, demo.ReasonTooLong))
}

type failingReader struct {
	data io.Reader
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.data.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestParseReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	r := &failingReader{data: strings.NewReader(line(`"Heat"`) + "\n" + line(`"Ronin"`) + "\n"), err: boom}
	rows, rejects, err := demo.Parse(r)
	require.ErrorIs(t, err, boom)
	require.Equal(t, []demo.Row{{Line: 1, Title: "Heat"}, {Line: 2, Title: "Ronin"}}, rows)
	require.Empty(t, rejects)
}

// TestEmbedded pins the real figures of the shipped catalog. They were
// computed independently (a Python re-implementation of the rules over
// ../shared/data/movies.json), not copied from this package's output.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	rows, rejects, err := demo.Embedded()
	require.NoError(t, err)

	const films = 3201
	require.Len(t, rows, 3200)
	require.Len(t, rejects, 1)
	require.Equal(t, films, len(rows)+len(rejects))
	// The only film that cannot be kept: line 3054 has "Title": null
	// (an IFC Films thriller of Nov 03 2006, Not Rated, 85 min).
	require.Equal(t, []demo.Reject{{Line: 3054, Title: "", Reason: demo.ReasonNoTitle}}, rejects)
	for _, rj := range rejects {
		require.Positive(t, rj.Line)
		require.NotEmpty(t, rj.Reason)
	}

	// Every line is accounted for exactly once, in order.
	lines := make([]int, 0, films)
	for _, r := range rows {
		lines = append(lines, r.Line)
	}
	for _, rj := range rejects {
		lines = append(lines, rj.Line)
	}
	slices.Sort(lines)
	for i, n := range lines {
		require.Equal(t, i+1, n)
	}

	byLine := make(map[int]demo.Row, len(rows))
	for _, r := range rows {
		byLine[r.Line] = r
	}

	// Nine titles are JSON numbers; all are real films and are kept.
	numeric := map[int]string{22: "1776", 23: "1941", 1069: "1408", 1075: "2012", 1076: "2046", 1078: "21", 1091: "300", 1113: "9", 1740: "54"}
	for n, title := range numeric {
		require.Equal(t, title, byLine[n].Title, "line %d", n)
	}
	digitTitles := 0
	for _, r := range rows {
		if regexp.MustCompile(`^\d+$`).MatchString(r.Title) {
			digitTitles++
		}
	}
	require.Equal(t, 9, digitTitles)

	// Dates: all known, all within 1915..2011 after the century fix.
	dateRE := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	for _, r := range rows {
		require.Regexp(t, dateRE, r.ReleaseDate, "line %d", r.Line)
		require.GreaterOrEqual(t, r.ReleaseDate, "1915-02-08")
		require.LessOrEqual(t, r.ReleaseDate, "2011-12-23")
	}
	require.Equal(t, "1939-12-15", byLine[401].ReleaseDate, "Gone with the Wind, source says Dec 15 2039")
	require.Equal(t, "1925-12-30", byLine[86].ReleaseDate, "Ben-Hur, source says Dec 30 2025")
	require.Equal(t, "1915-02-08", byLine[121].ReleaseDate, "The Birth of a Nation, source says Feb 08 2015")
	require.Equal(t, "2011-12-23", byLine[2968].ReleaseDate, "Tintin, a real (announced) 2011 date, unchanged")
	// The 22 century slips (source years 2015..2046), each moved back 100 years.
	slipped := map[int]string{
		10: "1946-12-31", 16: "1920-09-17", 17: "1944-08-01", 27: "1916-12-24", 34: "1933-03-09", 86: "1925-12-30",
		91: "1946-11-21", 103: "1925-01-01", 121: "1915-02-08", 175: "1936-10-20", 222: "1942-11-16", 338: "1940-11-13",
		383: "1943-12-24", 401: "1939-12-15", 413: "1941-10-28", 468: "1916-09-05", 496: "1933-04-07", 592: "1936-02-05",
		823: "1933-02-09", 925: "1937-12-21", 1029: "1927-08-12", 1046: "1939-08-25",
	}
	for n, d := range slipped {
		require.Equal(t, d, byLine[n].ReleaseDate, "line %d", n)
	}

	// Title repairs.
	require.Equal(t, "Léon", byLine[730].Title)
	require.Equal(t, "Déjà Vu", byLine[1574].Title)
	require.Equal(t, "De battre mon coeur s'est arrêté", byLine[114].Title)
	require.Equal(t, "Obsluhoval jsem anglického krále", byLine[2050].Title)
	require.Equal(t, "The Naked Gun 2½: The Smell of Fear", byLine[649].Title)
	require.Equal(t, "I Love You … Don't Touch Me!", byLine[461].Title)
	require.Equal(t, "Alien³", byLine[535].Title)
	require.Equal(t, "Ri¢hie Ri¢h", byLine[764].Title)
	require.Equal(t, "The Charge of the Light Brigade", byLine[175].Title)
	require.Equal(t, "The Barbarians", byLine[71].Title)
	require.Equal(t, "King Kong", byLine[496].Title)
	require.Equal(t, "The Helix... Loaded", byLine[407].Title)

	// Field distributions.
	count := func(f func(demo.Row) string) map[string]int {
		m := map[string]int{}
		for _, r := range rows {
			m[f(r)]++
		}
		return m
	}
	require.Equal(t, map[string]int{"R": 1194, "PG-13": 865, "": 605, "PG": 354, "NR": 95, "G": 79, "NC-17": 8},
		count(func(r demo.Row) string { return r.MaturityRating }))
	require.Equal(t, map[string]int{
		"": 275, "Action": 420, "Adventure": 274, "Black Comedy": 36, "Comedy": 675, "Concert/Performance": 5,
		"Documentary": 43, "Drama": 789, "Horror": 219, "Musical": 53, "Romantic Comedy": 137,
		"Thriller/Suspense": 238, "Western": 36,
	}, count(func(r demo.Row) string { return r.Genre }))

	var runtimes, directors, ratings, votes, runtimeSum, voteSum int
	for _, r := range rows {
		if r.RuntimeMinutes > 0 {
			runtimes++
			runtimeSum += r.RuntimeMinutes
		}
		if r.Director != "" {
			directors++
		}
		if r.IMDBRating > 0 {
			ratings++
		}
		if r.IMDBVotes > 0 {
			votes++
			voteSum += r.IMDBVotes
		}
	}
	require.Equal(t, 1208, runtimes)
	require.Equal(t, 133139, runtimeSum)
	require.Equal(t, 1870, directors)
	// 2987 rows carry IMDb figures; 46 of them (23 same-title pairs with
	// identical rating and votes) are dropped as title-joined.
	require.Equal(t, 2941, ratings)
	require.Equal(t, 2941, votes)
	require.Equal(t, 87654160, voteSum)
	for _, n := range []int{49, 1139, 497, 2124, 86, 87} { // Alice in Wonderland, King Kong, Ben-Hur pairs
		require.Zero(t, byLine[n].IMDBRating, "line %d", n)
		require.Zero(t, byLine[n].IMDBVotes, "line %d", n)
	}
	require.Equal(t, 7.9, byLine[486].IMDBRating, "Jurassic Park shares its figures with Jurassic Park 3, a different title: kept")
	require.Equal(t, 151365, byLine[486].IMDBVotes)

	// Same title, different dates: 25 titles on 51 rows, all kept (King
	// Kong three times once "(1933)" is dropped).
	titles := count(func(r demo.Row) string { return r.Title })
	groups, groupRows := 0, 0
	for _, n := range titles {
		if n > 1 {
			groups++
			groupRows += n
		}
	}
	require.Equal(t, 25, groups)
	require.Equal(t, 51, groupRows)
	require.Equal(t, 3, titles["King Kong"])

	// Digest of (line, title, date) of every row, from the same reference.
	h := sha256.New()
	for _, r := range rows {
		fmt.Fprintf(h, "%d|%s|%s\n", r.Line, r.Title, r.ReleaseDate)
	}
	require.Equal(t, "7ee691248f7ac630374418424c95613ef471d5ccc3e53e956b91dab88e51c063", hex.EncodeToString(h.Sum(nil)))
}

// TestEmbeddedMatchesSource checks that movies.json.gz is the source reduced
// to the kept fields, film for film. It needs ../shared/data/movies.json
// (outside the module) and is skipped, saying so, when that is absent.
func TestEmbeddedMatchesSource(t *testing.T) {
	t.Parallel()
	const path = "../../../../shared/data/movies.json"
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("source data %s not found: cannot compare movies.json.gz with it (the other tests still use the embedded copy)", path)
	}
	require.NoError(t, err)

	var films []map[string]any
	require.NoError(t, json.Unmarshal(src, &films))
	require.Len(t, films, 3201)

	embedded := gunzipEmbedded(t)
	lines := bytes.Split(bytes.TrimSuffix(embedded, []byte("\n")), []byte("\n"))
	require.Len(t, lines, len(films))
	kept := []string{"Title", "Release Date", "MPAA Rating", "Running Time min", "Major Genre", "Director", "IMDB Rating", "IMDB Votes",
		"Distributor", "Source", "Creative Type", "Production Budget", "Worldwide Gross"}
	for i, film := range films {
		var got map[string]any
		require.NoError(t, json.Unmarshal(lines[i], &got), "line %d", i+1)
		want := map[string]any{}
		for _, k := range kept {
			if v, ok := film[k]; ok {
				want[k] = v
			}
		}
		require.Equal(t, want, got, "line %d", i+1)
	}
}

// gunzipEmbedded returns the JSON Lines text of movies.json.gz.
func gunzipEmbedded(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("movies.json.gz")
	require.NoError(tb, err)
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(tb, err)
	out, err := io.ReadAll(zr)
	require.NoError(tb, err)
	return out
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(line(`"Heat"`, `"Release Date":"Dec 15 1995"`) + "\n" + line(`"Heat"`, `"Release Date":"1995-12-15"`)))
	f.Add([]byte(line(`1776`, `"Release Date":"Nov 09 1972","MPAA Rating":"PG","Running Time min":null,"Major Genre":"Drama","Director":null,"IMDB Rating":7,"IMDB Votes":4099`)))
	f.Add([]byte(line(`null`) + "\n{oops\n\n[1]\n" + line(`"LÈon"`, `"Release Date":"15-Dec-39"`)))
	f.Add([]byte("\uFEFF" + line(`"King Kong (1933)"`, `"Release Date":"Apr 07 2033"`) + "\r\n\r\n"))
	f.Add([]byte(`{"Title":"x","Running Time min":"1e400","IMDB Votes":-0,"IMDB Rating":"NaN"}`))
	f.Add(gunzipEmbedded(f)[:4096])

	genres := map[string]bool{"": true}
	for _, g := range demo.Genres() {
		genres[g] = true
	}
	ratings := map[string]bool{"": true, "G": true, "PG": true, "PG-13": true, "R": true, "NC-17": true, "NR": true}
	dateRE := regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})?$`)

	f.Fuzz(func(t *testing.T, data []byte) {
		rows, rejects, err := demo.Parse(bytes.NewReader(data))
		require.NoError(t, err)

		// Expected: the number of every non-blank line.
		var want []int
		for i, l := range bytes.Split(data, []byte("\n")) {
			if i == 0 {
				l = bytes.TrimPrefix(l, []byte("\uFEFF"))
			}
			if len(bytes.TrimSpace(l)) > 0 {
				want = append(want, i+1)
			}
		}
		var got []int
		for _, r := range rows {
			got = append(got, r.Line)
			require.NotEmpty(t, r.Title)
			require.True(t, utf8.ValidString(r.Title))
			require.Equal(t, strings.TrimSpace(r.Title), r.Title)
			require.Regexp(t, dateRE, r.ReleaseDate)
			require.True(t, ratings[r.MaturityRating], r.MaturityRating)
			require.True(t, genres[r.Genre], r.Genre)
			require.GreaterOrEqual(t, r.RuntimeMinutes, 0)
			require.LessOrEqual(t, r.RuntimeMinutes, 1000)
			require.True(t, r.IMDBRating == 0 || (r.IMDBRating >= 1 && r.IMDBRating <= 10))
			require.GreaterOrEqual(t, r.IMDBVotes, 0)
		}
		for _, rj := range rejects {
			got = append(got, rj.Line)
			require.NotEmpty(t, rj.Reason)
		}
		slices.Sort(got)
		require.Equal(t, want, got, "every non-blank line is one row or one reject")
	})
}
