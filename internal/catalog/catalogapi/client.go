package catalogapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ErrNotFound is matched (errors.Is) by the *Error of a 404 answer.
var ErrNotFound = errors.New("catalog: not found")

// FieldError names one invalid field of a request.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is a non-2xx answer of the catalog API (an RFC 9457 problem).
type Error struct {
	Status int          `json:"status"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("catalog: %d %s", e.Status, e.Title)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	for _, fe := range e.Errors {
		msg += "; " + fe.Field + " " + fe.Reason
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true for 404s.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// Client calls the catalog HTTP API.
type Client struct {
	base  string
	hc    *http.Client
	token string
}

// NewClient returns a client of the catalog at baseURL (e.g. "http://catalog:8080";
// the paths /api/... are appended). A nil hc means http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), hc: hc}
}

// WithToken returns a copy of the client that sends the bearer access token
// (writes need an administrator's token).
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// MovieListParams are the filters, sort and paging of GET /api/movies; zero values are left out.
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

// PersonListParams are the filters, sort and paging of GET /api/actors and /api/people.
type PersonListParams struct {
	Q              string
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
	if p.Limit != 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		v.Set("cursor", p.Cursor)
	}
	return v
}

// GetMovie fetches one movie; errors.Is(err, ErrNotFound) when it does not exist or is deleted.
func (c *Client) GetMovie(ctx context.Context, id string) (Movie, error) {
	var m Movie
	err := c.do(ctx, http.MethodGet, "/api/movies/"+url.PathEscape(id), nil, nil, &m)
	return m, err
}

// ListMovies fetches one page of movies.
func (c *Client) ListMovies(ctx context.Context, p MovieListParams) (MoviePage, error) {
	var page MoviePage
	err := c.do(ctx, http.MethodGet, "/api/movies", p.values(), nil, &page)
	return page, err
}

// CreateMovie creates a movie (admin token).
func (c *Client) CreateMovie(ctx context.Context, w MovieWrite) (Movie, error) {
	var m Movie
	err := c.do(ctx, http.MethodPost, "/api/movies", nil, w, &m)
	return m, err
}

// UpdateMovie replaces a movie (admin token).
func (c *Client) UpdateMovie(ctx context.Context, id string, w MovieWrite) (Movie, error) {
	var m Movie
	err := c.do(ctx, http.MethodPut, "/api/movies/"+url.PathEscape(id), nil, w, &m)
	return m, err
}

// DeleteMovie soft-deletes a movie (admin token).
func (c *Client) DeleteMovie(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/movies/"+url.PathEscape(id), nil, nil, nil)
}

// RestoreMovie undoes a soft delete (admin token).
func (c *Client) RestoreMovie(ctx context.Context, id string) (Movie, error) {
	var m Movie
	err := c.do(ctx, http.MethodPost, "/api/movies/"+url.PathEscape(id)+"/restore", nil, nil, &m)
	return m, err
}

// GetPerson fetches one person with filmography.
func (c *Client) GetPerson(ctx context.Context, id string) (Person, error) {
	var p Person
	err := c.do(ctx, http.MethodGet, "/api/people/"+url.PathEscape(id), nil, nil, &p)
	return p, err
}

// ListPeople fetches one page of all people.
func (c *Client) ListPeople(ctx context.Context, p PersonListParams) (PersonPage, error) {
	var page PersonPage
	err := c.do(ctx, http.MethodGet, "/api/people", p.values(), nil, &page)
	return page, err
}

// ListActors fetches one page of actors.
func (c *Client) ListActors(ctx context.Context, p PersonListParams) (PersonPage, error) {
	var page PersonPage
	err := c.do(ctx, http.MethodGet, "/api/actors", p.values(), nil, &page)
	return page, err
}

// CreatePerson creates a person through POST /api/actors (admin token).
func (c *Client) CreatePerson(ctx context.Context, w PersonWrite) (Person, error) {
	var p Person
	err := c.do(ctx, http.MethodPost, "/api/actors", nil, w, &p)
	return p, err
}

// UpdatePerson replaces a person (admin token).
func (c *Client) UpdatePerson(ctx context.Context, id string, w PersonWrite) (Person, error) {
	var p Person
	err := c.do(ctx, http.MethodPut, "/api/actors/"+url.PathEscape(id), nil, w, &p)
	return p, err
}

// DeletePerson soft-deletes a person (admin token).
func (c *Client) DeletePerson(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/actors/"+url.PathEscape(id), nil, nil, nil)
}

// RestorePerson undoes a soft delete (admin token).
func (c *Client) RestorePerson(ctx context.Context, id string) (Person, error) {
	var p Person
	err := c.do(ctx, http.MethodPost, "/api/actors/"+url.PathEscape(id)+"/restore", nil, nil, &p)
	return p, err
}

// ListGenres fetches the genre list.
func (c *Client) ListGenres(ctx context.Context) ([]Genre, error) {
	var page GenreList
	err := c.do(ctx, http.MethodGet, "/api/genres", nil, nil, &page)
	return page.Items, err
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("catalog: encode request: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("catalog: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		apiErr := &Error{Status: resp.StatusCode}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = json.Unmarshal(raw, apiErr)
		apiErr.Status = resp.StatusCode
		if apiErr.Title == "" {
			apiErr.Title = http.StatusText(resp.StatusCode)
		}
		return apiErr
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("catalog: decode %s %s answer: %w", method, path, err)
	}
	return nil
}
