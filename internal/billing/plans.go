package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/billing/store"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// defaultPlans are created on first start (editable afterwards).
var defaultPlans = []billingapi.PlanInput{
	{Slug: "basic", Name: "Basic", Description: "Watch on one screen at a time, in HD (720p).",
		Price: billingapi.Price{Amount: 699, Currency: "USD"}, Interval: "month", MaxHeight: 720, MaxStreams: 1, IncludesNewTitles: true},
	{Slug: "standard", Name: "Standard", Description: "Watch on two screens at a time, in Full HD (1080p).",
		Price: billingapi.Price{Amount: 1549, Currency: "USD"}, Interval: "month", MaxHeight: 1080, MaxStreams: 2, IncludesNewTitles: true},
	{Slug: "premium", Name: "Premium", Description: "Watch on four screens at a time, in Ultra HD (2160p).",
		Price: billingapi.Price{Amount: 2299, Currency: "USD"}, Interval: "month", MaxHeight: 2160, MaxStreams: 4, IncludesNewTitles: true},
}

// ensureDefaultPlans creates the default plans when billing has never had
// a plan (once: the setting records it, so deleting them all later does not
// bring them back).
func (s *Service) ensureDefaultPlans(ctx context.Context) error {
	return s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		marker := uuid.Must(uuid.NewV7()).String()
		got, err := s.store.EnsureSetting(ctx, tx, "default_plans_created", marker)
		if err != nil || got != marker {
			return err // created before
		}
		for _, in := range defaultPlans {
			if _, err := s.createPlan(ctx, tx, in); err != nil {
				return fmt.Errorf("default plan %s: %w", in.Slug, err)
			}
		}
		return nil
	})
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// validHeights are the renditions media produces.
var validHeights = []int{360, 480, 720, 1080, 1440, 2160}

func validatePlan(in *billingapi.PlanInput) error {
	v := &httpx.Validator{}
	in.Slug, in.Name, in.Description = strings.TrimSpace(in.Slug), strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	in.Price.Currency = strings.ToUpper(strings.TrimSpace(in.Price.Currency))
	if in.Interval == "" {
		in.Interval = "month"
	}
	v.Check(len(in.Slug) >= 1 && len(in.Slug) <= 40 && slugPattern.MatchString(in.Slug), "slug", "must be 1–40 lower-case letters, digits and single hyphens")
	v.Check(len(in.Name) >= 1 && len(in.Name) <= 80, "name", "must be 1–80 characters")
	v.Check(len(in.Description) <= 500, "description", "must be at most 500 characters")
	v.Check(in.Price.Amount >= 0 && in.Price.Amount <= 1_000_000, "price.amount", "must be a whole number of minor units from 0 to 1000000")
	v.Check(len(in.Price.Currency) == 3 && strings.Trim(in.Price.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "", "price.currency", "must be an ISO 4217 code such as USD")
	v.Check(in.Interval == "month", "interval", `must be "month"`)
	v.Check(slices.Contains(validHeights, in.MaxHeight), "max_height", "must be one of 360, 480, 720, 1080, 1440, 2160")
	v.Check(in.MaxStreams >= 1 && in.MaxStreams <= 10, "max_streams", "must be from 1 to 10")
	return v.Err()
}

func planEvent(typ string, p store.Plan) eventSpec {
	return eventSpec{typ: typ, subject: p.ID, data: billingapi.PlanEvent{Plan: p.Plan, Version: p.Version}}
}

func (s *Service) createPlan(ctx context.Context, tx *sqldb.Tx, in billingapi.PlanInput) (store.Plan, error) {
	if err := validatePlan(&in); err != nil {
		return store.Plan{}, err
	}
	now := s.now()
	p := store.Plan{Plan: billingapi.Plan{ID: uuid.Must(uuid.NewV7()).String(), Slug: in.Slug, Name: in.Name, Description: in.Description,
		Price: in.Price, Interval: in.Interval, MaxHeight: in.MaxHeight, MaxStreams: in.MaxStreams, IncludesNewTitles: in.IncludesNewTitles,
		CreatedAt: now, UpdatedAt: now}, Version: 1}
	if err := s.store.InsertPlan(ctx, tx, p); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return p, &httpx.ValidationError{Status: http.StatusConflict, Errors: []httpx.FieldError{{Field: "slug", Reason: "is taken by another plan"}}}
		}
		return p, err
	}
	return p, s.addEvents(ctx, tx, planEvent(billingapi.PlanCreated, p))
}

// CreatePlan adds a plan (admin).
func (s *Service) CreatePlan(ctx context.Context, in billingapi.PlanInput) (billingapi.Plan, error) {
	var p store.Plan
	err := s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		p, err = s.createPlan(ctx, tx, in)
		return err
	})
	return p.Plan, err
}

// UpdatePlan replaces a plan's fields (admin). Orders already placed keep
// their amount; running subscriptions renew at the new price.
func (s *Service) UpdatePlan(ctx context.Context, id string, in billingapi.PlanInput) (billingapi.Plan, error) {
	if err := validatePlan(&in); err != nil {
		return billingapi.Plan{}, err
	}
	var p store.Plan
	err := s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if p, err = s.getPlan(ctx, tx, id); err != nil {
			return err
		}
		p.Slug, p.Name, p.Description, p.Price, p.Interval = in.Slug, in.Name, in.Description, in.Price, in.Interval
		p.MaxHeight, p.MaxStreams, p.IncludesNewTitles = in.MaxHeight, in.MaxStreams, in.IncludesNewTitles
		p.Version++
		p.UpdatedAt = s.now()
		if err := s.store.UpdatePlan(ctx, tx, p); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return &httpx.ValidationError{Status: http.StatusConflict, Errors: []httpx.FieldError{{Field: "slug", Reason: "is taken by another plan"}}}
			}
			return err
		}
		return s.addEvents(ctx, tx, planEvent(billingapi.PlanUpdated, p))
	})
	return p.Plan, err
}

// ArchivePlan archives a plan (admin): no new orders; running subscriptions
// keep it to the end of their period. Archiving twice changes nothing.
func (s *Service) ArchivePlan(ctx context.Context, id string) error {
	return s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		p, err := s.getPlan(ctx, tx, id)
		if err != nil || p.ArchivedAt != nil {
			return err
		}
		now := s.now()
		p.ArchivedAt, p.UpdatedAt = &now, now
		p.Version++
		if err := s.store.UpdatePlan(ctx, tx, p); err != nil {
			return err
		}
		return s.addEvents(ctx, tx, planEvent(billingapi.PlanArchived, p))
	})
}

func planNotFound() error { return httpx.NotFound("plan") }

func (s *Service) getPlan(ctx context.Context, q sqldb.Querier, id string) (store.Plan, error) {
	if !httpx.IsUUID(id) {
		return store.Plan{}, planNotFound()
	}
	p, err := s.store.GetPlan(ctx, q, id)
	if errors.Is(err, store.ErrNotFound) {
		return p, planNotFound()
	}
	return p, err
}

// Plan reads a plan (archived ones too).
func (s *Service) Plan(ctx context.Context, id string) (billingapi.Plan, error) {
	p, err := s.getPlan(ctx, s.db, id)
	return p.Plan, err
}

// Plans lists the plans, cheapest first; archived ones only when asked.
func (s *Service) Plans(ctx context.Context, includeArchived bool) ([]billingapi.Plan, error) {
	ps, err := s.store.ListPlans(ctx, s.db, includeArchived)
	if err != nil {
		return nil, err
	}
	out := make([]billingapi.Plan, len(ps))
	for i, p := range ps {
		out[i] = p.Plan
	}
	return out, nil
}

func movieNotFound() error { return httpx.NotFound("movie") }

// MoviePlans lists the plans offering a movie.
func (s *Service) MoviePlans(ctx context.Context, movieID string) (billingapi.MoviePlans, error) {
	if !httpx.IsUUID(movieID) {
		return billingapi.MoviePlans{}, movieNotFound()
	}
	m, err := s.store.GetMovie(ctx, s.db, movieID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.Deleted) {
		return billingapi.MoviePlans{}, movieNotFound()
	}
	if err != nil {
		return billingapi.MoviePlans{}, err
	}
	ids, err := s.store.MoviePlans(ctx, s.db, movieID)
	return billingapi.MoviePlans{MovieID: movieID, PlanIDs: ids}, err
}

// SetMoviePlans replaces the plans offering a movie (admin). Every id must
// be a plan that is not archived.
func (s *Service) SetMoviePlans(ctx context.Context, movieID string, planIDs []string) (billingapi.MoviePlans, error) {
	if !httpx.IsUUID(movieID) {
		return billingapi.MoviePlans{}, movieNotFound()
	}
	if planIDs == nil {
		return billingapi.MoviePlans{}, httpx.Invalid(http.StatusUnprocessableEntity, "plan_ids", "is required (an empty list offers the movie in no plan)")
	}
	ids := slices.Clone(planIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out billingapi.MoviePlans
	err := s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		m, err := s.store.GetMovie(ctx, tx, movieID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && m.Deleted) {
			return movieNotFound()
		}
		if err != nil {
			return err
		}
		v := &httpx.Validator{}
		for i, id := range ids {
			p, err := s.getPlan(ctx, tx, id)
			if errors.Is(err, httpx.ErrNotFound) {
				v.Add(fmt.Sprintf("plan_ids[%d]", i), "is not a plan")
				continue
			}
			if err != nil {
				return err
			}
			if p.ArchivedAt != nil {
				v.Add(fmt.Sprintf("plan_ids[%d]", i), "is an archived plan")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		return s.setMoviePlans(ctx, tx, movieID, ids, &out)
	})
	return out, err
}

func (s *Service) setMoviePlans(ctx context.Context, tx *sqldb.Tx, movieID string, ids []string, out *billingapi.MoviePlans) error {
	version, err := s.store.SetMoviePlans(ctx, tx, movieID, ids)
	if err != nil {
		return err
	}
	*out = billingapi.MoviePlans{MovieID: movieID, PlanIDs: ids}
	return s.addEvents(ctx, tx, eventSpec{typ: billingapi.MoviePlansChanged, subject: movieID,
		data: billingapi.MoviePlansEvent{MovieID: movieID, PlanIDs: ids, Version: version}})
}

// ConsumerMovies is the durable consumer of the catalog's movie events.
const ConsumerMovies = "billing-movies"

// Subscriptions are the consumers billing runs: billing-movies (stream
// CATALOG, catalog.movie.>), which learns which movies exist and adds each
// new movie to every plan that includes new titles.
func (s *Service) Subscriptions() []events.Subscription {
	return []events.Subscription{catalogapi.MovieSubscription(ConsumerMovies, s.applyMovie)}
}

func (s *Service) applyMovie(ctx context.Context, tx *sqldb.Tx, env events.Envelope, m catalogapi.MovieEvent) error {
	applied, isNew, err := s.store.ApplyMovie(ctx, tx, store.Movie{ID: m.ID, Deleted: m.DeletedAt != nil, Version: m.Version})
	if err != nil || !applied || !isNew {
		return err
	}
	// a movie billing meets for the first time joins the plans that include
	// new titles (whichever of its events arrives first)
	plans, err := s.store.ListPlans(ctx, tx, false)
	if err != nil {
		return err
	}
	var ids []string
	for _, p := range plans {
		if p.IncludesNewTitles {
			ids = append(ids, p.ID)
		}
	}
	slices.Sort(ids)
	if ids == nil {
		ids = []string{}
	}
	var out billingapi.MoviePlans
	return s.setMoviePlans(ctx, tx, m.ID, ids, &out)
}
