package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/notify/store"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// Durable consumer names (also the inbox keys).
const (
	ConsumerUsers   = "notify-users"
	ConsumerMovies  = "notify-movies"
	ConsumerFollows = "notify-follows"
	ConsumerBilling = "notify-billing"
)

// expiringNotice is how long before the end of a subscription cancelled at
// period end its holder is told.
const expiringNotice = 72 * time.Hour

// Subscriptions are the consumers the composition root runs for this service:
//
//   - notify-users (IDENTITY, identity.user.>): e-mail address, display name
//     and deletion; the highest version wins.
//   - notify-movies (CATALOG, catalog.movie.created): records a fan-out to
//     every user in the transaction of the inbox row; the worker sends it.
//     Movies of a bulk import (events.Envelope.Bulk: the demo catalog) are
//     not announced.
//   - notify-follows (SOCIAL, social.follow.created): new_follower for the followee.
//   - notify-billing (BILLING, billing.plan.>, billing.order.completed|refunded
//     and billing.subscription.>): plan names, receipts, renewals, expiries,
//     and the "ends in 3 days" reminder of a subscription cancelled at period end.
//
// Each handler writes at most one notification and one mail per (event,
// user): the unique rows make a redelivered event change nothing.
func (s *Service) Subscriptions() []events.Subscription {
	catalogStream, _ := events.StreamFor(catalogapi.Source)
	socialStream, _ := events.StreamFor(socialapi.Source)
	billingStream, _ := events.StreamFor(notifyapi.BillingSource)
	return []events.Subscription{
		identityapi.UserSubscription(ConsumerUsers, s.applyUser),
		{
			Config:  events.ConsumerConfig{Name: ConsumerMovies, Stream: catalogStream, FilterSubjects: []string{catalogapi.MovieCreated}},
			Handler: events.Handle(events.On(s.movieCreated, catalogapi.MovieCreated)),
		},
		{
			Config:  events.ConsumerConfig{Name: ConsumerFollows, Stream: socialStream, FilterSubjects: []string{socialapi.FollowCreated}},
			Handler: events.Handle(events.On(s.followCreated, socialapi.FollowCreated)),
		},
		{
			Config: events.ConsumerConfig{Name: ConsumerBilling, Stream: billingStream,
				FilterSubjects: []string{"billing.plan.>", notifyapi.OrderCompleted, notifyapi.OrderRefunded, "billing.subscription.>"}},
			Handler: events.Handle(
				events.On(s.applyPlan, notifyapi.PlanCreated, notifyapi.PlanUpdated, notifyapi.PlanArchived),
				events.On(s.orderDone, notifyapi.OrderCompleted, notifyapi.OrderRefunded),
				events.On(s.subscriptionChanged, notifyapi.SubscriptionActivated, notifyapi.SubscriptionRenewed, notifyapi.SubscriptionCanceled,
					notifyapi.SubscriptionResumed, notifyapi.SubscriptionPastDue, notifyapi.SubscriptionExpired),
			),
		},
	}
}

func (s *Service) applyUser(ctx context.Context, tx *sqldb.Tx, env events.Envelope, u identityapi.UserEvent) error {
	if strings.HasSuffix(u.Email, "@"+identityapi.DemoEmailDomain) {
		return nil // the demo community cannot sign in: nobody would read what it is sent
	}
	_, err := s.store.ApplyUser(ctx, tx, store.User{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName,
		Deleted: u.DeletedAt != nil || env.Type == identityapi.UserDeleted, Version: u.Version, RegisteredAt: u.CreatedAt})
	return err
}

func (s *Service) movieCreated(ctx context.Context, tx *sqldb.Tx, env events.Envelope, m catalogapi.MovieEvent) error {
	if m.ID == "" || m.Title == "" {
		return events.Permanent(fmt.Errorf("%s %s: movie without id or title", env.Type, env.ID))
	}
	if env.Bulk {
		return nil // a bulk import (the demo catalog): nothing to announce to real users
	}
	title := m.Title
	if m.ReleaseDate != nil && len(*m.ReleaseDate) >= 4 {
		title += " (" + (*m.ReleaseDate)[:4] + ")"
	}
	body := "New on Marquee: " + title + "."
	if o := strings.TrimSpace(m.Overview); o != "" {
		body += " " + shorten(o, 280)
	}
	cutoff := env.Time
	if cutoff.IsZero() {
		cutoff = s.now()
	}
	added, err := s.store.AddFanout(ctx, tx, store.Fanout{EventKey: env.ID, Kind: notifyapi.KindNewMovie,
		Title: "New movie: " + title, Body: body, Link: "/movies/" + m.ID, Cutoff: cutoff, CreatedAt: s.now()})
	if added {
		tx.AfterCommit(func() { signal(s.fanoutWake) })
	}
	return err
}

func (s *Service) followCreated(ctx context.Context, tx *sqldb.Tx, env events.Envelope, f socialapi.FollowEvent) error {
	if f.FollowerID == "" || f.FolloweeID == "" {
		return events.Permanent(fmt.Errorf("%s %s: follow without both users", env.Type, env.ID))
	}
	name := "Someone"
	if u, err := s.store.GetUser(ctx, tx, f.FollowerID); err == nil && u.DisplayName != "" {
		name = u.DisplayName
	}
	// keyed by the follower, not the event: following, unfollowing and
	// following again tells the followee once, not once a round
	return s.deliverTo(ctx, tx, f.FolloweeID, message{Key: "follower:" + f.FollowerID, Kind: notifyapi.KindNewFollower,
		Title: name + " follows you", Body: name + " started following you.", Link: "/users/" + f.FollowerID})
}

func (s *Service) applyPlan(ctx context.Context, tx *sqldb.Tx, env events.Envelope, p notifyapi.PlanEvent) error {
	if err := events.Versioned(env, p.ID, p.Version); err != nil {
		return err
	}
	return s.store.ApplyPlan(ctx, tx, p.ID, p.Name, p.Version)
}

func (s *Service) orderDone(ctx context.Context, tx *sqldb.Tx, env events.Envelope, o notifyapi.OrderEvent) error {
	if o.ID == "" || o.UserID == "" || o.Currency == "" {
		return events.Permanent(fmt.Errorf("%s %s: order without id, user_id or currency", env.Type, env.ID))
	}
	if o.PlanName == "" && o.PlanID != "" {
		name, err := s.store.PlanName(ctx, tx, o.PlanID)
		if err != nil {
			return err
		}
		o.PlanName = name
	}
	return s.deliverTo(ctx, tx, o.UserID, orderMessage(env, o))
}

func (s *Service) subscriptionChanged(ctx context.Context, tx *sqldb.Tx, env events.Envelope, sub notifyapi.SubscriptionEvent) error {
	if sub.ID == "" || sub.UserID == "" || sub.Version <= 0 {
		return events.Permanent(fmt.Errorf("%s %s: subscription without id, user_id or version", env.Type, env.ID))
	}
	if err := s.applyReminder(ctx, tx, env, sub); err != nil {
		return err
	}
	switch env.Type {
	case notifyapi.SubscriptionRenewed:
		return s.deliverTo(ctx, tx, sub.UserID, message{Key: env.ID, Kind: notifyapi.KindSubscriptionRenewed,
			Title: "Your subscription was renewed",
			Body:  fmt.Sprintf("Your %s subscription was renewed and now runs until %s.", planName(sub.Name()), day(sub.CurrentPeriodEnd)),
			Link:  "/account/subscription"})
	case notifyapi.SubscriptionExpired:
		return s.deliverTo(ctx, tx, sub.UserID, message{Key: env.ID, Kind: notifyapi.KindSubscriptionExpired,
			Title: "Your subscription has ended",
			Body:  fmt.Sprintf("Your %s subscription ended on %s. Choose a plan to keep watching.", planName(sub.Name()), day(sub.CurrentPeriodEnd)),
			Link:  "/plans"})
	}
	return nil
}

// applyReminder keeps the reminder of a subscription in step with its newest
// version: pending 3 days before the period end while it is cancelled at
// period end, off otherwise (resumed, renewed, expired).
func (s *Service) applyReminder(ctx context.Context, tx *sqldb.Tx, env events.Envelope, sub notifyapi.SubscriptionEvent) error {
	state := store.ReminderOff
	ending := sub.CancelAtPeriodEnd || env.Type == notifyapi.SubscriptionCanceled
	if ending && env.Type != notifyapi.SubscriptionExpired && sub.Status != "expired" &&
		!sub.CurrentPeriodEnd.IsZero() && sub.CurrentPeriodEnd.After(s.now()) {
		state = store.ReminderPending
	}
	applied, err := s.store.ApplyReminder(ctx, tx, store.Reminder{SubscriptionID: sub.ID, UserID: sub.UserID, PlanName: sub.Name(),
		PeriodEnd: sqldb.Timestamp(sub.CurrentPeriodEnd), DueAt: sqldb.Timestamp(sub.CurrentPeriodEnd.Add(-expiringNotice)),
		State: state, Version: sub.Version})
	if applied && state == store.ReminderPending {
		tx.AfterCommit(func() { signal(s.fanoutWake) })
	}
	return err
}

func expiringMessage(r store.Reminder) message {
	return message{Key: "reminder:" + r.SubscriptionID + ":" + sqldb.FormatTime(r.PeriodEnd), Kind: notifyapi.KindSubscriptionExpiring,
		Title: "Your subscription ends in 3 days",
		Body:  fmt.Sprintf("Your %s subscription ends on %s. Resume it before then to keep watching.", planName(r.PlanName), day(r.PeriodEnd)),
		Link:  "/account/subscription"}
}

func orderMessage(env events.Envelope, o notifyapi.OrderEvent) message {
	amount := formatAmount(o.Amount, o.Currency)
	if env.Type == notifyapi.OrderRefunded {
		return message{Key: env.ID, Kind: notifyapi.KindOrderRefunded, Title: "Your payment was refunded",
			Body: fmt.Sprintf("We refunded %s for your order of %s (order %s).", amount, planName(o.PlanName), o.ID),
			Link: "/account/orders/" + o.ID}
	}
	return message{Key: env.ID, Kind: notifyapi.KindOrderCompleted, Title: "Receipt for your order",
		Body: fmt.Sprintf("Thank you: we received %s for %s (order %s). Your subscription is active.", amount, planName(o.PlanName), o.ID),
		Link: "/account/orders/" + o.ID}
}

func planName(n string) string {
	if n == "" {
		return "Marquee"
	}
	return n
}

func day(t time.Time) string { return t.UTC().Format("2 January 2006") }

// zeroDecimal are ISO 4217 currencies without minor units.
var zeroDecimal = map[string]bool{"BIF": true, "CLP": true, "DJF": true, "GNF": true, "JPY": true, "KMF": true, "KRW": true,
	"MGA": true, "PYG": true, "RWF": true, "UGX": true, "VND": true, "VUV": true, "XAF": true, "XOF": true, "XPF": true}

// formatAmount shows minor units as "12.99 EUR".
func formatAmount(minor int64, currency string) string {
	currency = strings.ToUpper(currency)
	if zeroDecimal[currency] {
		return fmt.Sprintf("%d %s", minor, currency)
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, minor/100, minor%100, currency)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
