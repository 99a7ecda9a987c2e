// Package browseapi is the public face of the browse service (the read
// side): the JSON wire types of its HTTP API. Movies and people keep the
// catalog's shapes (catalogapi.Movie, MovieSummary, Person, PersonSummary),
// with a real rating summary. Browse emits no events. It is the only browse
// package other services may import.
package browseapi

import "github.com/marquee-dev/marquee/internal/catalog/catalogapi"

// Durable consumer names of the browse service (one per stream it reads).
const (
	ConsumerCatalog = "browse-catalog"
	ConsumerRatings = "browse-ratings"
)

// Page is one page of a list: {"items": [...], "next_cursor": "..." | null}.
type Page[T any] = catalogapi.Page[T]

// MoviePage is a page of GET /api/movies.
type MoviePage = catalogapi.MoviePage

// PersonPage is a page of GET /api/actors and GET /api/people.
type PersonPage = catalogapi.PersonPage

// Genre is a genre with the number of (non-deleted) movies listed under it.
type Genre struct {
	ID         string `json:"id"`
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	MovieCount int    `json:"movie_count"`
}

// GenreList is the answer of GET /api/genres: every genre in one page.
type GenreList = Page[Genre]

// TopRatedMovie is a list item of GET /api/movies/top-rated.
type TopRatedMovie struct {
	catalogapi.MovieSummary
	// WeightedRating is v/(v+m)·R + m/(v+m)·C: R the movie's average, v its
	// number of ratings, m MinVotes, C MeanRating.
	WeightedRating float64 `json:"weighted_rating"`
}

// TopRatedPage is a page of GET /api/movies/top-rated.
type TopRatedPage struct {
	Items      []TopRatedMovie `json:"items"`
	NextCursor *string         `json:"next_cursor"`
	// MinVotes is m: how many ratings weigh as much as the mean.
	MinVotes int `json:"min_votes"`
	// MeanRating is C, the mean of all ratings of listed movies, as used for
	// the weighted ratings shown (null before the first rating).
	MeanRating *float64 `json:"mean_rating"`
}

// Search result kinds.
const (
	KindMovie  = "movie"
	KindPerson = "person"
)

// SearchResult is one hit of GET /api/search: a movie (title, release
// date, poster, rating) or a person (name, birth date, photo).
type SearchResult struct {
	Kind string `json:"kind"` // "movie" or "person"
	ID   string `json:"id"`
	// movies
	Title         string   `json:"title,omitempty"`
	ReleaseDate   *string  `json:"release_date,omitempty"`
	PosterURL     *string  `json:"poster_url,omitempty"`
	RatingAverage *float64 `json:"rating_average,omitempty"`
	RatingCount   *int     `json:"rating_count,omitempty"`
	// people
	Name      string  `json:"name,omitempty"`
	BirthDate *string `json:"birth_date,omitempty"`
	PhotoURL  *string `json:"photo_url,omitempty"`
	// Score is the relevance (higher is better); results come best first.
	Score float64 `json:"score"`
}

// SearchPage is a page of GET /api/search.
type SearchPage = Page[SearchResult]
