package motion

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/hearthnvr/hearth/streams/media"
)

// ffmpegArgs is the pixel detector's whole ffmpeg command line. It is built
// from the codec and numbers only: nothing from the camera (ID, name, URL,
// credentials) or the zones can reach it. The input is the pipe on stdin,
// the only protocol ffmpeg may open; the output is raw 8-bit grayscale
// frames of w×h on stdout, one per decoded picture, in presentation order
// (fps_mode passthrough: no frame duplicated or dropped to fit a rate).
func ffmpegArgs(codec media.Codec, w, h int) []string {
	demux := "h264"
	if codec == media.H265 {
		demux = "hevc"
	}
	return []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
		"-protocol_whitelist", "pipe",
		// Decode with one thread: no frame-threading delay, and a sub
		// stream needs no more.
		"-threads", "1",
		// Start at once: the demuxer must not hold seconds of stream to
		// probe it (the parameter sets lead the first unit).
		"-probesize", "32", "-analyzeduration", "0",
		"-f", demux, "-i", "pipe:0",
		"-map", "0:v:0", "-an", "-sn", "-dn",
		"-vf", "scale=" + strconv.Itoa(w) + ":" + strconv.Itoa(h) + ":flags=area,format=gray",
		"-fps_mode", "passthrough",
		"-f", "rawvideo", "-pix_fmt", "gray", "pipe:1",
	}
}

// pictureSize returns a video track's size, from the SPS when the track
// does not say.
func pictureSize(t media.Track) (w, h int, err error) {
	if t.Width > 0 && t.Height > 0 {
		return t.Width, t.Height, nil
	}
	switch t.Codec {
	case media.H264:
		var sps h264.SPS
		if err := sps.Unmarshal(t.SPS); err != nil {
			return 0, 0, fmt.Errorf("picture size: %w", err)
		}
		w, h = sps.Width(), sps.Height()
	case media.H265:
		var sps h265.SPS
		if err := sps.Unmarshal(t.SPS); err != nil {
			return 0, 0, fmt.Errorf("picture size: %w", err)
		}
		w, h = sps.Width(), sps.Height()
	}
	if w <= 0 || h <= 0 {
		return 0, 0, errors.New("picture size unknown")
	}
	return w, h, nil
}

// analysisSize scales a w×h picture to width aw (even height, at least 2).
func analysisSize(w, h, aw int) (int, int) {
	aw = min(aw, w) &^ 1
	ah := max(2, int(float64(h)*float64(aw)/float64(w)+0.5)&^1)
	return aw, ah
}

// annexB writes u's NAL units with start codes; a keyframe without its own
// parameter sets gets the track's first, so the decoder can start on it.
func annexB(dst []byte, t media.Track, u *media.Unit) []byte {
	sc := []byte{0, 0, 0, 1}
	if u.Key && !hasSPS(t.Codec, u.NALUs) {
		for _, p := range [][]byte{t.VPS, t.SPS, t.PPS} {
			if len(p) > 0 {
				dst = append(append(dst, sc...), p...)
			}
		}
	}
	for _, n := range u.NALUs {
		if len(n) > 0 {
			dst = append(append(dst, sc...), n...)
		}
	}
	return dst
}

// hasSPS reports whether nalus carry a sequence parameter set.
func hasSPS(codec media.Codec, nalus [][]byte) bool {
	for _, n := range nalus {
		if len(n) == 0 {
			continue
		}
		if codec == media.H265 && (n[0]>>1)&0x3f == 33 || codec == media.H264 && n[0]&0x1f == 7 {
			return true
		}
	}
	return false
}

// maxPending bounds the pictures given to ffmpeg and not yet returned.
const maxPending = 2048

// errBehind means ffmpeg holds too many pictures without returning them.
var errBehind = errors.New("ffmpeg fell behind")

// pending maps ffmpeg's output frames back to the input pictures. The
// decoder returns exactly one frame per picture it is given, in
// presentation order, and every picture that precedes the next one in
// presentation order has been given before it comes out; so the next frame
// out belongs to the pending picture with the smallest PTS. Safe for one
// writer and one reader.
type pending struct {
	mu    sync.Mutex
	items []pendingPic // sorted by pts
}

type pendingPic struct {
	pts  int64
	wall time.Time
}

// push records a picture about to be written to ffmpeg.
func (p *pending) push(pts int64, wall time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.items) >= maxPending {
		return errBehind
	}
	i := len(p.items)
	for i > 0 && p.items[i-1].pts > pts { // almost always appends
		i--
	}
	p.items = slices.Insert(p.items, i, pendingPic{pts: pts, wall: wall})
	return nil
}

// pop returns the wall time of the picture the next output frame shows.
func (p *pending) pop() (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.items) == 0 {
		return time.Time{}, false
	}
	w := p.items[0].wall
	p.items = p.items[1:]
	return w, true
}

// tail keeps the last bytes written to it: ffmpeg's stderr, for an error
// message. Its contents are printable ASCII only.
type tail struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range p {
		if c == '\n' || c == '\r' || c == '\t' {
			c = ' '
		}
		if c < 0x20 || c > 0x7e {
			continue
		}
		t.buf = append(t.buf, c)
	}
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(slices.Clone(t.buf))
}
