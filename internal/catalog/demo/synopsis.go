package demo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Synopsis is a short overview of the film written from the facts the demo
// data set holds (genre, kind of story, director, source material, release,
// distributor, budget and gross). The data set has no plot summaries, and a
// demo movie page that says "No synopsis yet." on every film looks dead, so
// the importer stores this instead. It is "" when nothing beyond the title
// is known.
func (r Row) Synopsis() string {
	var sentences []string

	kind := genreNoun[r.Genre]
	if adj := creativeAdjective[r.CreativeType]; adj != "" {
		kind = adj + " " + kind
	}
	switch {
	case r.Director != "":
		sentences = append(sentences, article(kind)+" "+kind+" directed by "+r.Director+".")
	case r.Genre != "" || creativeAdjective[r.CreativeType] != "":
		sentences = append(sentences, article(kind)+" "+kind+".")
	}
	if s := sourcePhrase[r.Source]; s != "" {
		sentences = append(sentences, s)
	}
	if s := releasePhrase(r.ReleaseDate, r.Distributor); s != "" {
		sentences = append(sentences, s)
	}
	switch {
	case r.BudgetUSD > 0 && r.GrossUSD > 0:
		sentences = append(sentences, fmt.Sprintf("Made for %s, it took %s worldwide.", dollars(r.BudgetUSD), dollars(r.GrossUSD)))
	case r.BudgetUSD > 0:
		sentences = append(sentences, fmt.Sprintf("Made for %s.", dollars(r.BudgetUSD)))
	case r.GrossUSD > 0:
		sentences = append(sentences, fmt.Sprintf("It took %s worldwide.", dollars(r.GrossUSD)))
	}
	return strings.Join(sentences, " ")
}

var genreNoun = map[string]string{
	"": "film", "Action": "action film", "Adventure": "adventure film", "Black Comedy": "black comedy",
	"Comedy": "comedy", "Concert/Performance": "concert film", "Documentary": "documentary", "Drama": "drama",
	"Horror": "horror film", "Musical": "musical", "Romantic Comedy": "romantic comedy",
	"Thriller/Suspense": "thriller", "Western": "western",
}

// creativeAdjective leaves out the types that add nothing to the genre
// ("Contemporary Fiction", "Dramatization", "Factual").
var creativeAdjective = map[string]string{
	"Historical Fiction": "period", "Fantasy": "fantasy", "Science Fiction": "science-fiction",
	"Kids Fiction": "family", "Super Hero": "superhero",
}

var sourcePhrase = map[string]string{
	"Original Screenplay":           "From an original screenplay.",
	"Based on Book/Short Story":     "Based on a book.",
	"Based on Real Life Events":     "Based on real events.",
	"Remake":                        "A remake.",
	"Based on TV":                   "Based on a television series.",
	"Based on Comic/Graphic Novel":  "Based on a comic.",
	"Based on Play":                 "Based on a play.",
	"Based on Game":                 "Based on a game.",
	"Traditional/Legend/Fairytale":  "Drawn from legend and fairy tale.",
	"Based on Magazine Article":     "Based on a magazine article.",
	"Based on Musical/Opera":        "Based on a stage musical.",
	"Based on Short Film":           "Expanded from a short film.",
	"Spin-Off":                      "A spin-off.",
	"Based on Factual Book/Article": "Based on a factual book.",
	"Disney Ride":                   "Based on a theme-park ride.",
	"Based on Toy":                  "Based on a toy.",
}

func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "An"
	}
	return "A"
}

func releasePhrase(date, distributor string) string {
	when := ""
	if d, err := time.Parse(time.DateOnly, date); err == nil {
		when = " in " + d.Format("January 2006")
	}
	switch {
	case distributor != "":
		return "Released" + when + " by " + distributor + "."
	case when != "":
		return "Released" + when + "."
	}
	return ""
}

// dollars writes an amount the way a film page would: $8 million,
// $1.2 billion, $146,083.
func dollars(n int) string {
	switch {
	case n >= 1_000_000_000:
		return "$" + oneDecimal(float64(n)/1e9) + " billion"
	case n >= 1_000_000:
		return "$" + oneDecimal(float64(n)/1e6) + " million"
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return "$" + s
}

func oneDecimal(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', 1, 64), ".0")
}
