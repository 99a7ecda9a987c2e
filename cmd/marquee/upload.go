package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/media/uploadclient"
)

// uploadArgs are what `marquee upload` is told.
type uploadArgs struct {
	movie, server, token, email, password, file string
}

// upload sends a video file to a movie over tus, with a progress bar on
// stderr; run again after an interruption, it resumes.
func upload(ctx context.Context, a uploadArgs, stdout, stderr io.Writer) error {
	switch {
	case a.movie == "" || a.file == "":
		return errors.New("usage: marquee upload --movie ID [--server URL] [--token T | --email E --password P] FILE")
	case a.token == "" && (a.email == "" || a.password == ""):
		return errors.New("upload: an administrator's --token (or MARQUEE_TOKEN), or --email and --password, is required")
	}
	server := strings.TrimRight(a.server, "/")
	hc := &http.Client{} // no overall timeout: a chunk of a slow upload may take minutes
	c := &uploadclient.Client{Base: server, Token: a.token, HTTP: hc}
	if a.email != "" && a.password != "" {
		signIn := func(ctx context.Context) (string, error) {
			t, err := identityapi.NewClient(server, hc).Login(ctx, a.email, a.password)
			return t.AccessToken, err
		}
		c.Reauth = signIn
		if c.Token == "" {
			var err error
			if c.Token, err = signIn(ctx); err != nil {
				return fmt.Errorf("upload: signing in: %w", err)
			}
		}
	}

	var bar *progressbar.ProgressBar
	already := false // an earlier run sent every byte; only its answer was lost
	c.Started = func(_ string, offset, size int64) {
		if already = offset == size; already {
			return
		}
		if offset > 0 {
			fmt.Fprintf(stderr, "resuming: the server has %s of %s\n", humanize.IBytes(uint64(offset)), humanize.IBytes(uint64(size)))
		}
		bar = progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("uploading "+filepath.Base(a.file)),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
		)
		_ = bar.Set64(offset)
	}
	c.Progress = func(offset, _ int64) { _ = bar.Set64(offset) }

	uploadURL, err := c.Upload(ctx, a.movie, a.file)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "\nupload interrupted: run the same command again to resume")
		}
		return fmt.Errorf("upload: %w", err)
	}
	if already {
		fmt.Fprintf(stdout, "already uploaded: the server has all of %s for movie %s (%s); nothing sent. Transcoding: GET %s/api/movies/%s/video\n",
			a.file, a.movie, uploadURL, server, a.movie)
		return nil
	}
	_ = bar.Finish()
	fmt.Fprintf(stdout, "uploaded %s to movie %s (%s); transcoding follows: GET %s/api/movies/%s/video\n",
		a.file, a.movie, uploadURL, server, a.movie)
	return nil
}
