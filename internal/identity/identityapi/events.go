package identityapi

import "time"

// Source is the envelope source of every identity event; the JetStream
// stream IDENTITY takes the subjects identity.>.
const Source = "identity"

// Event types (envelope type = NATS subject). The envelope subject is the user id.
const (
	// UserRegistered: an account was created (registration or `marquee admin create`).
	UserRegistered = "identity.user.registered"
	// UserUpdated: display name, e-mail address or role changed. Password
	// changes are not announced here (see SessionRevoked).
	UserUpdated = "identity.user.updated"
	// UserDeleted: the account was soft-deleted; DeletedAt is set.
	UserDeleted = "identity.user.deleted"
	// SessionRevoked: a session's access tokens must no longer be accepted
	// (logout, a reused refresh token), or all of a user's (a new password).
	// The envelope subject is the user id. Consumers of identity.user.> do
	// not see it.
	SessionRevoked = "identity.session.revoked"
)

// Reasons of a SessionEvent.
const (
	RevokedLogout          = "logout"
	RevokedRefreshReuse    = "refresh_reuse"
	RevokedPasswordChanged = "password_changed"
)

// SessionEvent is the data of identity.session.revoked. Every process that
// verifies tokens applies it:
//
//	if ev.SessionID == "" { revocations.Revoke(ev.UserID, ev.RevokedAt) } else { revocations.RevokeSession(ev.SessionID, ev.RevokedAt) }
type SessionEvent struct {
	UserID    string    `json:"user_id"`
	SessionID string    `json:"session_id,omitempty"` // the sid claim of its access tokens; empty: every session of the user
	Reason    string    `json:"reason"`
	RevokedAt time.Time `json:"revoked_at"`
}

// UserEvent is the data of every identity.user.* event: the account after
// the change. Version grows by one on every change, so consumers keep the
// highest per id and drop older events that arrive late. Email is personal
// data: consumers that do not mail users should not store it.
type UserEvent struct {
	ID          string     `json:"id"`
	Email       string     `json:"email"`
	DisplayName string     `json:"display_name"`
	Role        string     `json:"role"`
	Version     int64      `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"deleted_at"`
	// TokensRevokedAt is set when the change ends the user's access tokens
	// issued up to that moment: deletion, and demotion from admin (whose
	// tokens still say admin). Every process that verifies tokens applies it:
	//
	//	if ev.TokensRevokedAt != nil { revocations.Revoke(ev.ID, *ev.TokensRevokedAt) }
	TokensRevokedAt *time.Time `json:"tokens_revoked_at"`
}
