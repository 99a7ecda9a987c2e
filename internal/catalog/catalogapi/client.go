package catalogapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// The client's errors are the platform's: *Error is a problem answer, and
// errors.Is matches it against the sentinels by status.
type (
	Error      = httpx.APIError
	FieldError = httpx.FieldError
)

// ErrNotFound is matched by the *Error of a 404 answer.
var ErrNotFound = httpx.ErrNotFound

// Client calls the catalog HTTP API.
type Client struct {
	core httpx.Client
}

// NewClient returns a client of the catalog at baseURL (e.g. "http://catalog:8080";
// the paths /api/... are appended). A nil hc means http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	return &Client{core: httpx.Client{Service: "catalog", Base: baseURL, HTTP: hc}}
}

// WithToken returns a copy of the client that sends the bearer access token
// (writes need an administrator's token).
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.core.Token = token
	return &cp
}

// MovieListParams are the filters, sort and paging of GET /api/movies (the
// browse service's) and GET /api/admin/catalog/movies; zero values are left out.
type MovieListParams struct {
	Q              string
	Genre          string // slug or id
	YearFrom       int
	YearTo         int
	Person         string
	RatingMin      float64
	Available      *bool
	Sort           string // title, year, rating, popularity, created
	Order          string // asc, desc
	IncludeDeleted bool   // admins only
	Limit          int
	Cursor         string
}

func (p MovieListParams) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", p.Q)
	set("genre", p.Genre)
	if p.YearFrom != 0 {
		v.Set("year_from", strconv.Itoa(p.YearFrom))
	}
	if p.YearTo != 0 {
		v.Set("year_to", strconv.Itoa(p.YearTo))
	}
	set("person", p.Person)
	if p.RatingMin != 0 {
		v.Set("rating_min", strconv.FormatFloat(p.RatingMin, 'f', -1, 64))
	}
	if p.Available != nil {
		v.Set("available", strconv.FormatBool(*p.Available))
	}
	set("sort", p.Sort)
	set("order", p.Order)
	if p.IncludeDeleted {
		v.Set("include_deleted", "true")
	}
	if p.Limit != 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	set("cursor", p.Cursor)
	return v
}

// PersonListParams are the filters, sort and paging of GET /api/actors,
// /api/people (the browse service's) and /api/admin/catalog/people.
type PersonListParams struct {
	Q              string
	ActorsOnly     bool   // GET /api/admin/catalog/people only: actors=true
	Sort           string // name, created
	Order          string
	IncludeDeleted bool
	Limit          int
	Cursor         string
}

func (p PersonListParams) values() url.Values {
	v := url.Values{}
	if p.Q != "" {
		v.Set("q", p.Q)
	}
	if p.Sort != "" {
		v.Set("sort", p.Sort)
	}
	if p.Order != "" {
		v.Set("order", p.Order)
	}
	if p.IncludeDeleted {
		v.Set("include_deleted", "true")
	}
	if p.ActorsOnly {
		v.Set("actors", "true")
	}
	if p.Limit != 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		v.Set("cursor", p.Cursor)
	}
	return v
}

// The public reads (GetMovie, ListMovies, GetPerson, ListPeople, ListActors,
// ListGenres) are answered by the browse service (its read model, with real
// rating summaries), so give the client the gateway's URL for them. The
// catalog itself answers the Admin* reads (an administrator's token).

// GetMovie fetches one movie; errors.Is(err, ErrNotFound) when it does not exist or is deleted.
func (c *Client) GetMovie(ctx context.Context, id string) (Movie, error) {
	var m Movie
	err := c.core.Do(ctx, http.MethodGet, "/api/movies/"+url.PathEscape(id), nil, nil, &m)
	return m, err
}

// ListMovies fetches one page of movies.
func (c *Client) ListMovies(ctx context.Context, p MovieListParams) (MoviePage, error) {
	var page MoviePage
	err := c.core.Do(ctx, http.MethodGet, "/api/movies", p.values(), nil, &page)
	return page, err
}

// CreateMovie creates a movie (admin token).
func (c *Client) CreateMovie(ctx context.Context, w MovieWrite) (Movie, error) {
	var m Movie
	err := c.core.Do(ctx, http.MethodPost, "/api/movies", nil, w, &m)
	return m, err
}

// DeleteMovie soft-deletes a movie (admin token).
func (c *Client) DeleteMovie(ctx context.Context, id string) error {
	return c.core.Do(ctx, http.MethodDelete, "/api/movies/"+url.PathEscape(id), nil, nil, nil)
}

// RestoreMovie undoes a soft delete (admin token).
func (c *Client) RestoreMovie(ctx context.Context, id string) (Movie, error) {
	var m Movie
	err := c.core.Do(ctx, http.MethodPost, "/api/movies/"+url.PathEscape(id)+"/restore", nil, nil, &m)
	return m, err
}

// GetPerson fetches one person with filmography.
func (c *Client) GetPerson(ctx context.Context, id string) (Person, error) {
	var p Person
	err := c.core.Do(ctx, http.MethodGet, "/api/people/"+url.PathEscape(id), nil, nil, &p)
	return p, err
}

// ListActors fetches one page of actors.
func (c *Client) ListActors(ctx context.Context, p PersonListParams) (PersonPage, error) {
	var page PersonPage
	err := c.core.Do(ctx, http.MethodGet, "/api/actors", p.values(), nil, &page)
	return page, err
}

// CreatePerson creates a person through POST /api/actors (admin token).
func (c *Client) CreatePerson(ctx context.Context, w PersonWrite) (Person, error) {
	var p Person
	err := c.core.Do(ctx, http.MethodPost, "/api/actors", nil, w, &p)
	return p, err
}

// UpdatePerson replaces a person (admin token).
func (c *Client) UpdatePerson(ctx context.Context, id string, w PersonWrite) (Person, error) {
	var p Person
	err := c.core.Do(ctx, http.MethodPut, "/api/actors/"+url.PathEscape(id), nil, w, &p)
	return p, err
}

// DeletePerson soft-deletes a person (admin token).
func (c *Client) DeletePerson(ctx context.Context, id string) error {
	return c.core.Do(ctx, http.MethodDelete, "/api/actors/"+url.PathEscape(id), nil, nil, nil)
}

// ListGenres fetches the genre list.
func (c *Client) ListGenres(ctx context.Context) ([]Genre, error) {
	var page GenreList
	err := c.core.Do(ctx, http.MethodGet, "/api/genres", nil, nil, &page)
	return page.Items, err
}

// AdminGetMovie fetches a movie from the catalog itself (administrator's
// token); a soft-deleted one too with includeDeleted.
func (c *Client) AdminGetMovie(ctx context.Context, id string, includeDeleted bool) (Movie, error) {
	var m Movie
	err := c.core.Do(ctx, http.MethodGet, "/api/admin/catalog/movies/"+url.PathEscape(id), deletedQuery(includeDeleted), nil, &m)
	return m, err
}

// AdminListMovies fetches one page of the catalog's movies (administrator's token).
func (c *Client) AdminListMovies(ctx context.Context, p MovieListParams) (MoviePage, error) {
	var page MoviePage
	err := c.core.Do(ctx, http.MethodGet, "/api/admin/catalog/movies", p.values(), nil, &page)
	return page, err
}

// AdminGetPerson fetches a person from the catalog itself (administrator's
// token); a soft-deleted one too with includeDeleted.
func (c *Client) AdminGetPerson(ctx context.Context, id string, includeDeleted bool) (Person, error) {
	var p Person
	err := c.core.Do(ctx, http.MethodGet, "/api/admin/catalog/people/"+url.PathEscape(id), deletedQuery(includeDeleted), nil, &p)
	return p, err
}

// AdminListPeople fetches one page of the catalog's people (administrator's token).
func (c *Client) AdminListPeople(ctx context.Context, p PersonListParams) (PersonPage, error) {
	var page PersonPage
	err := c.core.Do(ctx, http.MethodGet, "/api/admin/catalog/people", p.values(), nil, &page)
	return page, err
}

func deletedQuery(includeDeleted bool) url.Values {
	if !includeDeleted {
		return nil
	}
	return url.Values{"include_deleted": {"true"}}
}
