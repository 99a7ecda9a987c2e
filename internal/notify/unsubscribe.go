package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/marquee-dev/marquee/internal/notify/store"
)

// unsubscribeTokens signs and checks one-click unsubscribe links:
// base64url(payload) "." base64url(HMAC-SHA256(payload)), payload
// {"u": user id, "s": the setting to turn off}. They need no login and do
// not expire: turning a mail off must keep working from an old mail.
type unsubscribeTokens struct{ key []byte }

type unsubscribePayload struct {
	User    string `json:"u"`
	Setting string `json:"s"`
}

var errBadToken = errors.New("not an unsubscribe token of this site")

func (t unsubscribeTokens) mac(payload string) []byte {
	h := hmac.New(sha256.New, t.key)
	h.Write([]byte("marquee-unsubscribe:" + payload))
	return h.Sum(nil)
}

func (t unsubscribeTokens) sign(userID, setting string) string {
	raw, _ := json.Marshal(unsubscribePayload{User: userID, Setting: setting})
	p := base64.RawURLEncoding.EncodeToString(raw)
	return p + "." + base64.RawURLEncoding.EncodeToString(t.mac(p))
}

func (t unsubscribeTokens) verify(token string) (unsubscribePayload, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return unsubscribePayload{}, errBadToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, t.mac(p)) {
		return unsubscribePayload{}, errBadToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	var out unsubscribePayload
	if err != nil || json.Unmarshal(raw, &out) != nil || out.User == "" ||
		(out.Setting != store.TopicNewMovies && out.Setting != store.TopicBilling) {
		return unsubscribePayload{}, errBadToken
	}
	return out, nil
}
