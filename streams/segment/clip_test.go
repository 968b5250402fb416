package segment

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// clipAcross records 30 s in 10 s segments and opens a clip of
// [start, end) chosen from the fragment reports, as the index would.
func clipAcross(t testing.TB, audio media.Codec, start, end time.Duration) (*Clip, recording) {
	t.Helper()
	_, units := makeUnits(t, feedConfig{Seconds: 30, Audio: audio})
	rec := recordUnits(t, t.TempDir(), units, Config{Target: 10 * time.Second})
	var all []Fragment
	for seq := uint64(1); seq <= uint64(len(rec.paths)); seq++ {
		all = append(all, rec.frags[seq]...)
	}
	from, to := SelectFragments(all, epoch.Add(start), epoch.Add(end))
	var srcs []ClipSource
	for _, f := range all[from:to] {
		p := rec.paths[f.Segment-1]
		if len(srcs) == 0 || srcs[len(srcs)-1].Path != p {
			srcs = append(srcs, ClipSource{Path: p})
		}
		s := &srcs[len(srcs)-1]
		s.Fragments = append(s.Fragments, FragmentRef{Offset: f.Offset, Length: f.Length})
	}
	c, err := OpenClip(srcs, ClipOptions{End: epoch.Add(end)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, rec
}

func TestClipAcrossSegments(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		audio   media.Codec
		streams string
	}{{"video", "", "video"}, {"pcmu", media.PCMU, "video,audio"}, {"aac", media.AAC, "video,audio"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start, end := 7*time.Second, 16*time.Second
			c, _ := clipAcross(t, tc.audio, start, end)
			if len(c.Skipped) != 0 || c.Stopped != nil {
				t.Fatalf("skipped %v stopped %v", c.Skipped, c.Stopped)
			}
			if !c.Start.Equal(epoch.Add(5 * time.Second)) {
				t.Errorf("clip starts at %v, want the keyframe at 5 s", c.Start.Sub(epoch))
			}
			p := filepath.Join(t.TempDir(), "clip.mp4")
			data, err := io.ReadAll(c.NewReader())
			if err != nil || int64(len(data)) != c.Size() {
				t.Fatalf("read clip: %d bytes of %d, %v", len(data), c.Size(), err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			got := ffprobe(t, p, "-show_entries", "stream=codec_type", "-of", "csv=p=0")
			if strings.ReplaceAll(got, "\n", ",") != tc.streams {
				t.Errorf("streams %q, want %q", got, tc.streams)
			}
			d, err := strconv.ParseFloat(ffprobe(t, p, "-show_entries", "format=duration", "-of", "csv=p=0"), 64)
			want := (end - start).Seconds()
			if err != nil || d < want-0.01 || d > want+2.5 {
				t.Errorf("duration %v (%v), want %v within a GOP (2.5 s)", d, err, want)
			}
			if e := decodeErrors(t, p); e != "" {
				t.Errorf("decode errors: %s", e)
			}
			if n := countFrames(t, p); n != 110 { // 5 s .. 16 s
				t.Errorf("%d frames, want 110", n)
			}
			// Range requests through http.ServeContent reassemble the clip.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.ServeContent(w, r, "clip.mp4", time.Time{}, c.NewReader())
			}))
			defer srv.Close()
			var got2 bytes.Buffer
			size := c.Size()
			for off := int64(0); off < size; {
				n := min(size-off, 1+off%400_000+off/3)
				req, _ := http.NewRequest("GET", srv.URL, nil)
				req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+n-1))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusPartialContent || int64(len(b)) != n {
					t.Fatalf("range %d+%d: %s, %d bytes", off, n, resp.Status, len(b))
				}
				got2.Write(b)
				off += n
			}
			if !bytes.Equal(got2.Bytes(), data) {
				t.Fatal("ranges do not reassemble the clip")
			}
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.ContentLength != size {
				t.Errorf("Content-Length %d, want %d", resp.ContentLength, size)
			}
		})
	}
}

// TestClipSkipsTornSegment: fragments past a torn tail are skipped with an
// error naming the file; the rest of the clip is served.
func TestClipSkipsTornSegment(t *testing.T) {
	t.Parallel()
	_, units := makeUnits(t, feedConfig{Seconds: 20})
	rec := recordUnits(t, t.TempDir(), units, Config{Target: 10 * time.Second})
	last := rec.frags[2][3]
	if err := os.Truncate(rec.paths[1], last.Offset+last.Length-10); err != nil {
		t.Fatal(err)
	}
	c, err := OpenClip([]ClipSource{{Path: rec.paths[0]}, {Path: rec.paths[1], Fragments: []FragmentRef{
		{rec.frags[2][0].Offset, rec.frags[2][0].Length}, {last.Offset, last.Length}}}}, ClipOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(c.Skipped) != 1 || !strings.Contains(c.Skipped[0].Error(), rec.paths[1]) {
		t.Fatalf("skipped %v", c.Skipped)
	}
	if c.Duration90k != 5*225000 {
		t.Errorf("duration %d, want 5 fragments", c.Duration90k)
	}
	// A source with other codec parameters stops the clip.
	_, other := makeUnits(t, feedConfig{Seconds: 5, Width: 640, Height: 480})
	rec2 := recordUnits(t, t.TempDir(), other, Config{})
	c2, err := OpenClip([]ClipSource{{Path: rec.paths[0]}, {Path: rec2.paths[0]}}, ClipOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if c2.Stopped == nil || c2.Duration90k != 4*225000 {
		t.Errorf("stopped %v, duration %d", c2.Stopped, c2.Duration90k)
	}
	if _, err := OpenClip([]ClipSource{{Path: filepath.Join(t.TempDir(), "missing.mp4")}}, ClipOptions{}); err == nil {
		t.Error("clip of a missing file opened")
	}
}
