package replay

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
	"github.com/hearthnvr/hearth/streams/simcam"
)

const (
	testCamID = "0123456789abcdef0123456789abcdef"
	testFPS   = 10
	testGOP   = 25 // 2.5 s per fragment
	gopDur    = time.Duration(testGOP) * time.Second / testFPS
	frameDur  = time.Second / testFPS
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// span is one recorded segment: from epoch+Start for Seconds.
type span struct {
	Start   time.Duration
	Seconds int
}

// recFrag is a fragment as the index would keep it.
type recFrag struct {
	path string
	f    segment.Fragment
}

// footage is recorded test footage: segment files written by the real
// segment writer from simcam frames, and the fragment list of the index.
type footage struct {
	frags     []recFrag
	frameWall map[uint64]time.Time // SEI frame counter → wall time drawn into it
	frames    int
	paths     []string
}

// record writes one segment file per span with one simcam camera (its frame
// counter runs on across segments; the wall clock jumps over the gaps).
func record(t testing.TB, spans ...span) *footage {
	t.Helper()
	return recordAudio(t, "", spans...)
}

// audioFrame is the test audio frame n of codec: 20 ms, its bytes telling n
// (G.711: 160 samples at 8 kHz; Opus: a CELT 20 ms mono TOC and n).
func audioFrame(codec media.Codec, n int) []byte {
	if codec == media.Opus {
		return []byte{0xf8, byte(n >> 8), byte(n)}
	}
	p := make([]byte, 160)
	p[0], p[1] = byte(n>>8), byte(n)
	for j := 2; j < len(p); j++ {
		p[j] = byte(0xff - (n+j)%16)
	}
	return p
}

// recordAudio is record with an audio track of codec ("" for none: PCMU,
// PCMA or Opus), 20 ms frames, one per unit, as a camera's RTP carries them.
func recordAudio(t testing.TB, audio media.Codec, spans ...span) *footage {
	t.Helper()
	dir := t.TempDir()
	var wall time.Time
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: testCamID, FPS: testFPS, GOP: testGOP, Width: 512, Height: 224, Now: func() time.Time { return wall }})
	if err != nil {
		t.Fatal(err)
	}
	info := &media.StreamInfo{CameraID: testCamID, Stream: "main", Tracks: []media.Track{{
		Codec: media.H264, ClockRate: media.VideoClockRate, Width: 512, Height: 224, FPS: testFPS, SPS: cam.SPS(), PPS: cam.PPS(),
	}}}
	rate := 8000
	if audio == media.Opus {
		rate = 48000
	}
	if audio != "" {
		info.Tracks = append(info.Tracks, media.Track{Codec: audio, ClockRate: rate, SampleRate: rate, Channels: 1})
	}
	ft := &footage{frameWall: map[uint64]time.Time{}}
	audioN := 0
	for i, sp := range spans {
		path := filepath.Join(dir, strconv.Itoa(i)+".mp4")
		f, err := segment.CreateFile(path)
		if err != nil {
			t.Fatal(err)
		}
		w, err := segment.NewWriter(f, info, segment.WriterOptions{Seq: uint64(i + 1), SyncInterval: -1, OnFragment: func(fr segment.Fragment) {
			ft.frags = append(ft.frags, recFrag{path: path, f: fr})
		}})
		if err != nil {
			t.Fatal(err)
		}
		n := sp.Seconds * testFPS
		if n%testGOP != 0 { // so that every segment starts with an IDR
			t.Fatalf("span of %d s is not whole GOPs", sp.Seconds)
		}
		for k := 0; k < n; k++ {
			wall = epoch.Add(sp.Start + time.Duration(k)*frameDur)
			au, err := cam.Next()
			if err != nil {
				t.Fatal(err)
			}
			ft.frameWall[au.Frame] = wall
			dts := int64(k) * media.VideoClockRate / testFPS
			if err := w.WriteUnit(&media.Unit{Info: info, PTS: dts, DTS: dts, Wall: wall, Key: au.IDR, NALUs: au.NALUs}); err != nil {
				t.Fatal(err)
			}
			// The frame's audio after it: a GOP's audio goes in its fragment.
			for a := 0; audio != "" && a < int(frameDur/(20*time.Millisecond)); a++ {
				adts := int64(k*int(frameDur/(20*time.Millisecond))+a) * int64(rate) / 50
				u := &media.Unit{Info: info, Track: 1, PTS: adts, DTS: adts, Wall: wall.Add(time.Duration(a) * 20 * time.Millisecond),
					Payload: [][]byte{audioFrame(audio, audioN)}}
				if err := w.WriteUnit(u); err != nil {
					t.Fatal(err)
				}
				audioN++
			}
			ft.frames++
		}
		if err := w.Close(nil); err != nil {
			t.Fatal(err)
		}
		ft.paths = append(ft.paths, path)
	}
	return ft
}

// planner plays the part of nvr.Playback: from the key fragment at or
// before at (or the first fragment after it) through window. It counts
// its calls.
func (ft *footage) planner(window time.Duration, calls *int) Planner {
	var mu sync.Mutex
	return func(_ context.Context, at time.Time) ([]segment.ClipSource, error) {
		mu.Lock()
		defer mu.Unlock()
		if calls != nil {
			*calls++
		}
		from := -1
		for i, f := range ft.frags {
			if f.f.Wall.After(at) {
				break
			}
			if f.f.Key {
				from = i
			}
		}
		if from < 0 {
			from = sort.Search(len(ft.frags), func(i int) bool { return ft.frags[i].f.Wall.After(at) })
		}
		var out []segment.ClipSource
		// The window starts at the next footage after at (gaps skipped),
		// as nvr's planner does with the covered ranges.
		end := at.Add(window)
		if i := sort.Search(len(ft.frags), func(i int) bool { return ft.frags[i].f.Wall.After(at) }); i < len(ft.frags) {
			end = ft.frags[i].f.Wall.Add(window)
		}
		for i := from; i < len(ft.frags) && ft.frags[i].f.Wall.Before(end); i++ {
			fr := ft.frags[i]
			if len(out) == 0 || out[len(out)-1].Path != fr.path {
				out = append(out, segment.ClipSource{Path: fr.path})
			}
			last := &out[len(out)-1]
			last.Fragments = append(last.Fragments, segment.FragmentRef{Offset: fr.f.Offset, Length: fr.f.Length})
		}
		return out, nil
	}
}

// newClock returns the tests' clock at 2030-01-01. With auto set, every
// wait advances it at once, so paced reads take no real time and the clock
// shows the schedule; otherwise a wait lasts until the test advances it.
func newClock(auto bool) *clocktest.Clock {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if auto {
		return clocktest.NewAuto(start)
	}
	return clocktest.New(start)
}

// waitFor polls cond for up to d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// truncateFile cuts n bytes off the end of path: a torn last fragment.
func truncateFile(t testing.TB, path string, n int64) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()-n); err != nil {
		t.Fatal(err)
	}
}
