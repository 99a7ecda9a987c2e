// Package mediaapi is what other services may know of the media service:
// its wire types and the payloads of its events. Media's events go through
// its outbox to the MEDIA stream.
package mediaapi

import "time"

// Source is the events' source and the service's name.
const Source = "media"

// Event types (the subjects of the MEDIA stream).
const (
	// VideoUploaded: an upload finished and passed the probe; its data is
	// the video. It is also the transcode job: media's own durable consumer
	// media-transcode takes it (one process at a time, redelivered when the
	// process taking it dies).
	VideoUploaded = "media.video.uploaded"
	// VideoProcessing: a transcode run started on the video.
	VideoProcessing = "media.video.processing"
	// VideoReady: the video is playable; sent again (with a higher version)
	// each time a rendition is added, the last one with complete = true.
	VideoReady = "media.video.ready"
	// VideoFailed: the transcode gave up (the reason is in error).
	VideoFailed = "media.video.failed"
)

// VideoStates are the states of GET /api/movies/{id}/video.
const (
	StateNone       = "none"
	StateUploaded   = "uploaded"
	StateProcessing = "processing"
	StateReady      = "ready"
	StateFailed     = "failed"
)

// VideoSource is what the probe found in the uploaded file.
type VideoSource struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Codec  string `json:"codec"`
}

// Rendition is one rung of the ladder in the master playlist.
type Rendition struct {
	Height    int    `json:"height"`
	Width     int    `json:"width"`
	Bandwidth int    `json:"bandwidth"`
	Codecs    string `json:"codecs"`
}

// Video is the answer of GET /api/movies/{id}/video: the video the movie
// plays, or (while none is ready) its newest upload. Replacement is the
// newer upload being processed while an older video still plays.
type Video struct {
	ID              *string      `json:"id"`
	State           string       `json:"state"`
	Progress        float64      `json:"progress"`
	DurationSeconds *float64     `json:"duration_seconds"`
	Source          *VideoSource `json:"source"`
	Renditions      []Rendition  `json:"renditions"`
	PosterURL       *string      `json:"poster_url"`
	ThumbnailsURL   *string      `json:"thumbnails_url"`
	Error           *string      `json:"error"`
	UpdatedAt       *time.Time   `json:"updated_at"`
	Replacement     *Video       `json:"replacement,omitempty"`
}

// VideoEvent is the data of every media.video.* event: the video after the
// change, with a version that grows with every change.
type VideoEvent struct {
	ID              string      `json:"id"`
	MovieID         string      `json:"movie_id"`
	State           string      `json:"state"`
	Progress        float64     `json:"progress"`
	DurationSeconds float64     `json:"duration_seconds"`
	Source          VideoSource `json:"source"`
	Renditions      []Rendition `json:"renditions"`
	Complete        bool        `json:"complete"`
	Playing         bool        `json:"playing"` // the movie plays this video now
	Error           string      `json:"error,omitempty"`
	Attempt         int         `json:"attempt"`
	Version         int64       `json:"version"`
	UpdatedAt       time.Time   `json:"updated_at"`
}
