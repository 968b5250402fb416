package thumbnail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// Bounds of a JPEG thumbnail.
const (
	DefaultMaxWidth = 640
	maxJPEGBytes    = 16 << 20
	stderrBytes     = 2048
	waitDelay       = 2 * time.Second
)

// ErrNoFFmpeg means the ffmpeg program was not found; MP4 needs none.
var ErrNoFFmpeg = errors.New("ffmpeg not found")

// JPEG decodes the keyframe with ffmpeg and returns a JPEG at most maxWidth
// wide (DefaultMaxWidth when maxWidth ≤ 0), keeping the aspect ratio and
// never enlarging. ffmpegPath is a path or a name looked up on PATH
// ("ffmpeg" when empty). The keyframe goes to ffmpeg on stdin; its argv
// holds only numbers and fixed words, never anything from the camera. The
// process is killed when ctx ends and always waited for.
func JPEG(ctx context.Context, ffmpegPath string, key *media.Unit, maxWidth int) ([]byte, error) {
	k, err := split(key)
	if err != nil {
		return nil, err
	}
	if ffmpegPath == "" {
		ffmpegPath = "ffmpeg"
	}
	path, err := exec.LookPath(ffmpegPath)
	if err != nil {
		return nil, fmt.Errorf("thumbnail: %w: %w", ErrNoFFmpeg, err)
	}
	if maxWidth <= 0 {
		maxWidth = DefaultMaxWidth
	}
	w := max(2, min(maxWidth, k.width)&^1)
	cmd := exec.CommandContext(ctx, path, jpegArgs(k.codec, w)...)
	cmd.Env = []string{}
	cmd.WaitDelay = waitDelay
	cmd.Stdin = bytes.NewReader(k.annexB())
	var out bytes.Buffer
	stderr := &limited{max: stderrBytes}
	cmd.Stdout = &limited{buf: &out, max: maxJPEGBytes}
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("thumbnail: %w", ctx.Err())
		}
		return nil, fmt.Errorf("thumbnail: ffmpeg: %w; stderr: %q", err, stderr.String())
	}
	b := out.Bytes()
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return nil, fmt.Errorf("thumbnail: ffmpeg wrote no JPEG (%d bytes); stderr: %q", len(b), stderr.String())
	}
	return b, nil
}

// jpegArgs is JPEG's whole ffmpeg command line: one picture from the pipe,
// scaled to width w, as one JPEG on stdout.
func jpegArgs(codec media.Codec, w int) []string {
	demux := "h264"
	if codec == media.H265 {
		demux = "hevc"
	}
	return []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
		"-protocol_whitelist", "pipe",
		"-threads", "1", "-probesize", "32", "-analyzeduration", "0",
		"-f", demux, "-i", "pipe:0",
		"-map", "0:v:0", "-frames:v", "1",
		"-vf", "scale=" + strconv.Itoa(w) + ":-2:flags=area",
		"-c:v", "mjpeg", "-q:v", "4", "-f", "image2pipe", "pipe:1",
	}
}

// limited is a writer that keeps at most max bytes: the rest is dropped.
// With buf nil it keeps printable ASCII of the last bytes (for stderr).
type limited struct {
	buf  *bytes.Buffer
	max  int
	tail []byte
}

func (l *limited) Write(p []byte) (int, error) {
	if l.buf != nil {
		if l.buf.Len()+len(p) > l.max {
			return 0, io.ErrShortWrite // ffmpeg fails: the picture is absurd
		}
		return l.buf.Write(p)
	}
	for _, c := range p {
		if c >= 0x20 && c <= 0x7e {
			l.tail = append(l.tail, c)
		} else if c == '\n' {
			l.tail = append(l.tail, ' ')
		}
	}
	if len(l.tail) > l.max {
		l.tail = append(l.tail[:0], l.tail[len(l.tail)-l.max:]...)
	}
	return len(p), nil
}

func (l *limited) String() string { return string(l.tail) }
