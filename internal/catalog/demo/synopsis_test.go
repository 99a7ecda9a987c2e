package demo_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/demo"
)

func TestSynopsis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		row  demo.Row
		want string
	}{
		{"every fact", demo.Row{
			Title: "Alien", Genre: "Horror", CreativeType: "Science Fiction", Director: "Ridley Scott",
			Source: "Original Screenplay", ReleaseDate: "1979-05-25", Distributor: "20th Century Fox",
			BudgetUSD: 9_000_000, GrossUSD: 203_630_630,
		}, "A science-fiction horror film directed by Ridley Scott. From an original screenplay. " +
			"Released in May 1979 by 20th Century Fox. Made for $9 million, it took $203.6 million worldwide."},
		{"an before a vowel, billions, no director", demo.Row{
			Title: "X", Genre: "Adventure", GrossUSD: 1_842_879_955, ReleaseDate: "1997-12-19",
		}, "An adventure film. Released in December 1997. It took $1.8 billion worldwide."},
		{"small sums with separators, distributor without a date", demo.Row{
			Title: "X", Genre: "Drama", Distributor: "Gramercy", BudgetUSD: 8_000_000, GrossUSD: 146_083,
		}, "A drama. Released by Gramercy. Made for $8 million, it took $146,083 worldwide."},
		{"types that add nothing are left out", demo.Row{
			Title: "X", Genre: "Comedy", CreativeType: "Contemporary Fiction", BudgetUSD: 950,
		}, "A comedy. Made for $950."},
		{"a kind of story without a genre", demo.Row{Title: "X", CreativeType: "Super Hero"}, "A superhero film."},
		{"only the title known", demo.Row{Title: "X"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.row.Synopsis())
		})
	}
}

// TestEmbeddedSynopses: nearly every demo film gets an overview, and none is
// longer than a short paragraph.
func TestEmbeddedSynopses(t *testing.T) {
	t.Parallel()
	rows, _, err := demo.Embedded()
	require.NoError(t, err)
	empty := 0
	for _, r := range rows {
		s := r.Synopsis()
		if s == "" {
			empty++
		}
		require.LessOrEqual(t, len(s), 400, r.Title)
	}
	require.Less(t, empty, len(rows)/50, "films without a synopsis")
}
