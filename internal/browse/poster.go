package browse

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/marquee-dev/marquee/internal/browse/store"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
)

// Generated posters: a movie the catalog gave no poster_url gets one drawn
// from its title, year and first genre — the genre picks the palette and the
// shapes, a hash of the title varies them, the title is set large. The
// document's poster_url then points here with ?v= a hash of those inputs, so
// the answer is the same for a URL forever and is cached for a year; a new
// title or genre makes a new URL.

// posterPath is where a movie's generated poster is served.
func posterPath(id string) string { return "/api/movies/" + id + "/poster.svg" }

// posterInputs are what a generated poster is drawn from.
type posterInputs struct {
	title, year, genre string
}

func posterInputsOf(m catalogapi.Movie) posterInputs {
	in := posterInputs{title: m.Title}
	if m.ReleaseDate != nil && len(*m.ReleaseDate) >= 4 {
		in.year = (*m.ReleaseDate)[:4]
	}
	if len(m.Genres) > 0 {
		in.genre = m.Genres[0].Name
	}
	return in
}

func (in posterInputs) hash() [32]byte {
	return sha256.Sum256([]byte(posterStyleVersion + "\x00" + in.title + "\x00" + in.year + "\x00" + in.genre))
}

// posterStyleVersion changes when the drawing changes, so cached posters are replaced.
const posterStyleVersion = "2"

// withGeneratedPoster fills in poster_url of a movie that has none.
func withGeneratedPoster(m *catalogapi.Movie) {
	if m.PosterURL != nil && *m.PosterURL != "" {
		return
	}
	h := posterInputsOf(*m).hash()
	u := posterPath(m.ID) + "?v=" + hex.EncodeToString(h[:6])
	m.PosterURL = &u
}

// palette is a poster's colours: background, two accents, text.
type palette struct{ bg, a, b, ink string }

// genreStyles: a palette family and a motif per genre; unknown genres get the last.
var genreStyles = map[string]struct {
	palettes []palette
	motif    int // 0 rings, 1 bars, 2 sun, 3 grid, 4 diagonal
}{
	"Action":              {[]palette{{"#1b1b2f", "#e94560", "#f5a623", "#fdf6e3"}, {"#2b1d0e", "#ff6b35", "#f7c59f", "#fffaf0"}}, 4},
	"Adventure":           {[]palette{{"#0b3d2e", "#f2a541", "#66a182", "#fbf5e6"}, {"#133c55", "#f6ae2d", "#86bbd8", "#f8f4e3"}}, 2},
	"Black Comedy":        {[]palette{{"#111111", "#c1ff72", "#7a7a7a", "#f0f0f0"}, {"#1f1d36", "#e9a6a6", "#864879", "#f7f7f7"}}, 3},
	"Comedy":              {[]palette{{"#ffd23f", "#ee4266", "#3bceac", "#1a1a2e"}, {"#f9c80e", "#f86624", "#43bccd", "#201e1f"}}, 0},
	"Concert/Performance": {[]palette{{"#240046", "#ff9e00", "#9d4edd", "#fff8e7"}, {"#03071e", "#f48c06", "#dc2f02", "#fdf0d5"}}, 1},
	"Documentary":         {[]palette{{"#eae2b7", "#003049", "#d62828", "#1b1b1b"}, {"#e9ecef", "#343a40", "#4a6fa5", "#111111"}}, 3},
	"Drama":               {[]palette{{"#22223b", "#9a8c98", "#c9ada7", "#f2e9e4"}, {"#2d3142", "#bfc0c0", "#ef8354", "#ffffff"}}, 1},
	"Horror":              {[]palette{{"#0b0b0b", "#8a0303", "#4a0404", "#e6e6e6"}, {"#10002b", "#5a189a", "#c00021", "#f1f1f1"}}, 2},
	"Musical":             {[]palette{{"#ff006e", "#ffbe0b", "#3a86ff", "#fffcf2"}, {"#7400b8", "#80ffdb", "#5390d9", "#ffffff"}}, 0},
	"Romantic Comedy":     {[]palette{{"#ffe5ec", "#fb6f92", "#ffb3c6", "#3d0c11"}, {"#fff1e6", "#e07a5f", "#f2cc8f", "#3d405b"}}, 0},
	"Thriller/Suspense":   {[]palette{{"#0d1b2a", "#e0e1dd", "#415a77", "#f8f9fa"}, {"#161a1d", "#a4161a", "#b1a7a6", "#f5f3f4"}}, 4},
	"Western":             {[]palette{{"#7f4f24", "#ffe8d6", "#b08968", "#fff8f0"}, {"#582f0e", "#ffb703", "#bc6c25", "#fefae0"}}, 2},
	"":                    {[]palette{{"#14213d", "#fca311", "#e5e5e5", "#ffffff"}, {"#283618", "#dda15e", "#606c38", "#fefae0"}, {"#3d405b", "#81b29a", "#f2cc8f", "#f4f1de"}}, 3},
}

// posterSVG draws the poster (300×450, 2:3).
func posterSVG(in posterInputs) []byte {
	h := in.hash()
	rnd := func(i int) uint32 { return binary.BigEndian.Uint32(h[(i*4)%28:]) } // 7 numbers from the hash
	style, ok := genreStyles[in.genre]
	if !ok {
		style = genreStyles[""]
	}
	p := style.palettes[rnd(0)%uint32(len(style.palettes))]
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 450" width="300" height="450" role="img" aria-label="`)
	b.WriteString(html.EscapeString(in.title))
	b.WriteString(`">`)
	fmt.Fprintf(&b, `<rect width="300" height="450" fill="%s"/>`, p.bg)
	// the genre leans towards its motif; the title's hash varies it, so a
	// row of one genre is not one picture repeated
	motif := style.motif
	if r := rnd(5) % 5; r >= 2 {
		motif = int(r+uint32(style.motif)) % 5
	}
	switch motif {
	case 0: // rings
		cx, cy := 60+rnd(1)%180, 90+rnd(2)%140
		for i := 5; i >= 1; i-- {
			c := p.a
			if i%2 == 0 {
				c = p.b
			}
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="%d" fill="%s" opacity="0.85"/>`, cx, cy, i*28, c)
		}
	case 1: // vertical bars of varying width
		x := uint32(0)
		for i := 0; x < 300; i++ {
			w := 10 + (rnd(i+1)>>uint(i%8))%40
			c := p.a
			if i%2 == 1 {
				c = p.b
			}
			fmt.Fprintf(&b, `<rect x="%d" y="0" width="%d" height="300" fill="%s" opacity="%.2f"/>`, x, w, c, 0.25+float64(i%3)*0.2)
			x += w + 6
		}
	case 2: // a low sun over a horizon
		cy := 190 + rnd(1)%60
		fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="%d" fill="%s"/>`, 90+rnd(2)%120, cy, 60+rnd(3)%40, p.a)
		fmt.Fprintf(&b, `<rect x="0" y="%d" width="300" height="%d" fill="%s"/>`, cy+20, 450-cy-20, p.b)
		for i := range 4 {
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="300" height="3" fill="%s" opacity="0.6"/>`, cy+30+uint32(i)*14, p.bg)
		}
	case 3: // a grid of squares, some filled
		for i := range 20 {
			col, row := i%5, i/5
			if (rnd(i/7+1)>>uint(i%7*4))&3 == 0 {
				continue
			}
			c := p.a
			if (rnd(3)>>uint(i))&1 == 1 {
				c = p.b
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="52" height="52" fill="%s" opacity="0.9"/>`, 20+col*54, 24+row*54, c)
		}
	default: // diagonal bands
		for i := range 6 {
			c := p.a
			if i%2 == 1 {
				c = p.b
			}
			off := int(rnd(i+1)%60) - 30
			fmt.Fprintf(&b, `<polygon points="%d,0 %d,0 %d,330 %d,330" fill="%s" opacity="0.8"/>`,
				-120+i*70+off, -80+i*70+off, 60+i*70+off, 20+i*70+off, c)
		}
	}
	// the title block: a band for legibility, the title wrapped, year and genre small
	lines, size := wrapTitle(in.title)
	lineHeight := size * 11 / 10
	blockTop := 450 - 36 - len(lines)*lineHeight - 30
	fmt.Fprintf(&b, `<rect x="0" y="%d" width="300" height="%d" fill="%s" opacity="0.92"/>`, blockTop-18, 450-blockTop+18, p.bg)
	fmt.Fprintf(&b, `<rect x="24" y="%d" width="48" height="4" fill="%s"/>`, blockTop-4, p.a)
	fmt.Fprintf(&b, `<text x="24" y="%d" fill="%s" font-family="Georgia, 'DejaVu Serif', serif" font-weight="700" font-size="%d" letter-spacing="0.5">`,
		blockTop+size, p.ink, size)
	for i, l := range lines {
		dy := 0
		if i > 0 {
			dy = lineHeight
		}
		fmt.Fprintf(&b, `<tspan x="24" dy="%d">%s</tspan>`, dy, html.EscapeString(l))
	}
	b.WriteString(`</text>`)
	meta := strings.TrimSpace(strings.Join(nonEmpty(in.year, strings.ToUpper(in.genre)), "  ·  "))
	if meta != "" {
		fmt.Fprintf(&b, `<text x="24" y="426" fill="%s" font-family="'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif" font-size="13" letter-spacing="2" opacity="0.8">%s</text>`,
			p.ink, html.EscapeString(meta))
	}
	b.WriteString(`</svg>`)
	return []byte(b.String())
}

func longestWord(words []string) int {
	n := 0
	for _, w := range words {
		n = max(n, utf8.RuneCountInString(w))
	}
	return n
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// wrapTitle breaks a title into at most four lines that fit the poster's
// width, with the largest font size that allows it.
func wrapTitle(title string) ([]string, int) {
	words := strings.Fields(title)
	if len(words) == 0 {
		return []string{""}, 40
	}
	sizes := []int{46, 40, 34, 28, 24, 20}
	for si, size := range sizes {
		// ~0.76 em per character in 252 px: DejaVu Serif Bold, the serif most
		// Linux browsers fall back to, is that wide (Georgia is narrower).
		perLine := 252 * 100 / (size * 76)
		if si < len(sizes)-1 && longestWord(words) > perLine {
			continue // a smaller size before cutting a word
		}
		var lines []string
		cur := ""
		for _, w := range words {
			for utf8.RuneCountInString(w) > perLine { // a word longer than a line is cut
				r := []rune(w)
				if cur != "" {
					lines, cur = append(lines, cur), ""
				}
				lines = append(lines, string(r[:perLine]))
				w = string(r[perLine:])
			}
			switch {
			case cur == "":
				cur = w
			case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) <= perLine:
				cur += " " + w
			default:
				lines, cur = append(lines, cur), w
			}
		}
		if cur != "" {
			lines = append(lines, cur)
		}
		if len(lines) <= 4 || si == len(sizes)-1 {
			if len(lines) > 4 {
				lines = append(lines[:3], lines[3]+"…")
			}
			return lines, size
		}
	}
	return words, 20 // not reached
}

// handlePoster serves a movie's generated poster; immutable for a year when
// the URL names the current version.
func (s *Service) handlePoster(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	d, err := s.store.MovieDoc(r.Context(), s.db, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !d.Live) {
		return notFound("movie")
	} else if err != nil {
		return err
	}
	var m catalogapi.Movie
	if err := json.Unmarshal(d.Doc, &m); err != nil {
		return fmt.Errorf("poster of %s: %w", id, err)
	}
	in := posterInputsOf(m)
	h := in.hash()
	v := hex.EncodeToString(h[:6])
	etag := `"` + v + `"`
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("ETag", etag)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if r.URL.Query().Get("v") == v {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	_, _ = w.Write(posterSVG(in))
	return nil
}
