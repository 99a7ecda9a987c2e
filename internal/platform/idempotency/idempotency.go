// Package idempotency makes creates safe to retry. A client sends an
// Idempotency-Key header with a POST that creates something; the service
// stores the key with its answer in the transaction of the create itself
// (RecordCreated), in its own database. A retry with the same key by the same
// user then gets the first answer and creates nothing, whichever process of
// the service it reaches, even if the first answer never arrived (a gateway
// died in between). Without the header nothing changes.
//
// Wiring, per create route and its operation:
//
//	rt.Handle("POST /api/movies", auth.Admin, idempotency.Wrap(db, s.handleCreateMovie))
//	// in the operation's transaction, once the resource is known:
//	if err := idempotency.RecordCreated(ctx, tx, doc); err != nil { return err }
//
// and the table in every database that takes keys:
//
//	sqldb.Migrate(ctx, db, "idempotency", idempotency.Migrations)
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Migrations creates the idempotency_keys table.
//
//go:embed sqlite/*.sql postgres/*.sql
var Migrations embed.FS

// Header is the request header that carries the key.
const Header = "Idempotency-Key"

// ReplayedHeader is set ("true") on an answer repeated for a retry.
const ReplayedHeader = "Idempotent-Replayed"

// Keys are kept a day: long enough for any client's retries.
const keepSQLite, keepPostgres = "-1 day", "1 day"

// ErrKeyTaken is returned by RecordCreated when another request with the same
// key got there first; the transaction must roll back (Wrap then answers
// with that request's result).
var ErrKeyTaken = errors.New("idempotency key already used")

type pending struct {
	user, key, fingerprint string
	taken                  bool
}

type pendingKey struct{}

// Wrap answers a retry of h (same user, same key) with the first answer. A
// key reused for a different request (another path or body) is a 422. The
// route must require a signed-in user; anonymous requests pass through.
func Wrap(db *sqldb.DB, h httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get(Header)
		p, signed := auth.FromContext(r.Context())
		if key == "" || !signed {
			return h(w, r)
		}
		if !plainKey(key) {
			return httpx.Invalid(http.StatusBadRequest, Header, "must be 1 to 255 printable ASCII characters")
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err // too large: the body limit's answer
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
		pend := &pending{user: p.UserID, key: key, fingerprint: hex.EncodeToString(sum[:])}
		if done, err := replay(w, r, db, pend); done || err != nil {
			return err
		}
		err = h(w, r.WithContext(context.WithValue(r.Context(), pendingKey{}, pend)))
		if pend.taken { // a concurrent request with the key won: its answer is ours
			if done, rerr := replay(w, r, db, pend); done || rerr != nil {
				return rerr
			}
			return apperr.Conflict("A request with this Idempotency-Key is still being processed; retry in a moment.")
		}
		return err
	}
}

// replay writes the stored answer for the key, if there is one.
func replay(w http.ResponseWriter, r *http.Request, db *sqldb.DB, p *pending) (bool, error) {
	var fingerprint, body string
	var status int
	err := db.QueryRowContext(r.Context(), `SELECT fingerprint, status, body FROM idempotency_keys
		WHERE user_id = ? AND idem_key = ? AND created_at > `+cutoff(db.Engine()), p.user, p.key).Scan(&fingerprint, &status, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read idempotency key: %w", err)
	}
	if fingerprint != p.fingerprint {
		return false, httpx.Invalid(http.StatusUnprocessableEntity, Header, "was already used for a different request")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(ReplayedHeader, "true")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body+"\n") // as httpx.WriteJSON wrote it the first time
	return true, nil
}

// RecordCreated stores, in the create's own transaction, that the request's
// key (if it has one) answered 201 with resource. Without a key it does
// nothing. ErrKeyTaken means a concurrent request with the key committed
// first: return it so the transaction rolls back.
func RecordCreated(ctx context.Context, tx *sqldb.Tx, resource any) error {
	p, ok := ctx.Value(pendingKey{}).(*pending)
	if !ok {
		return nil
	}
	body, err := json.Marshal(resource)
	if err != nil {
		return fmt.Errorf("encode the answer of an idempotent request: %w", err)
	}
	// an expired row of the same key is replaced; a live one stays and wins
	res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, status, body)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, idem_key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
			body = excluded.body, created_at = excluded.created_at
		WHERE idempotency_keys.created_at <= `+cutoff(tx.Engine()),
		p.user, p.key, p.fingerprint, http.StatusCreated, string(body))
	if err != nil {
		return fmt.Errorf("record idempotency key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("record idempotency key: %w", err)
	} else if n == 0 {
		p.taken = true
		return ErrKeyTaken
	}
	// keys nobody will retry any more go with the writes that use keys
	if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at <= `+cutoff(tx.Engine())); err != nil {
		return fmt.Errorf("purge idempotency keys: %w", err)
	}
	return nil
}

// cutoff is the SQL expression of the oldest time a key is still kept.
func cutoff(e sqldb.Engine) string {
	if e == sqldb.Postgres {
		return "now() - interval '" + keepPostgres + "'"
	}
	return "strftime('%Y-%m-%d %H:%M:%f', 'now', '" + keepSQLite + "')"
}

// plainKey: 1 to 255 printable ASCII characters (UUIDs, ULIDs, client-made ids).
func plainKey(k string) bool {
	if k == "" || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}
