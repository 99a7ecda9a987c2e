package transcode

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sourceOf on ffprobe documents of the shapes phones and music files give.
func TestSourceOfProbeOutput(t *testing.T) {
	parse := func(doc string) (Source, error) {
		var out probeOutput
		require.NoError(t, json.Unmarshal([]byte(doc), &out))
		return sourceOf(out, time.Hour)
	}

	// a phone video filmed upright: stored 1920x1080, turned a quarter by its display matrix
	src, err := parse(`{"streams":[
		{"codec_type":"video","codec_name":"hevc","width":1920,"height":1080,"sample_aspect_ratio":"1:1",
		 "avg_frame_rate":"30000/1001","side_data_list":[{"rotation":-90}]},
		{"codec_type":"audio","codec_name":"aac"}],
		"format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"12.5"}}`)
	require.NoError(t, err)
	assert.Equal(t, Source{Duration: 12500 * time.Millisecond, Width: 1080, Height: 1920, AspectRatio: 0.5625,
		FrameRate: 30000.0 / 1001, VideoCodec: "hevc", HasAudio: true}, src)

	// an MP3 with cover art: the picture is not a video stream
	_, err = parse(`{"streams":[{"codec_type":"audio","codec_name":"mp3"},
		{"codec_type":"video","codec_name":"mjpeg","width":500,"height":500,"disposition":{"attached_pic":1}}],
		"format":{"format_name":"mp3","duration":"180"}}`)
	var pe *ProbeError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, ReasonNoVideoStream, pe.Reason)

	// anamorphic DVD: 720x576 displayed 16:9; no usable average frame rate
	src, err = parse(`{"streams":[{"codec_type":"video","codec_name":"mpeg2video","width":720,"height":576,
		"sample_aspect_ratio":"64:45","avg_frame_rate":"0/0","r_frame_rate":"25/1"}],
		"format":{"format_name":"mpeg","duration":"3600.0"}}`)
	require.NoError(t, err)
	assert.InDelta(t, 16.0/9, src.AspectRatio, 1e-9)
	assert.Equal(t, 25.0, src.FrameRate)

	// no duration anywhere (a raw elementary stream)
	_, err = parse(`{"streams":[{"codec_type":"video","codec_name":"h264","width":640,"height":360}],
		"format":{"format_name":"h264"}}`)
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, ReasonUnreadable, pe.Reason)
}
