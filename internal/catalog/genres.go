package catalog

import (
	"strings"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
)

// genreByName finds a genre of the fixed list by name or slug, ignoring case.
func genreByName(name string) (catalogapi.Genre, bool) {
	name = strings.TrimSpace(name)
	for _, g := range catalogapi.Genres {
		if strings.EqualFold(g.Name, name) || strings.EqualFold(g.Slug, name) {
			return g, true
		}
	}
	return catalogapi.Genre{}, false
}
