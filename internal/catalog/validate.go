package catalog

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Limits of the writable fields.
const (
	MaxTitleLen     = 300
	MaxOverviewLen  = 10_000
	MaxNameLen      = 200
	MaxBiographyLen = 20_000
	MaxTextLen      = 300 // character, nationality
	MaxJobLen       = 100
	MaxURLLen       = 2_000
	MaxLanguages    = 20
	MaxGenres       = 10
	MaxCredits      = 500 // per list (cast, crew)
	MinRuntime      = 1
	MaxRuntime      = 1_000
	MaxCastOrder    = 10_000
	// EarliestRelease is the first release date accepted (the first films are from the late 1880s).
	EarliestRelease = "1870-01-01"
	// ReleaseYearsAhead bounds release dates in the future (announced films).
	ReleaseYearsAhead = 5
	// EarliestBirth is the first birth date accepted.
	EarliestBirth = "1800-01-01"
)

// MaturityRatings are the accepted maturity ratings (US film and TV ratings);
// "" means unknown. NR is "not rated". Input is matched ignoring case.
var MaturityRatings = []string{
	"G", "PG", "PG-13", "R", "NC-17", "NR",
	"TV-Y", "TV-Y7", "TV-Y7-FV", "TV-G", "TV-PG", "TV-14", "TV-MA",
}

// languageCode is an ISO 639 code with an optional region or script
// subtag: "en", "fr", "pt-BR", "zh-Hant", "es-419".
var languageCode = regexp.MustCompile(`^[a-z]{2,3}(-([A-Z]{2}|[0-9]{3}|[A-Z][a-z]{3}))?$`)

const dateLayout = "2006-01-02"

// normaliseLanguage lower-cases the language and upper-cases a region ("PT-br" → "pt-BR").
func normaliseLanguage(s string) string {
	lang, sub, ok := strings.Cut(strings.TrimSpace(s), "-")
	lang = strings.ToLower(lang)
	if !ok {
		return lang
	}
	switch {
	case len(sub) == 2:
		sub = strings.ToUpper(sub)
	case len(sub) == 4:
		sub = strings.ToUpper(sub[:1]) + strings.ToLower(sub[1:])
	}
	return lang + "-" + sub
}

func normaliseRating(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	for _, r := range MaturityRatings {
		if strings.EqualFold(r, s) {
			return r, true
		}
	}
	return s, false
}

// checkURL validates an optional absolute http(s) URL.
func checkURL(v *apperr.Validator, field, s string) {
	if s == "" {
		return
	}
	if len(s) > MaxURLLen {
		v.Add(field, fmt.Sprintf("must be at most %d characters", MaxURLLen))
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.Add(field, "must be an absolute http or https URL")
	}
}

// checkLen checks the length of a one-line text field and that it holds no
// control characters (nor invalid UTF-8).
func checkLen(v *apperr.Validator, field, s string, max int) {
	checkText(v, field, s, max, false)
}

// checkText checks a text field; multiline allows line breaks and tabs.
func checkText(v *apperr.Validator, field, s string, max int, multiline bool) {
	if !utf8.ValidString(s) {
		v.Add(field, "must be valid UTF-8")
		return
	}
	if utf8.RuneCountInString(s) > max {
		v.Add(field, fmt.Sprintf("must be at most %d characters", max))
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			v.Add(field, "must not contain control characters")
			return
		}
	}
}

// validateMovie trims and checks w in place. References (genre and person
// ids) are only checked for shape here; their existence is checked in the
// write's transaction.
func validateMovie(w *catalogapi.MovieWrite, now time.Time) error {
	var v apperr.Validator
	w.Title = strings.TrimSpace(w.Title)
	switch {
	case w.Title == "":
		v.Add("title", "is required")
	default:
		checkLen(&v, "title", w.Title, MaxTitleLen)
	}
	w.OriginalTitle = strings.TrimSpace(w.OriginalTitle)
	checkLen(&v, "original_title", w.OriginalTitle, MaxTitleLen)
	w.Overview = strings.TrimSpace(w.Overview)
	checkText(&v, "overview", w.Overview, MaxOverviewLen, true)

	w.ReleaseDate = strings.TrimSpace(w.ReleaseDate)
	if w.ReleaseDate != "" {
		d, err := time.Parse(dateLayout, w.ReleaseDate)
		latest := now.UTC().AddDate(ReleaseYearsAhead, 0, 0).Format(dateLayout)
		switch {
		case err != nil:
			v.Add("release_date", "must be a date as YYYY-MM-DD")
		case w.ReleaseDate < EarliestRelease || d.Format(dateLayout) > latest:
			v.Add("release_date", fmt.Sprintf("must be between %s and %s", EarliestRelease, latest))
		}
	}
	if w.RuntimeMinutes != nil && (*w.RuntimeMinutes < MinRuntime || *w.RuntimeMinutes > MaxRuntime) {
		v.Add("runtime_minutes", fmt.Sprintf("must be from %d to %d minutes", MinRuntime, MaxRuntime))
	}
	if r, ok := normaliseRating(w.MaturityRating); ok {
		w.MaturityRating = r
	} else {
		v.Add("maturity_rating", "must be one of "+strings.Join(MaturityRatings, ", ")+" or empty")
	}

	if len(w.Languages) > MaxLanguages {
		v.Add("languages", fmt.Sprintf("must hold at most %d languages", MaxLanguages))
	}
	seenLang := map[string]bool{}
	for i, l := range w.Languages {
		field := fmt.Sprintf("languages[%d]", i)
		l = normaliseLanguage(l)
		w.Languages[i] = l
		switch {
		case !languageCode.MatchString(l):
			v.Add(field, "must be a language code such as en, fr or pt-BR")
		case seenLang[l]:
			v.Add(field, "is listed twice")
		}
		seenLang[l] = true
	}

	w.PosterURL = strings.TrimSpace(w.PosterURL)
	checkURL(&v, "poster_url", w.PosterURL)

	if len(w.GenreIDs) > MaxGenres {
		v.Add("genre_ids", fmt.Sprintf("must hold at most %d genres", MaxGenres))
	}
	seenGenre := map[string]bool{}
	for i, g := range w.GenreIDs {
		field := fmt.Sprintf("genre_ids[%d]", i)
		g = strings.TrimSpace(g)
		w.GenreIDs[i] = g
		switch {
		case !httpx.IsUUID(g):
			v.Add(field, "is not a known genre")
		case seenGenre[g]:
			v.Add(field, "is listed twice")
		}
		seenGenre[g] = true
	}

	if len(w.Cast) > MaxCredits {
		v.Add("cast", fmt.Sprintf("must hold at most %d credits", MaxCredits))
	}
	for i := range w.Cast {
		c := &w.Cast[i]
		c.PersonID = strings.TrimSpace(c.PersonID)
		switch {
		case c.PersonID == "":
			v.Add(fmt.Sprintf("cast[%d].person_id", i), "is required")
		case !httpx.IsUUID(c.PersonID):
			v.Add(fmt.Sprintf("cast[%d].person_id", i), "is not a known person")
		}
		c.Character = strings.TrimSpace(c.Character)
		checkLen(&v, fmt.Sprintf("cast[%d].character", i), c.Character, MaxTextLen)
		if c.Order == nil {
			n := i
			c.Order = &n
		} else if *c.Order < 0 || *c.Order > MaxCastOrder {
			v.Add(fmt.Sprintf("cast[%d].order", i), fmt.Sprintf("must be from 0 to %d", MaxCastOrder))
		}
	}
	if len(w.Crew) > MaxCredits {
		v.Add("crew", fmt.Sprintf("must hold at most %d credits", MaxCredits))
	}
	for i := range w.Crew {
		c := &w.Crew[i]
		c.PersonID = strings.TrimSpace(c.PersonID)
		switch {
		case c.PersonID == "":
			v.Add(fmt.Sprintf("crew[%d].person_id", i), "is required")
		case !httpx.IsUUID(c.PersonID):
			v.Add(fmt.Sprintf("crew[%d].person_id", i), "is not a known person")
		}
		c.Job = strings.TrimSpace(c.Job)
		if c.Job == "" {
			v.Add(fmt.Sprintf("crew[%d].job", i), "is required")
		} else {
			checkLen(&v, fmt.Sprintf("crew[%d].job", i), c.Job, MaxJobLen)
		}
	}
	return v.Err()
}

// validatePerson trims and checks w in place.
func validatePerson(w *catalogapi.PersonWrite, now time.Time) error {
	var v apperr.Validator
	w.Name = strings.TrimSpace(w.Name)
	if w.Name == "" {
		v.Add("name", "is required")
	} else {
		checkLen(&v, "name", w.Name, MaxNameLen)
	}
	w.BirthDate = strings.TrimSpace(w.BirthDate)
	if w.BirthDate != "" {
		_, err := time.Parse(dateLayout, w.BirthDate)
		today := now.UTC().Format(dateLayout)
		switch {
		case err != nil:
			v.Add("birth_date", "must be a date as YYYY-MM-DD")
		case w.BirthDate > today:
			v.Add("birth_date", "must not be in the future")
		case w.BirthDate < EarliestBirth:
			v.Add("birth_date", "must be on or after "+EarliestBirth)
		}
	}
	w.Nationality = strings.TrimSpace(w.Nationality)
	checkLen(&v, "nationality", w.Nationality, MaxTextLen)
	w.Biography = strings.TrimSpace(w.Biography)
	checkText(&v, "biography", w.Biography, MaxBiographyLen, true)
	w.PhotoURL = strings.TrimSpace(w.PhotoURL)
	checkURL(&v, "photo_url", w.PhotoURL)
	return v.Err()
}
