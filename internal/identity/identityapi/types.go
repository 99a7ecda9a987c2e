// Package identityapi is the public face of the identity service: the JSON
// wire types of its HTTP API, the payloads of the events it emits and a typed
// HTTP client. It is the only identity package other services may import.
package identityapi

import "time"

// Roles.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Cookie mode (the web app): a login or refresh request that carries the
// header `X-Auth-Mode: cookie` also gets the tokens as cookies — the access
// token in marquee_access (httpOnly, Path=/), the refresh token in
// marquee_refresh (httpOnly, Path=/api/auth) and a readable marquee_csrf
// cookie whose value every unsafe request must echo in X-CSRF-Token.
// Refresh and logout then take the refresh token from its cookie.
const (
	AuthModeHeader = "X-Auth-Mode"
	AuthModeCookie = "cookie"
	AccessCookie   = "marquee_access"
	RefreshCookie  = "marquee_refresh"
	CSRFCookie     = "marquee_csrf"
	CSRFHeader     = "X-CSRF-Token"
	// RefreshCookiePath scopes the refresh cookie to the endpoints that take it.
	RefreshCookiePath = "/api/auth"
)

// JWKSPath is where the identity service publishes its token-signing keys.
const JWKSPath = "/.well-known/jwks.json"

// User is the public profile of an account (GET /api/users/{id}): no e-mail.
type User struct {
	ID             string    `json:"id"`
	DisplayName    string    `json:"display_name"`
	CreatedAt      time.Time `json:"created_at"`
	FollowersCount int       `json:"followers_count"`
	FollowingCount int       `json:"following_count"`
}

// Me is the private view of an account: what its holder sees at /api/me and
// what administrators see in GET /api/users; login and refresh answer it too.
type Me struct {
	ID             string     `json:"id"`
	Email          string     `json:"email"`
	DisplayName    string     `json:"display_name"`
	Role           string     `json:"role"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	DeletedAt      *time.Time `json:"deleted_at"`
	FollowersCount int        `json:"followers_count"`
	FollowingCount int        `json:"following_count"`
}

// Public drops what only the account holder and administrators may see.
func (m Me) Public() User {
	return User{ID: m.ID, DisplayName: m.DisplayName, CreatedAt: m.CreatedAt, FollowersCount: m.FollowersCount, FollowingCount: m.FollowingCount}
}

// UserPage is one page of GET /api/users (administrators).
type UserPage struct {
	Items      []Me    `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// RegisterRequest is the body of POST /api/auth/register.
type RegisterRequest struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
}

// LoginRequest is the body of POST /api/auth/login.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// RefreshRequest is the body of POST /api/auth/refresh and /api/auth/logout.
// In cookie mode the body may be empty: the token comes from marquee_refresh.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token,omitempty"`
}

// AuthTokens answers login and refresh.
type AuthTokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"` // always "Bearer"
	ExpiresIn    int    `json:"expires_in"` // seconds the access token lives
	User         Me     `json:"user"`
}

// UpdateMeRequest is the body of PATCH /api/me; absent fields stay as they
// are. Changing the e-mail address or the password needs current_password.
type UpdateMeRequest struct {
	DisplayName     *string `json:"display_name,omitempty"`
	Email           *string `json:"email,omitempty"`
	Password        *string `json:"password,omitempty"`
	CurrentPassword *string `json:"current_password,omitempty"`
}

// UpdateUserRequest is the body of PUT /api/users/{id} (the account holder or
// an administrator). Only administrators may change role; whoever changes
// their own e-mail address gives current_password (administrators changing
// someone else's do not).
type UpdateUserRequest struct {
	DisplayName     string  `json:"display_name"`
	Email           *string `json:"email,omitempty"`
	Role            *string `json:"role,omitempty"`
	CurrentPassword *string `json:"current_password,omitempty"`
}

// DemoUser is one account of the demo community ((*identity.Service).EnsureDemoUsers).
// Demo accounts have no password: nobody can sign in as one.
type DemoUser struct {
	ID          string // a UUID, stable across runs so a second run finds the first's accounts
	Email       string // an address under DemoEmailDomain
	DisplayName string
	CreatedAt   time.Time
}

// DemoEmailDomain is the reserved domain (RFC 2606) of the demo accounts'
// addresses: no real account can have one, and they mark the account as demo.
const DemoEmailDomain = "demo.marquee.invalid"
