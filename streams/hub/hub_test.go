package hub

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

func TestFanOut(t *testing.T) {
	tests := []struct {
		name      string
		subs      int
		n, gop    int
		first     int // picture number of the first unit: > 0 starts mid-GOP
		audio     bool
		wantFirst int // index of the first unit subscribers get
	}{
		{name: "one subscriber video", subs: 1, n: 100, gop: 10},
		{name: "three subscribers audio and video", subs: 3, n: 300, gop: 30, audio: true},
		{name: "starts mid-GOP", subs: 2, n: 100, gop: 10, first: 7, wantFirst: 3},
		{name: "starts mid-GOP with audio", subs: 2, n: 100, gop: 10, first: 7, audio: true, wantFirst: 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New("cam-1", Options{})
			defer h.Close()
			units := gen(avInfo("cam-1"), tc.n, tc.gop, tc.first, tc.audio)
			subs := make([]*Subscription, tc.subs)
			for i := range subs {
				subs[i] = h.Subscribe(SubscribeOptions{QueueUnits: tc.n})
			}
			for _, u := range units {
				h.Publish(u)
			}
			want := units[tc.wantFirst:]
			for i, s := range subs {
				got := drain(s)
				if len(got) != len(want) {
					t.Fatalf("subscriber %d: got %d units, want %d", i, len(got), len(want))
				}
				for j := range got {
					if got[j] != want[j] {
						t.Fatalf("subscriber %d: unit %d has PTS %d, want %d", i, j, got[j].PTS, want[j].PTS)
					}
				}
				if s.Dropped() != 0 {
					t.Fatalf("subscriber %d: dropped %d, want 0", i, s.Dropped())
				}
			}
			if st := h.Stats(); st.Units != uint64(tc.n) || st.Dropped != 0 || st.Subscribers != tc.subs {
				t.Fatalf("stats: units %d dropped %d subscribers %d, want %d 0 %d",
					st.Units, st.Dropped, st.Subscribers, tc.n, tc.subs)
			}
		})
	}
}

func TestStalledSubscriberNeverBlocksPublish(t *testing.T) {
	tests := []struct {
		name     string
		overflow Overflow
		complete bool // every GOP received is whole
		queue    int
		fresh    bool // the backlog is one contiguous run up to the newest unit
		oldest   bool // the backlog starts at the first unit published
	}{
		{name: "drop backlog", overflow: DropBacklog, queue: 64, fresh: true},
		// The queue holds 2 whole GOPs and part of a third.
		{name: "keep complete GOPs", overflow: KeepCompleteGOPs, queue: 100, complete: true, oldest: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New("cam-1", Options{})
			defer h.Close()
			// 10,000 units, then 3 more GOPs once the stalled one reads again.
			// A GOP is 30 pictures + 15 audio units = 45 units.
			units := gen(avInfo("cam-1"), 10000+3*45, 30, 0, true)
			fast := h.Subscribe(SubscribeOptions{QueueUnits: 4})
			stalled := h.Subscribe(SubscribeOptions{QueueUnits: tc.queue, Overflow: tc.overflow})

			// Phase 1: stalled never reads. Publish must finish, and the fast
			// subscriber, reading after each unit, gets every one.
			for i, u := range units[:10000] {
				h.Publish(u)
				got, ok := fast.TryNext()
				if !ok || got != u {
					t.Fatalf("fast subscriber: unit %d missing or out of order", i)
				}
			}
			if fast.Dropped() != 0 {
				t.Fatalf("fast subscriber dropped %d, want 0", fast.Dropped())
			}
			if stalled.Dropped() == 0 {
				t.Fatalf("stalled subscriber dropped nothing")
			}
			if got, want := h.Stats().Dropped, stalled.Dropped(); got != want {
				t.Fatalf("hub dropped %d, want %d", got, want)
			}

			// Phase 2: it reads its backlog, then keeps up with 3 more GOPs.
			got := drain(stalled)
			if len(got) == 0 {
				t.Fatalf("stalled subscriber has nothing queued")
			}
			if !got[0].Key {
				t.Fatalf("first unit after the stall (PTS %d) is not a keyframe", got[0].PTS)
			}
			if n, d := uint64(len(got)), stalled.Dropped(); n+d != 10000 {
				t.Fatalf("received %d + dropped %d = %d, want 10000", n, d, n+d)
			}
			if tc.fresh {
				last := got[len(got)-1]
				if last != units[9999] || int(last.PTS-got[0].PTS)+1 != len(got) {
					t.Fatalf("backlog PTS %d..%d in %d units, want one run ending at 9999",
						got[0].PTS, last.PTS, len(got))
				}
			}
			if tc.oldest && got[0] != units[0] {
				t.Fatalf("backlog starts at PTS %d, want the complete GOPs from 0 kept", got[0].PTS)
			}
			resumed := len(got)
			for _, u := range units[10000:] {
				h.Publish(u)
				got = append(got, drain(stalled)...)
			}
			checkGOPs(t, units, got, tc.complete)
			// Reading again, it misses nothing from the first new keyframe on.
			tail := got[resumed:]
			if len(tail) < 2*45 || tail[len(tail)-1] != units[len(units)-1] {
				t.Fatalf("after resuming got %d units ending at PTS %d, want ≥ %d ending at %d",
					len(tail), tail[len(tail)-1].PTS, 2*45, len(units)-1)
			}
		})
	}
}

func TestFastStart(t *testing.T) {
	// Two GOPs of 10 pictures + 5 audio units: keyframes at 0 and 15.
	const n = 30
	tests := []struct {
		name      string
		before    int // units published before Subscribe
		opts      SubscribeOptions
		wantFirst int // the subscriber gets units[wantFirst:]
	}{
		{name: "cached GOP", before: 4, wantFirst: 0},
		{name: "cached GOP in second GOP", before: 20, wantFirst: 15},
		{name: "cached GOP right after keyframe", before: 16, wantFirst: 15},
		{name: "next keyframe", before: 4, opts: SubscribeOptions{Start: StartNextKeyframe}, wantFirst: 15},
		{name: "GOP longer than queue", before: 4, opts: SubscribeOptions{QueueUnits: 3}, wantFirst: 15},
		{name: "nothing published yet", before: 0, wantFirst: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New("cam-1", Options{})
			defer h.Close()
			units := gen(avInfo("cam-1"), n, 10, 0, true)
			for _, u := range units[:tc.before] {
				h.Publish(u)
			}
			s := h.Subscribe(tc.opts)
			var got []*media.Unit
			for _, u := range units[tc.before:] {
				h.Publish(u)
				got = append(got, drain(s)...)
			}
			want := units[tc.wantFirst:]
			if len(got) != len(want) {
				t.Fatalf("got %d units, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("unit %d has PTS %d, want %d", i, got[i].PTS, want[i].PTS)
				}
			}
		})
	}
}

func TestGOPCacheCap(t *testing.T) {
	// One video track, 100-byte units, keyframes every 20: the first GOP is
	// units 0..19, the second starts at 20.
	tests := []struct {
		name         string
		opts         Options
		before       int // units published
		wantGOPUnits int
		wantFirst    int // a fast-start subscriber gets units[wantFirst:]
	}{
		{name: "within caps", opts: Options{MaxGOPUnits: 10, MaxGOPBytes: 1000}, before: 10, wantGOPUnits: 10, wantFirst: 0},
		{name: "unit cap", opts: Options{MaxGOPUnits: 10}, before: 11, wantGOPUnits: 0, wantFirst: 20},
		{name: "byte cap", opts: Options{MaxGOPBytes: 450}, before: 5, wantGOPUnits: 0, wantFirst: 20},
		{name: "keyframe alone over byte cap", opts: Options{MaxGOPBytes: 99}, before: 1, wantGOPUnits: 0, wantFirst: 20},
		{name: "cache restarts at next keyframe", opts: Options{MaxGOPUnits: 10}, before: 22, wantGOPUnits: 2, wantFirst: 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New("cam-1", tc.opts)
			defer h.Close()
			info := avInfo("cam-1")
			info.Tracks = info.Tracks[:1]
			units := gen(info, 40, 20, 0, false)
			for _, u := range units[:tc.before] {
				h.Publish(u)
			}
			st := h.Stats()
			if st.GOPUnits != tc.wantGOPUnits || st.GOPBytes != 100*tc.wantGOPUnits {
				t.Fatalf("GOP cache %d units %d bytes, want %d units %d bytes",
					st.GOPUnits, st.GOPBytes, tc.wantGOPUnits, 100*tc.wantGOPUnits)
			}
			// The keyframe survives the cap.
			wantKey := units[0]
			if tc.before > 20 {
				wantKey = units[20]
			}
			if got := h.Keyframe(); got != wantKey {
				t.Fatalf("Keyframe() = %v, want unit %d", got, wantKey.PTS)
			}
			s := h.Subscribe(SubscribeOptions{})
			for _, u := range units[tc.before:] {
				h.Publish(u)
			}
			got := drain(s)
			if len(got) == 0 || got[0] != units[tc.wantFirst] || len(got) != len(units)-tc.wantFirst {
				t.Fatalf("fast start got %d units, want %d from PTS %d", len(got), len(units)-tc.wantFirst, tc.wantFirst)
			}
		})
	}
}

func TestRejectsOtherCameras(t *testing.T) {
	own := avInfo("cam-a")
	other := avInfo("cam-b")
	sub := avInfo("cam-a")
	sub.Stream = "sub"
	tests := []struct {
		name string
		u    *media.Unit
	}{
		{name: "other camera keyframe", u: &media.Unit{Info: other, Key: true, NALUs: [][]byte{payload}}},
		{name: "other camera audio", u: &media.Unit{Info: other, Track: 1, Payload: [][]byte{payload}}},
		{name: "camera ID differs in case", u: &media.Unit{Info: avInfo("CAM-A"), Key: true, NALUs: [][]byte{payload}}},
		{name: "empty camera ID", u: &media.Unit{Info: avInfo(""), Key: true, NALUs: [][]byte{payload}}},
		{name: "other stream of the camera", u: &media.Unit{Info: sub, Key: true, NALUs: [][]byte{payload}}},
		{name: "nil unit", u: nil},
		{name: "no info", u: &media.Unit{Key: true, NALUs: [][]byte{payload}}},
		{name: "track out of range", u: &media.Unit{Info: own, Track: 2, Key: true}},
		{name: "negative track", u: &media.Unit{Info: own, Track: -1, Key: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New("cam-a", Options{Stream: "main"})
			defer h.Close()
			key := &media.Unit{Info: own, Key: true, NALUs: [][]byte{payload}}
			h.Publish(key)
			s := h.Subscribe(SubscribeOptions{})
			if got := s.CameraID(); got != "cam-a" {
				t.Fatalf("CameraID() = %q, want cam-a", got)
			}
			h.Publish(tc.u)

			if got := drain(s); len(got) != 1 || got[0] != key {
				t.Fatalf("subscriber got %d units, want only its own keyframe", len(got))
			}
			if got := h.Keyframe(); got != key {
				t.Fatalf("Keyframe() is not the camera's own keyframe")
			}
			if got := s.Info(); got != own {
				t.Fatalf("Info() is not the camera's own StreamInfo")
			}
			st := h.Stats()
			if st.Rejected != 1 || st.Units != 1 || st.Bytes != 100 || st.GOPUnits != 1 {
				t.Fatalf("stats: rejected %d units %d bytes %d GOP %d, want 1 1 100 1",
					st.Rejected, st.Units, st.Bytes, st.GOPUnits)
			}
		})
	}
}

// next waits for the next unit of s, failing the test after a generous
// guard so a bug hangs one test, not the run.
func next(t *testing.T, s *Subscription) (*media.Unit, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	u, err := s.Next(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next did not return")
	}
	return u, err
}

func TestClose(t *testing.T) {
	t.Run("hub", func(t *testing.T) {
		h := New("cam-1", Options{})
		units := gen(avInfo("cam-1"), 40, 30, 0, false)
		queued := h.Subscribe(SubscribeOptions{})
		for _, u := range units[:5] {
			h.Publish(u)
		}
		waiting := h.Subscribe(SubscribeOptions{Start: StartNextKeyframe})
		errc := make(chan error, 1)
		go func() {
			_, err := waiting.Next(context.Background())
			errc <- err
		}()

		h.Close()
		if err := <-errc; !errors.Is(err, ErrClosed) {
			t.Fatalf("blocked Next: err %v, want ErrClosed", err)
		}
		// Queued units are gone: the camera's media is cleared with it.
		if u, err := next(t, queued); u != nil || !errors.Is(err, ErrClosed) {
			t.Fatalf("Next with queued units: %v, %v, want nil, ErrClosed", u, err)
		}
		if h.Keyframe() != nil || h.Info() != nil || queued.Info() != nil {
			t.Fatalf("keyframe or info survived Close")
		}
		if st := h.Stats(); st.GOPUnits != 0 || st.GOPBytes != 0 || st.Subscribers != 0 {
			t.Fatalf("after Close: GOP %d units %d bytes, %d subscribers; want 0", st.GOPUnits, st.GOPBytes, st.Subscribers)
		}
		h.Publish(units[30])
		if h.Keyframe() != nil || h.Stats().Units != 5 {
			t.Fatalf("Publish after Close was not a no-op")
		}
		late := h.Subscribe(SubscribeOptions{})
		if _, err := next(t, late); !errors.Is(err, ErrClosed) {
			t.Fatalf("Subscribe after Close: Next err %v, want ErrClosed", err)
		}
		h.Close() // idempotent
		late.Close()
	})
	t.Run("subscription", func(t *testing.T) {
		h := New("cam-1", Options{})
		defer h.Close()
		units := gen(avInfo("cam-1"), 3, 30, 0, false)
		a := h.Subscribe(SubscribeOptions{})
		b := h.Subscribe(SubscribeOptions{})
		h.Publish(units[0])
		a.Close()
		a.Close() // idempotent
		if _, err := next(t, a); !errors.Is(err, ErrClosed) {
			t.Fatalf("Next after Close: err %v, want ErrClosed", err)
		}
		h.Publish(units[1])
		if got := h.Stats().Subscribers; got != 1 {
			t.Fatalf("subscribers %d, want 1", got)
		}
		if got := drain(b); len(got) != 2 {
			t.Fatalf("remaining subscriber got %d units, want 2", len(got))
		}
		if h.Keyframe() != units[0] {
			t.Fatalf("closing a subscription cleared the hub's keyframe")
		}
	})
	t.Run("context", func(t *testing.T) {
		h := New("cam-1", Options{})
		defer h.Close()
		s := h.Subscribe(SubscribeOptions{})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Next with canceled context: err %v, want context.Canceled", err)
		}
	})
}

func TestStreamInfoChange(t *testing.T) {
	h := New("cam-1", Options{})
	defer h.Close()
	old := gen(avInfo("cam-1"), 5, 30, 0, false)
	// The new session starts mid-GOP: 28, 29, then a keyframe.
	renewed := gen(avInfo("cam-1"), 5, 30, 28, false)
	s := h.Subscribe(SubscribeOptions{})
	for _, u := range old {
		h.Publish(u)
	}
	h.Publish(renewed[0])
	if h.Info() != renewed[0].Info || s.Info() != renewed[0].Info {
		t.Fatalf("Info() is not the new StreamInfo")
	}
	if h.Keyframe() != nil || h.Stats().GOPUnits != 0 {
		t.Fatalf("old session's keyframe or GOP survived the StreamInfo change")
	}
	for _, u := range renewed[1:] {
		h.Publish(u)
	}
	got := drain(s)
	want := append(append([]*media.Unit{}, old...), renewed[2:]...)
	if len(got) != len(want) {
		t.Fatalf("got %d units, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("unit %d differs", i)
		}
	}
	if s.Dropped() != 0 {
		t.Fatalf("resync counted %d drops, want 0", s.Dropped())
	}
	if h.Keyframe() != renewed[2] || h.Stats().GOPUnits != 3 {
		t.Fatalf("cache did not restart at the new session's keyframe")
	}
}

func TestAudioOnly(t *testing.T) {
	info := &media.StreamInfo{CameraID: "cam-1", Tracks: []media.Track{{Codec: media.PCMU, ClockRate: 8000}}}
	units := make([]*media.Unit, 100)
	for i := range units {
		units[i] = &media.Unit{Info: info, PTS: int64(i), Payload: [][]byte{payload}}
	}
	h := New("cam-1", Options{})
	defer h.Close()
	s := h.Subscribe(SubscribeOptions{QueueUnits: 10})
	for _, u := range units[:50] {
		h.Publish(u)
		if got, ok := s.TryNext(); !ok || got != u {
			t.Fatalf("unit %d not delivered", u.PTS)
		}
	}
	if h.Keyframe() != nil {
		t.Fatalf("audio-only stream has a keyframe")
	}
	// Overflow: every audio unit is a random access point, so the
	// subscription resumes with the very next unit.
	for _, u := range units[50:] {
		h.Publish(u)
	}
	got := drain(s)
	if len(got) == 0 || got[len(got)-1] != units[99] {
		t.Fatalf("after overflow the subscriber did not resume with the stream")
	}
	if uint64(len(got))+s.Dropped() != 50 {
		t.Fatalf("received %d + dropped %d, want 50", len(got), s.Dropped())
	}
}

// A subscription's ring starts small and grows only as its consumer falls
// behind, up to QueueUnits, keeping the queued units in order across a
// grow from a ring that had wrapped; the bound and the overflow policy are
// the same as with a ring allocated whole.
func TestRingGrowsToItsBound(t *testing.T) {
	h := New("cam-1", Options{})
	defer h.Close()
	units := gen(avInfo("cam-1"), 5000, 30, 0, false)
	s := h.Subscribe(SubscribeOptions{QueueUnits: 2048, Overflow: KeepCompleteGOPs})
	if len(s.ring) != initialRingUnits {
		t.Fatalf("new ring holds %d entries, want %d", len(s.ring), initialRingUnits)
	}
	// A consumer that keeps up: the ring never grows.
	var got []*media.Unit
	for _, u := range units[:1000] {
		h.Publish(u)
		got = append(got, drain(s)...)
	}
	if len(s.ring) != initialRingUnits {
		t.Fatalf("ring grew to %d entries for a consumer that kept up", len(s.ring))
	}
	// Wrap the head, then fall behind by more than the ring: it grows.
	for _, u := range units[1000:1040] {
		h.Publish(u)
	}
	for range 30 {
		u, _ := s.TryNext()
		got = append(got, u)
	}
	for _, u := range units[1040:1500] {
		h.Publish(u)
	}
	if len(s.ring) <= initialRingUnits || len(s.ring) > 2048 {
		t.Fatalf("ring holds %d entries after a 470-unit backlog", len(s.ring))
	}
	got = append(got, drain(s)...)
	if len(got) != 1500 || s.Dropped() != 0 {
		t.Fatalf("got %d units and dropped %d, want 1500 and 0", len(got), s.Dropped())
	}
	for i, u := range got {
		if u != units[i] {
			t.Fatalf("unit %d is PTS %d: out of order across the grow", i, u.PTS)
		}
	}
	// A stall past the bound: the ring stops at QueueUnits and the queue
	// keeps its complete GOPs, as before.
	for _, u := range units[1500:] {
		h.Publish(u)
	}
	if len(s.ring) != 2048 || s.Dropped() == 0 {
		t.Fatalf("ring %d entries, dropped %d: want 2048 and some dropped", len(s.ring), s.Dropped())
	}
	backlog := drain(s)
	if len(backlog) > 2048 || len(backlog) == 0 {
		t.Fatalf("backlog of %d units, want 1-2048", len(backlog))
	}
	checkGOPs(t, units, backlog, true)

	// Primed with a cached GOP longer than the first ring: the ring grows
	// to hold it at once.
	long := New("cam-2", Options{})
	defer long.Close()
	gop := gen(avInfo("cam-2"), 200, 300, 0, false)
	for _, u := range gop {
		long.Publish(u)
	}
	p := long.Subscribe(SubscribeOptions{QueueUnits: 512})
	if primed := drain(p); len(primed) != 200 || primed[0] != gop[0] {
		t.Fatalf("primed with %d units, want the cached GOP of 200", len(primed))
	}
}

// NextWithin gives up with ErrIdle only when nothing is queued: a queued
// unit wins over a fired idle channel, and a reused timer keeps working
// turn after turn, as the recorder uses it.
func TestNextWithinIdle(t *testing.T) {
	h := New("cam-1", Options{})
	defer h.Close()
	s := h.Subscribe(SubscribeOptions{Start: StartNextKeyframe})
	fired := make(chan time.Time, 1)
	fired <- time.Now()
	if u, err := s.NextWithin(t.Context(), fired); u != nil || !errors.Is(err, ErrIdle) {
		t.Fatalf("empty queue, idle fired: got %v, %v; want ErrIdle", u, err)
	}
	units := gen(avInfo("cam-1"), 3, 30, 0, false)
	for _, u := range units {
		h.Publish(u)
	}
	fired <- time.Now()
	for i, want := range units {
		u, err := s.NextWithin(t.Context(), fired)
		if err != nil || u != want {
			t.Fatalf("unit %d: got %v, %v with idle fired; want the queued unit", i, u, err)
		}
	}
	timer := time.NewTimer(time.Millisecond)
	defer timer.Stop()
	for turn := range 3 {
		timer.Reset(time.Millisecond)
		if _, err := s.NextWithin(t.Context(), timer.C); !errors.Is(err, ErrIdle) {
			t.Fatalf("turn %d: got %v, want ErrIdle from the reset timer", turn, err)
		}
	}
	s.Close()
	if _, err := s.NextWithin(t.Context(), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed: got %v, want ErrClosed", err)
	}
}

// A WakeBatch subscription is woken by a keyframe or a full batch, not by
// every unit, and a consumer's idle channel takes what was queued without
// a wake-up: nothing is held back past the consumer's own time limit.
func TestWakeBatch(t *testing.T) {
	h := New("cam-1", Options{})
	defer h.Close()
	s := h.Subscribe(SubscribeOptions{Start: StartNextKeyframe, WakeBatch: 4})
	units := gen(avInfo("cam-1"), 60, 30, 0, false) // keyframes at 0 and 30
	woken := func() bool {
		select {
		case <-s.wake:
			return true
		default:
			return false
		}
	}
	h.Publish(units[0])
	if !woken() {
		t.Fatal("a keyframe did not wake the subscription")
	}
	drain(s)
	for i, u := range units[1:5] {
		h.Publish(u)
		if w := woken(); w != (i == 3) {
			t.Fatalf("after %d queued non-key units: woken %v, want %v", i+1, w, i == 3)
		}
	}
	drain(s)
	h.Publish(units[5])
	if woken() {
		t.Fatal("one non-key unit woke a batching subscription")
	}
	idle := make(chan time.Time, 1)
	idle <- time.Now()
	if u, err := s.NextWithin(t.Context(), idle); u != units[5] || err != nil {
		t.Fatalf("idle with a unit queued: got %v, %v; want the unit", u, err)
	}
	// The unit arrives while the consumer waits: the idle channel hands it over.
	got := make(chan *media.Unit, 1)
	idle2 := make(chan time.Time, 1) // buffered: the goroutine may pop before it waits
	go func() {
		u, _ := s.NextWithin(t.Context(), idle2)
		got <- u
	}()
	h.Publish(units[6])
	idle2 <- time.Now()
	if u := <-got; u != units[6] {
		t.Fatalf("waiting consumer's idle: got %v, want the queued unit", u)
	}
	for _, u := range units[7:30] {
		h.Publish(u)
	}
	drain(s)
	woken()
	h.Publish(units[30])
	if !woken() {
		t.Fatal("the second keyframe did not wake the subscription")
	}
}
