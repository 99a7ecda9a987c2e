package transcode

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

var renditions = []Rendition{
	{Name: "360p", Width: 640, Height: 360, Bandwidth: 812_000, AverageBandwidth: 640_000, Codecs: "avc1.64001e,mp4a.40.2"},
	{Name: "720p", Width: 1280, Height: 720, Bandwidth: 2_900_000, AverageBandwidth: 2_100_000, Codecs: "avc1.64001f,mp4a.40.2"},
	{Name: "1080p", Width: 1920, Height: 1080, Bandwidth: 5_600_000, AverageBandwidth: 4_000_000, Codecs: "avc1.640028,mp4a.40.2"},
}

func TestMasterPlaylistGolden(t *testing.T) {
	golden(t, "master.m3u8", MasterPlaylist(renditions))
}

func TestFilterMaster(t *testing.T) {
	master := MasterPlaylist(renditions)
	assert.Equal(t, string(MasterPlaylist(renditions[:2])), string(FilterMaster(master, 720)))
	assert.Equal(t, string(MasterPlaylist(renditions[:1])), string(FilterMaster(master, 719)))
	assert.Equal(t, string(master), string(FilterMaster(master, 2160)))
	assert.Equal(t, string(MasterPlaylist(nil)), string(FilterMaster(master, 100)), "nothing fits: no variant left")

	// written by someone else: attributes in another order, a comma inside
	// CODECS before RESOLUTION, CRLF line ends, a comment before the URI
	other := "#EXTM3U\r\n" +
		"#EXT-X-STREAM-INF:CODECS=\"avc1.640028,mp4a.40.2\",RESOLUTION=1920x1080,BANDWIDTH=6000000\r\n" +
		"# the big one\r\n" +
		"hi/index.m3u8\r\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.64001e,mp4a.40.2\",RESOLUTION=640x360\r\n" +
		"lo/index.m3u8\r\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS=\"mp4a.40.2\"\r\n" +
		"audio/index.m3u8\r\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=bogus\r\n" +
		"bogus/index.m3u8\r\n"
	want := "#EXTM3U\r\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.64001e,mp4a.40.2\",RESOLUTION=640x360\r\n" +
		"lo/index.m3u8\r\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS=\"mp4a.40.2\"\r\n" +
		"audio/index.m3u8\r\n"
	assert.Equal(t, want, string(FilterMaster([]byte(other), 720)), "no RESOLUTION: kept; unreadable RESOLUTION: dropped")
}

func TestCodecsOf(t *testing.T) {
	init := append([]byte("....stsd....avc1....avcC"), 1, 0x64, 0x00, 0x1f, 0xff, 'm', 'p', '4', 'a')
	c, err := codecsOf(init)
	assert.NoError(t, err)
	assert.Equal(t, "avc1.64001f,mp4a.40.2", c)

	c, err = codecsOf(init[:len(init)-5])
	assert.NoError(t, err)
	assert.Equal(t, "avc1.64001f", c, "no audio track")

	_, err = codecsOf([]byte("....vpcC...."))
	assert.Error(t, err)
}
