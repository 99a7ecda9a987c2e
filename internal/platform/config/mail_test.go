package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/config"
)

// The notify service's variables: defaults, and bad values named in the error.
func TestMailSettings(t *testing.T) {
	t.Parallel()
	load := func(env map[string]string) (config.Config, error) {
		return config.Load(func(k string) string { return env[k] }, []string{"notify"})
	}
	c, err := load(map[string]string{"MARQUEE_HTTP_ADDR": ":9090"})
	require.NoError(t, err)
	require.Empty(t, c.PublicURL, "unset: checkout uses paths, notify links to http://localhost:<port>")
	require.Equal(t, 200.0, c.SMTPRate)
	require.Empty(t, c.SMTPURL, "no SMTP: the .eml default")

	c, err = load(map[string]string{"MARQUEE_SMTP_URL": "smtp://u:p@mail.example:587", "MARQUEE_SMTP_RATE": "0",
		"MARQUEE_PUBLIC_URL": "https://marquee.example", "MARQUEE_MAIL_FROM": "Marquee <news@marquee.example>"})
	require.NoError(t, err)
	require.Equal(t, "smtp://u:p@mail.example:587", c.SMTPURL)
	require.Zero(t, c.SMTPRate)
	require.Equal(t, "https://marquee.example", c.PublicURL)

	for key, bad := range map[string]string{
		"MARQUEE_SMTP_URL":           "http://mail.example",
		"MARQUEE_SMTP_RATE":          "fast",
		"MARQUEE_PUBLIC_URL":         "marquee.example",
		"MARQUEE_UNSUBSCRIBE_SECRET": "short",
	} {
		_, err := load(map[string]string{key: bad})
		require.ErrorContains(t, err, key)
	}
}
