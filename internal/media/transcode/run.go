package transcode

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RunError is an ffmpeg run that failed: its exit, or the timeout, and the
// end of what it wrote to stderr (which says why).
type RunError struct {
	TimedOut bool
	Err      error
	Stderr   string
}

func (e *RunError) Error() string {
	what := e.Err.Error()
	if e.TimedOut {
		what = "timed out"
	}
	if e.Stderr == "" {
		return "ffmpeg: " + what
	}
	return "ffmpeg: " + what + ": " + e.Stderr
}

func (e *RunError) Unwrap() error { return e.Err }

const stderrTail = 4 << 10

// Run runs ffmpeg with cmd's arguments after creating its folders, killing it
// after timeout (a hung ffmpeg never holds a job forever). onProgress, when
// not nil, gets the share of cmd.Duration encoded so far (0–1) from ffmpeg's
// -progress pipe:1 reports, and 1 when ffmpeg says it has ended.
func Run(ctx context.Context, cmd Command, timeout time.Duration, onProgress func(done float64)) error {
	for _, dir := range cmd.Dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := exec.CommandContext(ctx, "ffmpeg", cmd.Args...)
	c.WaitDelay = 5 * time.Second // a killed ffmpeg's pipes must not hold Wait
	stderr := &tailBuffer{max: stderrTail}
	c.Stderr = stderr
	stdout, err := c.StdoutPipe()
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	readProgress(stdout, cmd.Duration, onProgress)
	if err := c.Wait(); err != nil {
		switch ctxErr := ctx.Err(); {
		case errors.Is(ctxErr, context.DeadlineExceeded):
			return &RunError{TimedOut: true, Err: ctxErr, Stderr: stderr.String()}
		case ctxErr != nil:
			return &RunError{Err: ctxErr, Stderr: stderr.String()}
		}
		return &RunError{Err: err, Stderr: stderr.String()}
	}
	return nil
}

// readProgress reads ffmpeg's key=value progress blocks until the pipe closes.
func readProgress(stdout io.Reader, total time.Duration, onProgress func(float64)) {
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if onProgress == nil {
			continue
		}
		key, value, _ := strings.Cut(sc.Text(), "=")
		switch key {
		case "out_time_us":
			us, err := strconv.ParseInt(value, 10, 64)
			if err != nil || us < 0 || total <= 0 { // "N/A" before the first frame
				continue
			}
			onProgress(min(1, float64(us)/float64(total.Microseconds())))
		case "progress":
			if value == "end" {
				onProgress(1)
			}
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}

// MakeDemoClip writes a clip of ffmpeg's test picture with a tone to path
// (see DemoClipArgs), through a temporary file so path is whole or absent.
func MakeDemoClip(ctx context.Context, path string, length time.Duration, height int) error {
	tmp := path + ".tmp"
	if err := Run(ctx, DemoClipArgs(tmp, length, height), 10*time.Minute+4*length, nil); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
