// Package notifyapi is what other packages may use of the notify service:
// its wire types and the payloads it reads from billing (until billing's own
// billingapi exists, see billing.go).
package notifyapi

import "time"

// Notification kinds (the `kind` field).
const (
	KindNewMovie             = "new_movie"
	KindOrderCompleted       = "order_completed"
	KindOrderRefunded        = "order_refunded"
	KindSubscriptionRenewed  = "subscription_renewed"
	KindSubscriptionExpiring = "subscription_expiring"
	KindSubscriptionExpired  = "subscription_expired"
	KindNewFollower          = "new_follower"
)

// Kinds are every notification kind, in the order the contract lists them.
var Kinds = []string{KindNewMovie, KindOrderCompleted, KindOrderRefunded, KindSubscriptionRenewed,
	KindSubscriptionExpiring, KindSubscriptionExpired, KindNewFollower}

// Notification is an in-app notification of one user.
type Notification struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Link      string     `json:"link"` // a path of the web app, e.g. /movies/{id}
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// NotificationPage is a page of GET /api/notifications.
type NotificationPage struct {
	Items      []Notification `json:"items"`
	NextCursor *string        `json:"next_cursor"`
}

// UnreadCount is the answer of GET /api/notifications/unread-count.
type UnreadCount struct {
	Count int `json:"count"`
}

// Settings are a user's notification settings (GET/PUT
// /api/me/notification-settings).
type Settings struct {
	EmailNewMovies    bool `json:"email_new_movies"`
	EmailBilling      bool `json:"email_billing"`
	InappNewMovies    bool `json:"inapp_new_movies"`
	InappNewFollowers bool `json:"inapp_new_followers"`
}

// DefaultSettings are the settings of a user who never changed them.
var DefaultSettings = Settings{EmailNewMovies: false, EmailBilling: true, InappNewMovies: true, InappNewFollowers: true}

// SettingsUpdate is the body of PUT /api/me/notification-settings: the
// fields given change, the others keep their value.
type SettingsUpdate struct {
	EmailNewMovies    *bool `json:"email_new_movies"`
	EmailBilling      *bool `json:"email_billing"`
	InappNewMovies    *bool `json:"inapp_new_movies"`
	InappNewFollowers *bool `json:"inapp_new_followers"`
}

// Unsubscribed is the answer of POST /api/unsubscribe: the setting the
// token turned off and the settings after it.
type Unsubscribed struct {
	Setting  string   `json:"setting"`
	Settings Settings `json:"settings"`
}

// Mail is one .eml file of the embedded mail default (GET /api/admin/mail).
type Mail struct {
	ID      string    `json:"id"` // the file name
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Date    time.Time `json:"date"`
	Size    int64     `json:"size"`
}

// MailPage is a page of GET /api/admin/mail, newest first.
type MailPage struct {
	Items      []Mail  `json:"items"`
	NextCursor *string `json:"next_cursor"`
}
