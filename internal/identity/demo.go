package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/identity/store"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// EnsureDemoUsers creates the demo community's accounts that do not exist
// yet (by id), all in one transaction with their identity.user.registered
// events, and says how many it created; running it again creates nothing.
// The accounts have role user and store.NoPassword, so Login refuses them
// whatever the password: they exist to be seen (reviews, follows, profiles).
// Every address must be under identityapi.DemoEmailDomain.
func (s *Service) EnsureDemoUsers(ctx context.Context, users []identityapi.DemoUser) (int, error) {
	for i, d := range users {
		if !httpx.IsUUID(d.ID) {
			return 0, fmt.Errorf("demo user %d: id %q is not a UUID", i, d.ID)
		}
		if !strings.HasSuffix(d.Email, "@"+identityapi.DemoEmailDomain) {
			return 0, fmt.Errorf("demo user %d: e-mail %q is not under %s", i, d.Email, identityapi.DemoEmailDomain)
		}
		if _, reason := cleanDisplayName(d.DisplayName); reason != "" {
			return 0, fmt.Errorf("demo user %d: display name %s", i, reason)
		}
	}
	created := 0
	err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		created = 0
		for _, d := range users {
			if _, err := s.store.UserByID(ctx, tx, d.ID); err == nil {
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			name, _ := cleanDisplayName(d.DisplayName)
			at := d.CreatedAt.UTC().Truncate(time.Microsecond)
			if at.IsZero() {
				at = s.now()
			}
			u := store.User{ID: d.ID, Email: strings.ToLower(d.Email), DisplayName: name, Role: store.RoleUser,
				PasswordHash: store.NoPassword, Version: 1, CreatedAt: at, UpdatedAt: at}
			if err := s.store.CreateUser(ctx, tx, u); err != nil {
				return fmt.Errorf("demo user %s: %w", d.Email, err)
			}
			if err := s.emit(ctx, tx, identityapi.UserRegistered, u, nil); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	return created, err
}
