// Package storage keeps media files (uploaded sources, HLS renditions,
// pictures) under slash-separated keys, in a local directory or in an S3
// bucket, behind one interface. Every write replaces the object atomically:
// a reader sees the old bytes or the new ones, never a mix.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"path/filepath"
	"strings"
)

// Storage keeps media files under slash-separated keys ("videos/<video_id>/360p/seg_00001.m4s").
type Storage interface {
	// Put stores size bytes of r under key (size -1: unknown), replacing
	// what was there atomically.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// PutFile stores the local file at path under key.
	PutFile(ctx context.Context, key, path, contentType string) error
	// Fetch copies the object to the local file path (replaced atomically).
	Fetch(ctx context.Context, key, path string) error
	// Read returns a whole object; for small ones (playlists).
	Read(ctx context.Context, key string) ([]byte, error)
	// Serve answers the object over HTTP with Range, ETag and Content-Type;
	// a missing object is a 404 problem.
	Serve(w http.ResponseWriter, r *http.Request, key string)
	// DeletePrefix deletes every key below the folder prefix ("videos/<id>/";
	// the trailing slash is implied): "videos/<id>x/..." stays.
	DeletePrefix(ctx context.Context, prefix string) error
}

// ErrNotFound is the error for a key that holds nothing.
var ErrNotFound = errors.New("storage: not found")

// errInvalidKey is the error for a key that is not a clean relative slash path.
var errInvalidKey = errors.New("storage: invalid key")

// Open returns the storage s3URL names (see ParseS3URL), or the local
// directory dataDir/media when s3URL is empty.
func Open(ctx context.Context, s3URL, dataDir string) (Storage, error) {
	if s3URL == "" {
		return NewLocal(filepath.Join(dataDir, "media"))
	}
	s, err := openS3(ctx, s3URL)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// checkKey refuses keys that are not clean relative slash paths: on the local
// disk "../" would escape the root, and S3 would keep "a//b" and "a/b" apart.
func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") ||
		path.Clean(key) != key || key == "." || key == ".." || strings.HasPrefix(key, "../") {
		return fmt.Errorf("%w %q", errInvalidKey, key)
	}
	return nil
}

// folder returns prefix without its trailing slash, checked like a key: an
// empty prefix would delete everything, which no caller means.
func folder(prefix string) (string, error) {
	p := strings.TrimSuffix(prefix, "/")
	if err := checkKey(p); err != nil {
		return "", fmt.Errorf("storage: invalid prefix %q", prefix)
	}
	return p, nil
}

// contentTypes are the types of the files HLS playback asks for, decided by
// the key's extension so both implementations answer the same; objects of
// other extensions keep the type they were stored with.
var contentTypes = map[string]string{
	".m3u8": "application/vnd.apple.mpegurl",
	".m4s":  "video/iso.segment",
	".mp4":  "video/mp4",
	".vtt":  "text/vtt; charset=utf-8",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".webp": "image/webp",
}

// contentType is the Content-Type of key, or stored when its extension is not known.
func contentType(key, stored string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(key))]; ok {
		return t
	}
	if stored != "" {
		return stored
	}
	return "application/octet-stream"
}
