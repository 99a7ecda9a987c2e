package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/identity/password"
	"github.com/marquee-dev/marquee/internal/identity/store"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Errors answered to clients. Login has one answer for a wrong e-mail
// address and a wrong password, so it does not tell which accounts exist.
var (
	errBadCredentials = apperr.Unauthenticated("The e-mail address or password is wrong.")
	errBadRefresh     = apperr.Unauthenticated("The refresh token is invalid, expired or revoked; log in again.")
	errAccountGone    = apperr.Unauthenticated("The account of this access token no longer exists.")
	errEmailTaken     = apperr.Conflict("An account with this e-mail address already exists.")
	errLastAdmin      = apperr.Conflict("This is the last administrator: make another account administrator first.")
	errConcurrent     = apperr.Conflict("The account was changed at the same time by another request; try again.")
	errRoleForbidden  = apperr.Forbidden("Only administrators may change roles.")
	errUserNotFound   = apperr.NotFound("user")
)

// Register creates an account with the role user.
func (s *Service) Register(ctx context.Context, req identityapi.RegisterRequest) (identityapi.Me, error) {
	var v apperr.Validator
	email, reason := normalizeEmail(req.Email)
	v.Check(reason == "", "email", reason)
	name, reason := cleanDisplayName(req.DisplayName)
	v.Check(reason == "", "display_name", reason)
	if problem := password.Problem(req.Password, email, name); problem != "" {
		v.Add("password", problem)
	}
	if err := v.Err(); err != nil {
		return identityapi.Me{}, err
	}
	u, err := s.createUser(ctx, email, name, req.Password, store.RoleUser)
	if err != nil {
		return identityapi.Me{}, err
	}
	return toMe(u), nil
}

func (s *Service) createUser(ctx context.Context, email, name, pw, role string) (store.User, error) {
	hash, err := s.hasher.Hash(ctx, pw) // before the transaction: it takes tens of milliseconds
	if err != nil {
		return store.User{}, err
	}
	now := s.now()
	u := store.User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, DisplayName: name, Role: role,
		PasswordHash: hash, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := store.New(tx).CreateUser(ctx, u); err != nil {
			return err
		}
		return s.emit(ctx, tx, identityapi.UserRegistered, u, nil)
	})
	if errors.Is(err, store.ErrEmailTaken) {
		return store.User{}, errEmailTaken
	}
	if err != nil {
		return store.User{}, err
	}
	return u, nil
}

// Login checks an e-mail address and password and starts a session: a new
// refresh-token family and an access token. A wrong address costs the same
// argon2 work as a wrong password (a dummy hash is verified), so timing does
// not reveal which accounts exist.
func (s *Service) Login(ctx context.Context, req identityapi.LoginRequest) (identityapi.AuthTokens, error) {
	var v apperr.Validator
	v.Check(strings.TrimSpace(req.Email) != "", "email", "is required")
	v.Check(req.Password != "", "password", "is required")
	if err := v.Err(); err != nil {
		return identityapi.AuthTokens{}, err
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	u, err := store.New(s.db).UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.hasher.VerifyDummy(ctx, req.Password); err != nil {
			return identityapi.AuthTokens{}, err
		}
		return identityapi.AuthTokens{}, errBadCredentials
	}
	if err != nil {
		return identityapi.AuthTokens{}, err
	}
	ok, rehash, err := s.hasher.Verify(ctx, req.Password, u.PasswordHash)
	if err != nil {
		return identityapi.AuthTokens{}, fmt.Errorf("verify password of %s: %w", u.ID, err)
	}
	if !ok {
		return identityapi.AuthTokens{}, errBadCredentials
	}
	if rehash {
		s.rehash(ctx, u, req.Password)
	}
	now := s.now()
	refresh, refreshHash := newRefreshToken()
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		st := store.New(tx)
		family := store.RefreshFamily{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, CreatedAt: now, LastUsedAt: now}
		if err := st.CreateRefreshFamily(ctx, family); err != nil {
			return err
		}
		return st.AddRefreshToken(ctx, store.RefreshToken{Hash: refreshHash, FamilyID: family.ID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)})
	})
	if err != nil {
		return identityapi.AuthTokens{}, err
	}
	return s.tokens(ctx, u, refresh)
}

// rehash stores a hash with the current parameters after a successful login
// with an older one. Best effort: the login succeeds either way.
func (s *Service) rehash(ctx context.Context, u store.User, pw string) {
	hash, err := s.hasher.Hash(ctx, pw)
	if err == nil {
		next := u
		next.PasswordHash = hash
		err = store.New(s.db).UpdateUser(ctx, next, u.Version) // not a change of the account document: same version
	}
	if err != nil && !errors.Is(err, store.ErrVersionConflict) {
		s.log.Warn("rehashing a password failed", "user_id", u.ID, "error", err.Error())
	}
}

// Refresh exchanges a refresh token for a new one of the same family and a
// new access token. A token is good for one exchange: presenting it again
// means it was copied (or the client is confused), so the whole family is
// revoked and both holders must log in again.
func (s *Service) Refresh(ctx context.Context, token string) (identityapi.AuthTokens, error) {
	if token == "" {
		return identityapi.AuthTokens{}, errBadRefresh
	}
	hash := hashRefreshToken(token)
	now := s.now()
	var (
		u      store.User
		reused *store.RefreshToken
		next   string
	)
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		st := store.New(tx)
		t, err := st.RefreshToken(ctx, hash)
		if errors.Is(err, store.ErrNotFound) {
			return errBadRefresh
		}
		if err != nil {
			return err
		}
		if t.FamilyRevokedAt != nil || !now.Before(t.ExpiresAt) {
			return errBadRefresh
		}
		rotated := false
		if t.RotatedAt == nil {
			if rotated, err = st.RotateRefreshToken(ctx, hash, now); err != nil {
				return err
			}
		}
		if !rotated { // reuse: revoke the family, and commit that
			reused = &t
			return st.RevokeRefreshFamily(ctx, t.FamilyID, now)
		}
		live, err := st.UseRefreshFamily(ctx, t.FamilyID, now)
		if err != nil {
			return err
		}
		if !live {
			return errBadRefresh
		}
		if u, err = st.UserByID(ctx, t.UserID); err != nil {
			return err
		}
		if u.Deleted() {
			return errBadRefresh
		}
		var nextHash string
		next, nextHash = newRefreshToken()
		return st.AddRefreshToken(ctx, store.RefreshToken{Hash: nextHash, FamilyID: t.FamilyID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)})
	})
	if err != nil {
		return identityapi.AuthTokens{}, err
	}
	if reused != nil {
		s.log.Warn("a rotated refresh token was presented again; its family is revoked",
			"user_id", reused.UserID, "family_id", reused.FamilyID)
		return identityapi.AuthTokens{}, errBadRefresh
	}
	return s.tokens(ctx, u, next)
}

// Logout revokes the family of a refresh token. Unknown tokens are ignored:
// logging out twice is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	st := store.New(s.db)
	t, err := st.RefreshToken(ctx, hashRefreshToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return st.RevokeRefreshFamily(ctx, t.FamilyID, s.now())
}

// tokens signs an access token for u and builds the login/refresh answer.
func (s *Service) tokens(ctx context.Context, u store.User, refresh string) (identityapi.AuthTokens, error) {
	now := s.now()
	// Right after a demotion the user's tokens issued up to that moment are
	// revoked, and JWT iat has whole seconds: wait for the next second so the
	// new token is not caught by the revocation (rare; at most about a second).
	for i := 0; i < 3 && s.revocations.IsRevoked(u.ID, now.Truncate(time.Second)); i++ {
		select {
		case <-ctx.Done():
			return identityapi.AuthTokens{}, ctx.Err()
		case <-time.After(now.Truncate(time.Second).Add(time.Second).Sub(now)):
		}
		now = s.now()
	}
	kid, priv, err := s.keys.signer()
	if err != nil {
		return identityapi.AuthTokens{}, err
	}
	access, err := auth.Sign(priv, kid, s.cfg.Issuer, s.cfg.Audience, auth.Principal{UserID: u.ID, Role: u.Role}, s.cfg.AccessTTL, now)
	if err != nil {
		return identityapi.AuthTokens{}, fmt.Errorf("sign access token: %w", err)
	}
	return identityapi.AuthTokens{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(s.cfg.AccessTTL / time.Second), User: toMe(u)}, nil
}

// Me returns the caller's account.
func (s *Service) Me(ctx context.Context, p auth.Principal) (identityapi.Me, error) {
	u, err := s.liveUser(ctx, p.UserID)
	if err != nil {
		return identityapi.Me{}, err
	}
	return toMe(u), nil
}

// liveUser is the caller's account; a token whose account was deleted (and
// that this process has not learnt is revoked) gets a 401.
func (s *Service) liveUser(ctx context.Context, id string) (store.User, error) {
	u, err := store.New(s.db).UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Deleted()) {
		return store.User{}, errAccountGone
	}
	return u, err
}

// UpdateMe changes the caller's display name, e-mail address or password.
// The last two need the current password; a new password signs out every
// session (all refresh-token families are revoked).
func (s *Service) UpdateMe(ctx context.Context, p auth.Principal, req identityapi.UpdateMeRequest) (identityapi.Me, error) {
	u, err := s.liveUser(ctx, p.UserID)
	if err != nil {
		return identityapi.Me{}, err
	}
	next := u
	var v apperr.Validator
	if req.DisplayName != nil {
		name, reason := cleanDisplayName(*req.DisplayName)
		v.Check(reason == "", "display_name", reason)
		next.DisplayName = name
	}
	if req.Email != nil {
		email, reason := normalizeEmail(*req.Email)
		v.Check(reason == "", "email", reason)
		next.Email = email
	}
	if req.Password != nil {
		if problem := password.Problem(*req.Password, next.Email, next.DisplayName); problem != "" {
			v.Add("password", problem)
		}
	}
	needCurrent := req.Password != nil || next.Email != u.Email
	current := ""
	if req.CurrentPassword != nil {
		current = *req.CurrentPassword
	}
	v.Check(!needCurrent || current != "", "current_password", "is required to change the e-mail address or the password")
	if err := v.Err(); err != nil {
		return identityapi.Me{}, err
	}
	if needCurrent {
		if err := s.checkCurrentPassword(ctx, u, current); err != nil {
			return identityapi.Me{}, err
		}
	}
	if req.Password != nil {
		if next.PasswordHash, err = s.hasher.Hash(ctx, *req.Password); err != nil {
			return identityapi.Me{}, err
		}
	}
	saved, err := s.save(ctx, u, next)
	if err != nil {
		return identityapi.Me{}, err
	}
	return toMe(saved), nil
}

// checkCurrentPassword guards changes of credentials; its attempts count
// against the account's login limit, so a stolen access token cannot be
// used to guess the password faster than logins can.
func (s *Service) checkCurrentPassword(ctx context.Context, u store.User, current string) error {
	if err := s.allow(ctx, loginAccountKey(u.Email), s.cfg.Limits.LoginPerAccount); err != nil {
		return err
	}
	ok, _, err := s.hasher.Verify(ctx, current, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Invalid("current_password", "is not the password of this account")
	}
	return nil
}

// UpdateUser changes an account: its holder or an administrator (the caller
// must pass p.CanActFor(id)). Only administrators may change the role;
// whoever changes their own e-mail address gives current_password.
func (s *Service) UpdateUser(ctx context.Context, p auth.Principal, id string, req identityapi.UpdateUserRequest) (identityapi.Me, error) {
	if !p.CanActFor(id) {
		return identityapi.Me{}, apperr.ErrForbidden
	}
	caller, err := s.liveUser(ctx, p.UserID)
	if err != nil {
		return identityapi.Me{}, err
	}
	// the token's role and the account's current role must both say admin
	isAdmin := p.IsAdmin() && caller.Role == store.RoleAdmin
	if !isAdmin && caller.ID != id {
		return identityapi.Me{}, apperr.ErrForbidden
	}
	target := caller
	if id != caller.ID {
		target, err = store.New(s.db).UserByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && target.Deleted()) {
			return identityapi.Me{}, errUserNotFound
		}
		if err != nil {
			return identityapi.Me{}, err
		}
	}
	next := target
	if req.Role != nil && *req.Role != target.Role {
		if !isAdmin {
			return identityapi.Me{}, errRoleForbidden
		}
		next.Role = *req.Role
	}
	var v apperr.Validator
	name, reason := cleanDisplayName(req.DisplayName)
	v.Check(reason == "", "display_name", reason)
	next.DisplayName = name
	v.Check(next.Role == store.RoleUser || next.Role == store.RoleAdmin, "role", `must be "user" or "admin"`)
	if req.Email != nil {
		email, reason := normalizeEmail(*req.Email)
		v.Check(reason == "", "email", reason)
		next.Email = email
	}
	// changing one's own address needs the password, administrators' too (a
	// stolen token must not be enough to take over the login); an
	// administrator changing someone else's address needs none
	needCurrent := target.ID == caller.ID && next.Email != target.Email
	current := ""
	if req.CurrentPassword != nil {
		current = *req.CurrentPassword
	}
	v.Check(!needCurrent || current != "", "current_password", "is required to change your e-mail address")
	if err := v.Err(); err != nil {
		return identityapi.Me{}, err
	}
	if needCurrent {
		if err := s.checkCurrentPassword(ctx, target, current); err != nil {
			return identityapi.Me{}, err
		}
	}
	saved, err := s.save(ctx, target, next)
	if err != nil {
		return identityapi.Me{}, err
	}
	return toMe(saved), nil
}

// DeleteUser soft-deletes an account (administrators; the route says so).
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	u, err := store.New(s.db).UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Deleted()) {
		return errUserNotFound
	}
	if err != nil {
		return err
	}
	return s.delete(ctx, u)
}

// DeleteMe soft-deletes the caller's own account.
func (s *Service) DeleteMe(ctx context.Context, p auth.Principal) error {
	u, err := s.liveUser(ctx, p.UserID)
	if err != nil {
		return err
	}
	return s.delete(ctx, u)
}

func (s *Service) delete(ctx context.Context, u store.User) error {
	next := u
	now := s.now()
	next.DeletedAt = &now
	_, err := s.save(ctx, u, next)
	return err
}

// save writes a change of an account with its event, in one transaction:
// version +1 and identity.user.updated (or .deleted) when the account
// document changed; every session revoked when the password changed or the
// account is deleted; refused when it would leave no administrator. A
// deleted or demoted user's access tokens are revoked in this process at once.
func (s *Service) save(ctx context.Context, prev, next store.User) (store.User, error) {
	deleting := prev.DeletedAt == nil && next.DeletedAt != nil
	demoting := prev.Role == store.RoleAdmin && next.Role != store.RoleAdmin
	newPassword := prev.PasswordHash != next.PasswordHash
	public := prev.Email != next.Email || prev.DisplayName != next.DisplayName || prev.Role != next.Role || deleting
	if !public && !newPassword {
		return prev, nil
	}
	now := s.now()
	next.UpdatedAt = now
	if deleting {
		next.DeletedAt = &now
	}
	if public {
		next.Version = prev.Version + 1
	}
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		st := store.New(tx)
		if err := st.UpdateUser(ctx, next, prev.Version); err != nil {
			return err
		}
		if (deleting || demoting) && prev.Role == store.RoleAdmin {
			n, err := st.CountAdmins(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				return errLastAdmin
			}
		}
		if deleting || newPassword {
			if _, err := st.RevokeUserRefreshFamilies(ctx, next.ID, now); err != nil {
				return err
			}
		}
		if !public {
			return nil
		}
		typ := identityapi.UserUpdated
		if deleting {
			typ = identityapi.UserDeleted
		}
		var revoked *time.Time
		if deleting || demoting {
			revoked = &now
		}
		return s.emit(ctx, tx, typ, next, revoked)
	})
	switch {
	case errors.Is(err, store.ErrEmailTaken):
		return store.User{}, errEmailTaken
	case errors.Is(err, store.ErrVersionConflict):
		return store.User{}, errConcurrent
	case errors.Is(err, store.ErrNotFound):
		return store.User{}, errUserNotFound
	case err != nil:
		return store.User{}, err
	}
	if (deleting || demoting) && s.revocations != nil {
		s.revocations.Revoke(next.ID, now)
	}
	return next, nil
}

// ListUsers returns a page of accounts (administrators).
func (s *Service) ListUsers(ctx context.Context, f store.UserFilter) ([]identityapi.Me, error) {
	users, err := store.New(s.db).ListUsers(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]identityapi.Me, len(users))
	for i, u := range users {
		out[i] = toMe(u)
	}
	return out, nil
}

// GetUser returns a public profile; deleted accounts are not found.
func (s *Service) GetUser(ctx context.Context, id string) (identityapi.User, error) {
	u, err := store.New(s.db).UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Deleted()) {
		return identityapi.User{}, errUserNotFound
	}
	if err != nil {
		return identityapi.User{}, err
	}
	return toMe(u).Public(), nil
}

// CreateAdmin makes sure an administrator with the e-mail address exists,
// for `marquee admin create`: a new account is created (created = true); an
// existing one is promoted, or left as it is when it already is an
// administrator — its password is NOT changed. It only writes the database
// and the outbox, so it works while another process serves the same database
// (that process's relay publishes the event).
func (s *Service) CreateAdmin(ctx context.Context, email, pw, displayName string) (created bool, err error) {
	email, reason := normalizeEmail(email)
	if reason != "" {
		return false, apperr.Invalid("email", reason)
	}
	for attempt := 0; ; attempt++ {
		u, err := store.New(s.db).UserByEmail(ctx, email)
		switch {
		case err == nil:
			if u.Role == store.RoleAdmin {
				return false, nil
			}
			next := u
			next.Role = store.RoleAdmin
			_, err := s.save(ctx, u, next)
			if errors.Is(err, errConcurrent) && attempt < 3 {
				continue
			}
			return false, err
		case !errors.Is(err, store.ErrNotFound):
			return false, err
		}
		if displayName == "" {
			displayName, _, _ = strings.Cut(email, "@")
		}
		var v apperr.Validator
		name, reason := cleanDisplayName(displayName)
		v.Check(reason == "", "display_name", reason)
		if problem := password.Problem(pw, email, name); problem != "" {
			v.Add("password", problem)
		}
		if err := v.Err(); err != nil {
			return false, err
		}
		_, err = s.createUser(ctx, email, name, pw, store.RoleAdmin)
		if errors.Is(err, errEmailTaken) && attempt < 3 {
			continue // registered meanwhile: promote it
		}
		return err == nil, err
	}
}

// emit adds the event of a change of u to the outbox in tx; tokensRevokedAt
// is set when the change ends the user's access tokens issued until then.
func (s *Service) emit(ctx context.Context, tx *sqldb.Tx, typ string, u store.User, tokensRevokedAt *time.Time) error {
	env, err := events.New(identityapi.Source, typ, u.ID, identityapi.UserEvent{
		ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Role: u.Role, Version: u.Version,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, DeletedAt: u.DeletedAt, TokensRevokedAt: tokensRevokedAt,
	})
	if err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, env)
}

func toMe(u store.User) identityapi.Me {
	return identityapi.Me{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Role: u.Role,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, DeletedAt: u.DeletedAt,
		FollowersCount: u.FollowersCount, FollowingCount: u.FollowingCount}
}

// normalizeEmail trims and lower-cases an address and checks its form; the
// reason is "" when it is acceptable.
func normalizeEmail(raw string) (string, string) {
	e := strings.ToLower(strings.TrimSpace(raw))
	switch {
	case e == "":
		return e, "is required"
	case len(e) > 254:
		return e, "must be at most 254 characters long"
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || addr.Name != "" || strings.ContainsAny(e, " \t\r\n<>") {
		return e, "is not an e-mail address"
	}
	local, domain, _ := strings.Cut(e, "@")
	if local == "" || domain == "" || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return e, "is not an e-mail address"
	}
	return e, ""
}

// cleanDisplayName trims a display name and checks it: 1 to 50 characters, no control characters.
func cleanDisplayName(raw string) (string, string) {
	n := strings.TrimSpace(raw)
	switch c := utf8.RuneCountInString(n); {
	case !utf8.ValidString(n):
		return n, "is not valid UTF-8"
	case c == 0:
		return n, "is required"
	case c > 50:
		return n, "must be at most 50 characters long"
	}
	if strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return n, "must not contain control characters"
	}
	return n, ""
}

// newRefreshToken returns an opaque refresh token (256 random bits) and the hash that is stored.
func newRefreshToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashRefreshToken(token)
}

// hashRefreshToken is the stored form of a refresh token: a plain SHA-256 is
// enough (unlike passwords) because the token has 256 bits of entropy.
func hashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
