// Package catalogapi is the public face of the catalog service: the JSON wire
// types of its HTTP API, the payloads of the events it emits and a typed HTTP
// client. It is the only catalog package other services may import.
package catalogapi

import "time"

// Genre is one entry of the fixed genre list.
type Genre struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// CastCredit is one acting credit of a movie.
type CastCredit struct {
	PersonID  string `json:"person_id"`
	Name      string `json:"name"`
	Character string `json:"character"`
	Order     int    `json:"order"`
}

// CrewCredit is one crew credit (director, writer, ...) of a movie.
type CrewCredit struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
	Job      string `json:"job"`
}

// RatingSummary aggregates user ratings (1–10). The catalog owns no ratings:
// it always answers Average null, Count 0 and an all-zero histogram; the
// reviews/browse services fill it in their read model.
type RatingSummary struct {
	Average   *float64       `json:"average"`
	Count     int            `json:"count"`
	Histogram map[string]int `json:"histogram"` // keys "1".."10"
}

// EmptyRatingSummary is the summary of a movie nobody rated.
func EmptyRatingSummary() RatingSummary {
	h := make(map[string]int, 10)
	for _, k := range [...]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"} {
		h[k] = 0
	}
	return RatingSummary{Histogram: h}
}

// Movie is the full movie document (GET /api/movies/{id}, write answers, event payloads).
type Movie struct {
	ID             string        `json:"id"`
	Title          string        `json:"title"`
	OriginalTitle  string        `json:"original_title"`
	Overview       string        `json:"overview"`
	ReleaseDate    *string       `json:"release_date"` // YYYY-MM-DD, null when unknown
	RuntimeMinutes *int          `json:"runtime_minutes"`
	MaturityRating string        `json:"maturity_rating"` // "" when unknown
	Languages      []string      `json:"languages"`
	PosterURL      *string       `json:"poster_url"`
	Genres         []Genre       `json:"genres"`
	Cast           []CastCredit  `json:"cast"`
	Crew           []CrewCredit  `json:"crew"`
	RatingSummary  RatingSummary `json:"rating_summary"`
	Version        int64         `json:"version"` // +1 on every change of the document
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	DeletedAt      *time.Time    `json:"deleted_at"`
}

// MovieSummary is a movie in a list: the document without cast and crew.
type MovieSummary struct {
	ID             string        `json:"id"`
	Title          string        `json:"title"`
	OriginalTitle  string        `json:"original_title"`
	Overview       string        `json:"overview"`
	ReleaseDate    *string       `json:"release_date"`
	RuntimeMinutes *int          `json:"runtime_minutes"`
	MaturityRating string        `json:"maturity_rating"`
	Languages      []string      `json:"languages"`
	PosterURL      *string       `json:"poster_url"`
	Genres         []Genre       `json:"genres"`
	RatingSummary  RatingSummary `json:"rating_summary"`
	Version        int64         `json:"version"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	DeletedAt      *time.Time    `json:"deleted_at"`
}

// Summary drops cast and crew.
func (m Movie) Summary() MovieSummary {
	return MovieSummary{
		ID: m.ID, Title: m.Title, OriginalTitle: m.OriginalTitle, Overview: m.Overview,
		ReleaseDate: m.ReleaseDate, RuntimeMinutes: m.RuntimeMinutes, MaturityRating: m.MaturityRating,
		Languages: m.Languages, PosterURL: m.PosterURL, Genres: m.Genres, RatingSummary: m.RatingSummary,
		Version: m.Version, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, DeletedAt: m.DeletedAt,
	}
}

// Credit kinds of a filmography entry.
const (
	CreditCast = "cast"
	CreditCrew = "crew"
)

// FilmographyEntry is one credit of a person on a (non-deleted) movie.
type FilmographyEntry struct {
	MovieID     string  `json:"movie_id"`
	Title       string  `json:"title"`
	ReleaseDate *string `json:"release_date"`
	Credit      string  `json:"credit"`    // "cast" or "crew"
	Character   string  `json:"character"` // cast credits; "" for crew
	Job         string  `json:"job"`       // crew credits; "" for cast
}

// Person is the full person document (actors, directors, ...).
type Person struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	BirthDate   *string            `json:"birth_date"` // YYYY-MM-DD, null when unknown
	Nationality string             `json:"nationality"`
	Biography   string             `json:"biography"`
	PhotoURL    *string            `json:"photo_url"`
	Filmography []FilmographyEntry `json:"filmography"`
	Version     int64              `json:"version"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	DeletedAt   *time.Time         `json:"deleted_at"`
}

// PersonSummary is a person in a list: the document without filmography.
type PersonSummary struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	BirthDate   *string    `json:"birth_date"`
	Nationality string     `json:"nationality"`
	Biography   string     `json:"biography"`
	PhotoURL    *string    `json:"photo_url"`
	Version     int64      `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"deleted_at"`
}

// Summary drops the filmography.
func (p Person) Summary() PersonSummary {
	return PersonSummary{
		ID: p.ID, Name: p.Name, BirthDate: p.BirthDate, Nationality: p.Nationality, Biography: p.Biography,
		PhotoURL: p.PhotoURL, Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, DeletedAt: p.DeletedAt,
	}
}

// MovieWrite is the body of POST /api/movies and PUT /api/movies/{id}. PUT
// replaces the whole movie: omitted fields become empty. Empty strings and
// null both mean "unknown" for release_date and poster_url.
type MovieWrite struct {
	Title          string      `json:"title"`
	OriginalTitle  string      `json:"original_title,omitempty"`
	Overview       string      `json:"overview,omitempty"`
	ReleaseDate    string      `json:"release_date,omitempty"`
	RuntimeMinutes *int        `json:"runtime_minutes,omitempty"`
	MaturityRating string      `json:"maturity_rating,omitempty"`
	Languages      []string    `json:"languages,omitempty"`
	PosterURL      string      `json:"poster_url,omitempty"`
	GenreIDs       []string    `json:"genre_ids,omitempty"`
	Cast           []CastWrite `json:"cast,omitempty"`
	Crew           []CrewWrite `json:"crew,omitempty"`
}

// CastWrite credits a person as an actor. Order defaults to the position in the list.
type CastWrite struct {
	PersonID  string `json:"person_id"`
	Character string `json:"character,omitempty"`
	Order     *int   `json:"order,omitempty"`
}

// CrewWrite credits a person with a job ("Director", "Writer", ...).
type CrewWrite struct {
	PersonID string `json:"person_id"`
	Job      string `json:"job"`
}

// PersonWrite is the body of POST /api/actors and PUT /api/actors/{id} (whole replacement).
type PersonWrite struct {
	Name        string `json:"name"`
	BirthDate   string `json:"birth_date,omitempty"`
	Nationality string `json:"nationality,omitempty"`
	Biography   string `json:"biography,omitempty"`
	PhotoURL    string `json:"photo_url,omitempty"`
}

// Page is one page of a list: {"items": [...], "next_cursor": "..." | null}.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// MoviePage is a page of GET /api/movies.
type MoviePage = Page[MovieSummary]

// PersonPage is a page of GET /api/actors and GET /api/people.
type PersonPage = Page[PersonSummary]

// GenreList is the answer of GET /api/genres (one page holding every genre).
type GenreList = Page[Genre]
