package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Local keeps every key as a file under its root directory.
type Local struct {
	root string
}

// NewLocal returns the storage in the directory root (created when missing).
func NewLocal(root string) (*Local, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return &Local{root: root}, nil
}

// file is the local path of key.
func (l *Local) file(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(l.root, filepath.FromSlash(key)), nil
}

// Put writes r to a temporary file next to the key's file and renames it
// over the key: rename is atomic, and a reader that opened the old file
// keeps reading the old bytes.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, _ string) error {
	dst, err := l.file(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return writeAtomic(ctx, dst, r, size)
}

// PutFile copies the file at src (the kernel copies, see io.Copy on *os.File).
func (l *Local) PutFile(ctx context.Context, key, src, contentType string) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return l.Put(ctx, key, f, st.Size(), contentType)
}

// Fetch copies the key's file to dst.
func (l *Local) Fetch(ctx context.Context, key, dst string) error {
	f, err := l.open(key)
	if err != nil {
		return err
	}
	defer f.Close()
	return writeAtomic(ctx, dst, f, -1)
}

// Read returns the key's file.
func (l *Local) Read(_ context.Context, key string) ([]byte, error) {
	f, err := l.open(key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return b, nil
}

// Serve answers the key's file with http.ServeContent on the *os.File, so a
// plain connection sends it with sendfile(2).
func (l *Local) Serve(w http.ResponseWriter, r *http.Request, key string) {
	f, err := l.open(key)
	if err != nil {
		serveError(w, r, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		serveError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType(key, ""))
	// size and modification time change with every Put (a new file)
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, st.Size(), st.ModTime().UnixNano()))
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// DeletePrefix removes the folder's directory tree.
func (l *Local) DeletePrefix(_ context.Context, prefix string) error {
	p, err := folder(prefix)
	if err != nil {
		return err
	}
	dir := filepath.Join(l.root, filepath.FromSlash(p))
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
		return nil // nothing below it; a file of that name is no folder
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// open opens the key's regular file; a missing key (or a folder) is ErrNotFound.
func (l *Local) open(key string) (*os.File, error) {
	name, err := l.file(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return f, nil
}

// writeAtomic writes r (size bytes, -1: unknown) to a temporary file in
// dst's directory, syncs it (a crash leaves the old file or the whole new
// one) and renames it over dst.
func writeAtomic(ctx context.Context, dst string, r io.Reader, size int64) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := copyContext(ctx, tmp, r)
	if err != nil {
		return fmt.Errorf("storage: writing %s: %w", dst, err)
	}
	if size >= 0 && n != size {
		return fmt.Errorf("storage: writing %s: got %d bytes, want %d", dst, n, size)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// copyContext copies r to w in large chunks, checking ctx between them:
// io.CopyN keeps *os.File's fast paths (copy_file_range, sendfile), which a
// context-checking reader wrapper would hide.
func copyContext(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	const chunk = 64 << 20
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := io.CopyN(w, r, chunk)
		total += n
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// serveError answers a failed lookup as a problem: 404 for a missing key.
func serveError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNotFound) || errors.Is(err, errInvalidKey) {
		httpx.Error(w, r, httpx.NotFound("file"))
		return
	}
	httpx.Error(w, r, err)
}
