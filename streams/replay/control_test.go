package replay

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
)

type result struct {
	u   *media.Unit
	err error
}

// nextAsync runs Next on another goroutine.
func nextAsync(r *Reader) <-chan result {
	ch := make(chan result, 1)
	go func() {
		u, err := r.Next(context.Background())
		ch <- result{u, err}
	}()
	return ch
}

func must(t *testing.T, r *Reader) *media.Unit {
	t.Helper()
	u, err := r.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPauseResume(t *testing.T) {
	ft := record(t, threeSpans...)
	clk := newClock(false)
	r := openTest(t, ft, epoch.Add(10*time.Second), clk)
	first := must(t, r) // due at once
	check(t, ft, first)

	// The second unit is due 100 ms later: Next waits on the clock.
	ch := nextAsync(r)
	waitFor(t, 2*time.Second, "Next to wait for its unit", func() bool { return clk.Waiting() > 0 })
	r.Pause()
	clk.Advance(time.Hour) // an hour passes while paused
	select {
	case res := <-ch:
		t.Fatalf("Next returned while paused: %v", res.err)
	case <-time.After(50 * time.Millisecond):
	}
	if p := r.Position(); !p.Equal(first.Wall) {
		t.Fatalf("position %v while paused, want %v", p, first.Wall)
	}
	t0 := clk.Now()
	r.Resume()
	var res result
	select {
	case res = <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after Resume")
	}
	if res.err != nil {
		t.Fatal(res.err)
	}
	st := check(t, ft, res.u)
	if w := res.u.Wall.Sub(first.Wall); w != frameDur {
		t.Fatalf("after resume: frame %d, %v after the first; want the next frame", st.Frame, w)
	}
	if !clk.Now().Equal(t0) {
		t.Fatal("the unit after Resume was not due at once")
	}
	// Output time jumped over the pause: it never runs back and stays on the sending clock.
	if d := res.u.DTS - first.DTS; d < int64(time.Hour/time.Second)*media.VideoClockRate {
		t.Fatalf("DTS advanced %d over an hour's pause", d)
	}
	// Pacing goes on from there.
	second := res.u
	ch = nextAsync(r)
	waitFor(t, 2*time.Second, "Next to wait", func() bool { return clk.Waiting() > 0 })
	clk.Advance(frameDur)
	res = <-ch
	if res.err != nil || res.u.DTS-second.DTS != 9000 || res.u.Wall.Sub(first.Wall) != 2*frameDur {
		t.Fatalf("third unit: %v %v", res.u, res.err)
	}
}

func TestSeek(t *testing.T) {
	ft := record(t, threeSpans...)
	r := openTest(t, ft, epoch.Add(30*time.Second), newClock(true))
	last := must(t, r)
	for range 7 {
		last = must(t, r)
	}
	for _, tc := range []struct {
		name     string
		to, want time.Duration
	}{
		{"back", 3 * time.Second, 2500 * time.Millisecond},
		{"forward across the gap", 81 * time.Second, 80 * time.Second},
		{"back to the start", -time.Minute, 0},
		{"into the gap", 60 * time.Second, 37500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := r.Seek(epoch.Add(tc.to)); err != nil {
				t.Fatal(err)
			}
			if p := r.Position(); !p.Equal(epoch.Add(tc.to)) {
				t.Fatalf("position after seek %v", p.Sub(epoch))
			}
			u := must(t, r)
			check(t, ft, u)
			if !u.Key || u.Wall.Sub(epoch) != tc.want {
				t.Fatalf("after seek to %v: key %v at %v, want a keyframe at %v", tc.to, u.Key, u.Wall.Sub(epoch), tc.want)
			}
			if u.DTS <= last.DTS || u.PTS <= last.PTS {
				t.Fatalf("timestamps ran back: DTS %d after %d", u.DTS, last.DTS)
			}
			last = u
			for range 30 { // and plays on from there
				u := must(t, r)
				check(t, ft, u)
				if u.DTS <= last.DTS || !u.Wall.After(last.Wall) {
					t.Fatalf("DTS %d after %d, wall %v after %v", u.DTS, last.DTS, u.Wall, last.Wall)
				}
				last = u
			}
		})
	}
	if err := r.SetSpeed(0.5); !errors.Is(err, ErrSpeed) {
		t.Fatalf("SetSpeed(0.5): %v", err)
	}
}

// TestSeekWakesNext: a Next blocked in pacing returns the new position's
// keyframe at once.
func TestSeekWakesNext(t *testing.T) {
	ft := record(t, threeSpans...)
	clk := newClock(false)
	r := openTest(t, ft, epoch.Add(5*time.Second), clk)
	first := must(t, r)
	ch := nextAsync(r)
	waitFor(t, 2*time.Second, "Next to wait for its unit", func() bool { return clk.Waiting() > 0 })
	if err := r.Seek(epoch.Add(71 * time.Second)); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-ch:
		if res.err != nil {
			t.Fatal(res.err)
		}
		check(t, ft, res.u)
		if !res.u.Key || res.u.Wall.Sub(epoch) != 70*time.Second || res.u.DTS <= first.DTS {
			t.Fatalf("after seek: key %v at %v, DTS %d after %d", res.u.Key, res.u.Wall.Sub(epoch), res.u.DTS, first.DTS)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a blocked Next did not wake up on Seek")
	}
	// Close wakes a blocked Next too.
	ch = nextAsync(r)
	waitFor(t, 2*time.Second, "Next to wait", func() bool { return clk.Waiting() > 1 })
	r.Close()
	select {
	case res := <-ch:
		if !errors.Is(res.err, ErrClosed) {
			t.Fatalf("Next after Close: %v", res.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake Next")
	}
}

func TestSeekNothingThere(t *testing.T) {
	ft := record(t, span{0, 5})
	plan := ft.planner(time.Minute, nil)
	r, err := Open(context.Background(), func(ctx context.Context, at time.Time) ([]segment.ClipSource, error) {
		if at.After(epoch.Add(time.Hour)) {
			return nil, nil
		}
		return plan(ctx, at)
	}, epoch, Options{CameraID: testCamID, Clock: newClock(true)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	u := must(t, r)
	if err := r.Seek(epoch.Add(2 * time.Hour)); !errors.Is(err, ErrNoFootage) {
		t.Fatalf("seek past the footage: %v", err)
	}
	// Playback goes on where it was.
	if v := must(t, r); (v.Wall.Sub(u.Wall) - frameDur).Abs() > time.Microsecond {
		t.Fatalf("after a failed seek: %v", v.Wall.Sub(u.Wall))
	}
}

// TestTornSegment: an open segment whose last fragment is torn plays up to
// its last whole fragment, then ends cleanly.
func TestTornSegment(t *testing.T) {
	ft := record(t, span{0, 10}) // four fragments
	truncateFile(t, ft.paths[0], 1000)
	plan := func(context.Context, time.Time) ([]segment.ClipSource, error) {
		return []segment.ClipSource{{Path: ft.paths[0]}}, nil // no index rows yet: every whole fragment
	}
	r, err := Open(context.Background(), plan, epoch, Options{CameraID: testCamID, Clock: newClock(true)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		u, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		check(t, ft, u)
		n++
	}
	if want := 3 * testGOP; n != want {
		t.Fatalf("read %d units from a segment with 3 whole fragments, want %d", n, want)
	}
}

func TestContextEnds(t *testing.T) {
	ft := record(t, span{0, 5})
	r := openTest(t, ft, epoch, newClock(false))
	must(t, r)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with a cancelled context: %v", err)
	}
}

// TestRequestKeyframe: a picture-loss report goes back to the keyframe of
// the GOP being played, with timestamps still rising; right after a
// keyframe it changes nothing.
func TestRequestKeyframe(t *testing.T) {
	ft := record(t, threeSpans...)
	r := openTest(t, ft, epoch.Add(10*time.Second), newClock(true))
	key := must(t, r)
	r.RequestKeyframe() // just after the keyframe: nothing to do
	u := must(t, r)
	if u.Key || u.Wall.Sub(key.Wall) != frameDur {
		t.Fatalf("after a request right after the keyframe: key %v at +%v", u.Key, u.Wall.Sub(key.Wall))
	}
	for range 5 {
		u = must(t, r)
	}
	r.RequestKeyframe()
	v := must(t, r)
	check(t, ft, v)
	if !v.Key || !v.Wall.Equal(key.Wall) || v.DTS <= u.DTS {
		t.Fatalf("after a keyframe request: key %v at %v (want the GOP's keyframe at %v), DTS %d after %d", v.Key, v.Wall, key.Wall, v.DTS, u.DTS)
	}
}

// TestConcurrentControls drives the controls from another goroutine while
// Next runs (run with -race): timestamps never run back, every unit is the
// camera's, and playback ends cleanly.
func TestConcurrentControls(t *testing.T) {
	ft := record(t, threeSpans...)
	r := openTest(t, ft, epoch, newClock(true))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		speeds := []float64{1, 2, 4}
		for i := range 300 {
			switch i % 5 {
			case 0:
				r.Pause()
			case 1:
				r.Resume()
			case 2:
				_ = r.SetSpeed(speeds[i%3])
			case 3:
				_ = r.Seek(epoch.Add(time.Duration(i%90) * time.Second))
			case 4:
				r.RequestKeyframe()
				_ = r.Position()
				_ = r.Info()
			}
		}
		r.Resume()
	}()
	var last *media.Unit
	for n := 0; n < 3000; n++ {
		u, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		check(t, ft, u)
		if last != nil && u.DTS <= last.DTS {
			t.Fatalf("DTS %d after %d", u.DTS, last.DTS)
		}
		last = u
	}
	<-done
}

// TestSeekTaken: SeekTaken returns only once Next has taken the seek, so
// a seek's answer sent after it follows every unit of the old position
// (the sender was handed the old unit before; the browser takes frames
// after the answer for the new moment). It returns at once while paused,
// and at its bound when nobody calls Next.
func TestSeekTaken(t *testing.T) {
	ft := record(t, threeSpans...)
	r := openTest(t, ft, epoch.Add(5*time.Second), newClock(true))
	must(t, r)
	old := must(t, r) // handed to the sender before the seek
	if err := r.Seek(epoch.Add(71 * time.Second)); err != nil {
		t.Fatal(err)
	}
	taken := make(chan struct{})
	go func() { r.SeekTaken(time.Minute); close(taken) }()
	select {
	case <-taken:
		t.Fatal("SeekTaken returned before Next took the seek")
	case <-time.After(100 * time.Millisecond): // a window to fail in, not a synchronisation
	}
	u := must(t, r)
	select {
	case <-taken:
	case <-time.After(10 * time.Second):
		t.Fatal("SeekTaken did not return once Next took the seek")
	}
	if !u.Key || u.Wall.Sub(epoch) != 70*time.Second || !u.Wall.After(old.Wall) {
		t.Fatalf("the first unit after the seek is at %v (key %v), want the keyframe at 70 s", u.Wall.Sub(epoch), u.Key)
	}

	r.Pause()
	if err := r.Seek(epoch.Add(3 * time.Second)); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { r.SeekTaken(time.Minute); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("SeekTaken waited while paused")
	}
	r.Resume()
	if err := r.Seek(epoch.Add(80 * time.Second)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r.SeekTaken(200 * time.Millisecond) // nobody calls Next: the bound ends it
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Fatalf("SeekTaken returned after %v with the seek not taken", took)
	}
}
