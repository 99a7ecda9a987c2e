// Package demo builds the demo community that `--demo` adds to the demo
// catalog: a few hundred demo accounts (nobody can sign in to them), their
// reviews and their follows. Everything is derived from the catalog rows with
// fixed seeds, so every run builds the same community with the same ids, and
// the services' bulk operations skip what an earlier run stored: seeding is
// idempotent.
//
// How many reviews a film gets follows its IMDb vote count, scaled down
// (the square root, so blockbusters do not swallow the rest), and the ratings
// average to its IMDb rating. Films without IMDb figures get no reviews.
package demo

import (
	"crypto/sha256"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	catalogdemo "github.com/marquee-dev/marquee/internal/catalog/demo"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// Size of the community.
const (
	Users = 300
	// votesPerReview scales IMDb votes down: a film gets √votes / votesPerReview
	// reviews (at least one, at most one per user).
	votesPerReview = 24
	// bodyShare is the share of reviews that come with a short text.
	bodyShare = 0.3
)

// The community's time line: accounts open during its first two months,
// reviews and follows come after, up to its end. Fixed dates keep the
// community the same on every run.
var (
	Start = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	End   = time.Date(2026, 11, 30, 21, 0, 0, 0, time.UTC)
)

// Community is what the demo adds to the catalog.
type Community struct {
	Users   []identityapi.DemoUser
	Reviews []reviews.SyntheticReview
	Follows []socialapi.FollowPair
}

// Build derives the community from the catalog rows and the ids their movies
// got (by row line; rows without an id are left out).
func Build(rows []catalogdemo.Row, movieIDs map[int]string) Community {
	var c Community
	weights := make([]float64, Users) // how active each user is: a few review a lot
	for i := range Users {
		at := Start.Add(time.Duration(i) * 60 * 24 * time.Hour / Users)
		c.Users = append(c.Users, identityapi.DemoUser{
			ID:          stableID(at, "user", i),
			Email:       fmt.Sprintf("demo-%03d@%s", i+1, identityapi.DemoEmailDomain),
			DisplayName: displayName(i),
			CreatedAt:   at,
		})
		weights[i] = 1 / (1 + float64(i%97)/12)
	}
	for _, r := range rows {
		id, ok := movieIDs[r.Line]
		if !ok || r.IMDBVotes <= 0 || r.IMDBRating <= 0 {
			continue
		}
		c.Reviews = append(c.Reviews, filmReviews(r, id, c.Users, weights)...)
	}
	c.Follows = follows(c.Users, weights)
	return c
}

// ReviewCount is how many demo reviews a film with this many IMDb votes gets.
func ReviewCount(votes int) int {
	if votes <= 0 {
		return 0
	}
	return min(Users, max(1, int(math.Round(math.Sqrt(float64(votes))/votesPerReview))))
}

func filmReviews(r catalogdemo.Row, movieID string, users []identityapi.DemoUser, weights []float64) []reviews.SyntheticReview {
	rng := rand.New(rand.NewPCG(uint64(r.Line), 0x5eed))
	n := ReviewCount(r.IMDBVotes)
	ratings := ratingsAround(rng, r.IMDBRating, n)
	authors := weightedSample(rng, weights, n)
	from := Start.Add(60 * 24 * time.Hour)
	out := make([]reviews.SyntheticReview, n)
	for i, a := range authors {
		at := from.Add(time.Duration(rng.Int64N(int64(End.Sub(from))))).Truncate(time.Second)
		body := ""
		if rng.Float64() < bodyShare {
			texts := reviewTexts[band(ratings[i])]
			body = texts[rng.IntN(len(texts))]
		}
		out[i] = reviews.SyntheticReview{
			ID:                stableID(at, "review", r.Line*Users+a),
			MovieID:           movieID,
			MovieTitle:        r.Title,
			AuthorID:          users[a].ID,
			AuthorDisplayName: users[a].DisplayName,
			Rating:            ratings[i],
			Body:              body,
			CreatedAt:         at,
		}
	}
	return out
}

// ratingsAround returns n ratings (1..10) spread around mean whose average
// is within 1/n of it (as close as whole ratings allow).
func ratingsAround(rng *rand.Rand, mean float64, n int) []int {
	out := make([]int, n)
	sum := 0
	for i := range out {
		out[i] = clampRating(int(math.Round(mean + rng.NormFloat64()*1.5)))
		sum += out[i]
	}
	target := int(math.Round(mean * float64(n)))
	for sum != target { // nudge random ratings towards the target, never past 1 or 10
		i := rng.IntN(n)
		switch {
		case sum < target && out[i] < 10:
			out[i]++
			sum++
		case sum > target && out[i] > 1:
			out[i]--
			sum--
		}
	}
	return out
}

func clampRating(r int) int { return max(1, min(10, r)) }

// weightedSample picks n distinct indexes of weights, heavier ones more
// likely (Efraimidis–Spirakis: the n largest u^(1/w)).
func weightedSample(rng *rand.Rand, weights []float64, n int) []int {
	type keyed struct {
		i   int
		key float64
	}
	ks := make([]keyed, len(weights))
	for i, w := range weights {
		ks[i] = keyed{i, math.Pow(rng.Float64(), 1/w)}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.key > b.key {
			return -1
		}
		if a.key < b.key {
			return 1
		}
		return a.i - b.i
	})
	out := make([]int, n)
	for j := range out {
		out[j] = ks[j].i
	}
	return out
}

// follows makes every user follow 3 to 14 others, the active reviewers most.
func follows(users []identityapi.DemoUser, weights []float64) []socialapi.FollowPair {
	rng := rand.New(rand.NewPCG(uint64(len(users)), 0xf011))
	var out []socialapi.FollowPair
	for i, u := range users {
		k := 3 + rng.IntN(12)
		for _, j := range weightedSample(rng, weights, k+1) {
			if j == i || k == 0 {
				continue
			}
			k--
			later := u.CreatedAt
			if users[j].CreatedAt.After(later) {
				later = users[j].CreatedAt
			}
			at := later.Add(time.Duration(rng.Int64N(int64(90 * 24 * time.Hour)))).Truncate(time.Second)
			out = append(out, socialapi.FollowPair{FollowerID: u.ID, FolloweeID: users[j].ID, FollowedAt: at})
		}
	}
	return out
}

// stableID is a UUIDv7 whose time is at and whose other bits come from the
// kind and number, so the same thing gets the same id on every run.
func stableID(at time.Time, kind string, n int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "marquee-demo-%s-%d", kind, n))
	var u uuid.UUID
	copy(u[:], sum[:16])
	ms := uint64(at.UnixMilli())
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	u[6] = 0x70 | u[6]&0x0f // version 7
	u[8] = 0x80 | u[8]&0x3f // RFC 4122 variant
	return u.String()
}

// displayName gives user i a distinct first and last name (up to 900 users:
// for a fixed first name the last names differ).
func displayName(i int) string {
	f := i % len(firstNames)
	k := i / len(firstNames)
	return firstNames[f] + " " + lastNames[(k+7*f)%len(lastNames)]
}

var firstNames = [...]string{
	"Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
	"Kemi", "Luca", "Maya", "Nils", "Olivia", "Pablo", "Quinn", "Rosa", "Sami", "Tara",
	"Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Arjun", "Bea", "Caleb", "Dara",
}

var lastNames = [...]string{
	"Abara", "Bianchi", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen",
	"Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quiroga", "Rossi", "Silva", "Tanaka",
	"Umarov", "Varga", "Weber", "Xu", "Yilmaz", "Zhou", "Alves", "Brennan", "Castillo", "Doyle",
}

// band groups ratings for the review texts: 0 poor (1–3), 1 mixed (4–5),
// 2 good (6–7), 3 great (8–10).
func band(rating int) int {
	switch {
	case rating <= 3:
		return 0
	case rating <= 5:
		return 1
	case rating <= 7:
		return 2
	}
	return 3
}

var reviewTexts = [4][]string{
	{
		"Could not wait for the credits.",
		"The premise deserved a better film.",
		"Two hours I will not get back.",
		"Flat characters, and a plot full of holes.",
	},
	{
		"Some good scenes, but it drags in the middle.",
		"Watchable once. The ending fell flat for me.",
		"Fine cast, forgettable script.",
		"Not bad, not memorable either.",
	},
	{
		"Solid and well paced; a good evening.",
		"Better than I expected. The second half really works.",
		"Nice photography and a strong lead.",
		"A few rough edges, still very enjoyable.",
	},
	{
		"A classic for a reason. Seen it three times.",
		"Gripping from the first scene to the last.",
		"Beautifully made; the score stays with you.",
		"One of the best of its year.",
		"Everything clicks here: cast, writing, music.",
	},
}
