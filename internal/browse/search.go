package browse

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/marquee-dev/marquee/internal/browse/store"
)

// Search works in two steps. The store finds candidates: entries whose
// words start with every query word (SQLite FTS5, PostgreSQL tsvector), at
// most Config.SearchCandidates of them, the most popular first (on SQLite
// by powers of two); and, when there are none and the engine can
// (PostgreSQL with pg_trgm), entries with similar words (typos). The service then ranks the candidates itself, the
// same way on both engines:
//
//	for the title, the original title (movies) or the name (people),
//	whichever scores best: per query word, the best of its matches in
//	the text: the same word 1, a word it starts 0.7, a similar word (typo)
//	up to 0.5; averaged over the query words; +1 when the whole text is the
//	query, +0.5 when it starts with it; +0.2 × the share of the text the
//	query covers (shorter texts first);
//	+0.05 × ln(1 + popularity) (ratings of a movie, credited movies of a person).
//
// Ties go movie before person, then by id, so pages are stable.

// maxQueryWords bounds the words of a search query.
const maxQueryWords = 12

// foldText lower-cases s, strips the common Latin diacritics and keeps
// letters and digits, words separated by single spaces: the form search
// entries and queries are compared in.
func foldText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // no leading space
	for _, r := range s {
		r = unicode.ToLower(r)
		if d, ok := smallDigits[r]; ok { // "Alien³" is "alien 3", not the whole of the query "alien"
			if !space {
				b.WriteByte(' ')
			}
			b.WriteRune(d)
			space = false
			continue
		}
		if f, ok := foldMap[r]; ok {
			b.WriteString(f)
			space = false
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
			continue
		}
		if unicode.Is(unicode.Mn, r) { // a combining mark: part of the letter before
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// smallDigits maps superscript and subscript digits to digits.
var smallDigits = func() map[rune]rune {
	m := map[rune]rune{}
	for i, r := range []rune("⁰¹²³⁴⁵⁶⁷⁸⁹") {
		m[r] = rune('0' + i)
	}
	for i, r := range []rune("₀₁₂₃₄₅₆₇₈₉") {
		m[r] = rune('0' + i)
	}
	return m
}()

var foldMap = func() map[rune]string {
	m := map[rune]string{'æ': "ae", 'œ': "oe", 'ß': "ss", 'þ': "th", 'ð': "d", 'ø': "o", 'ł': "l", 'đ': "d", 'ħ': "h", 'ı': "i", 'ŧ': "t"}
	for base, accented := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "d": "ď", "e": "èéêëēĕėęě", "g": "ĝğġģ", "h": "ĥ",
		"i": "ìíîïĩīĭį", "j": "ĵ", "k": "ķ", "l": "ĺļľŀ", "n": "ñńņňŉ", "o": "òóôõöōŏő",
		"r": "ŕŗř", "s": "śŝşšș", "t": "ţťț", "u": "ùúûüũūŭůűų", "w": "ŵ", "y": "ýÿŷ", "z": "źżž",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// queryWords is the folded words of a query, at most maxQueryWords.
func queryWords(q string) []string {
	words := strings.Fields(foldText(q))
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	return words
}

// ranked is a candidate with its score.
type ranked struct {
	store.Candidate
	score float64
}

// rank scores candidates and sorts them best first.
func rank(words []string, cands []store.Candidate) []ranked {
	phrase := strings.Join(words, " ")
	out := make([]ranked, len(cands))
	for i, c := range cands {
		out[i] = ranked{c, relevance(words, phrase, c)}
	}
	sort.Slice(out, func(i, j int) bool { return rankedBefore(out[i], out[j].score, out[j].Kind, out[j].ID) })
	return out
}

// rankedBefore orders results: higher score, then movies before people, then id.
func rankedBefore(a ranked, score float64, kind, id string) bool {
	if a.score != score {
		return a.score > score
	}
	if a.Kind != kind {
		return a.Kind < kind
	}
	return a.ID < id
}

// altSep separates the alternatives of an entry's text (a title and the
// original title); folded text never holds it and both engines' tokenizers skip it.
const altSep = " | "

// relevance scores the best of the entry's alternatives, plus its popularity.
func relevance(words []string, phrase string, c store.Candidate) float64 {
	best := 0.0
	for _, alt := range strings.Split(c.Text, altSep) {
		best = max(best, textRelevance(words, phrase, alt, c.Fuzzy))
	}
	score := best + 0.05*math.Log1p(float64(max(c.Popularity, 0)))
	return math.Round(score*1e6) / 1e6
}

func textRelevance(words []string, phrase, text string, fuzzy bool) float64 {
	entry := strings.Fields(text)
	total := 0.0
	for _, w := range words {
		best := 0.0
		for _, e := range entry {
			switch {
			case e == w:
				best = 1
			case strings.HasPrefix(e, w):
				best = max(best, 0.7)
			case fuzzy:
				best = max(best, 0.5*similarity(w, e))
			}
			if best == 1 {
				break
			}
		}
		total += best
	}
	score := total / float64(len(words))
	switch {
	case text == phrase:
		score++
	case strings.HasPrefix(text, phrase):
		score += 0.5
	}
	if n := utf8.RuneCountInString(text); n > 0 {
		score += 0.2 * math.Min(1, float64(utf8.RuneCountInString(phrase))/float64(n))
	}
	return score
}

// similarity is 1 - (edit distance / length) of a query word and an entry
// word (or the entry word's start of about the same length), 0 when more
// than two edits apart.
func similarity(w, e string) float64 {
	a, b := []rune(w), []rune(e)
	if len(b) > len(a)+1 {
		b = b[:len(a)+1] // a typo in a prefix: compare with the word's start
	}
	d := editDistance(a, b)
	if d > 2 || d >= len(a) {
		return 0
	}
	return 1 - float64(d)/float64(max(len(a), len(b)))
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
