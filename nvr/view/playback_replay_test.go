package view

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/replay"
	"github.com/hearthnvr/hearth/streams/segment"
	"github.com/hearthnvr/hearth/streams/sei"
)

// recordSpan writes one closed segment of cam from base for seconds, with
// the segment writer and simcam frames, and indexes it in store.
func recordSpan(t *testing.T, store nvr.RecordingStore, dir string, cam nvr.CameraID, base time.Time, seconds int) {
	t.Helper()
	recordSpanAs(t, store, dir, cam, base, seconds, false)
}

// recordSpanAs records as recordSpan does, into a file named as the
// recorder names continuous footage or (event) an events-only camera's.
func recordSpanAs(t *testing.T, store nvr.RecordingStore, dir string, cam nvr.CameraID, base time.Time, seconds int, event bool) {
	t.Helper()
	feed := nvrtest.NewUnitFeed(t, cam, 10, 25, base)
	rel := string(cam) + "/" + recordstore.SegmentFileName(base, uint64(seconds), event)
	if err := os.MkdirAll(filepath.Join(dir, string(cam)), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	seg, err := store.CreateSegment(ctx, nvr.Segment{CameraID: cam, Stream: "main", Path: rel, State: nvr.SegmentOpen, Start: base, Event: event})
	if err != nil {
		t.Fatal(err)
	}
	f, err := segment.CreateFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	var frags []nvr.Fragment
	w, err := segment.NewWriter(f, feed.Info, segment.WriterOptions{SyncInterval: -1, OnFragment: func(fr segment.Fragment) {
		frags = append(frags, nvr.Fragment{Offset: fr.Offset, Length: fr.Length, Start: fr.Wall, Duration90k: fr.Duration90k, Key: fr.Key})
	}})
	if err != nil {
		t.Fatal(err)
	}
	for range seconds * 10 {
		if err := w.WriteUnit(feed.Next()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(nil); err != nil {
		t.Fatal(err)
	}
	if err := store.AddFragments(ctx, seg.ID, frags); err != nil {
		t.Fatal(err)
	}
	if err := store.CloseSegment(ctx, seg.ID, frags[len(frags)-1].End(), w.Size()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenReplay(t *testing.T) {
	base := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return base.Add(time.Duration(s * float64(time.Second))) }
	dir := t.TempDir()
	store, camA, camB := newPlaybackDB(t)
	// A: [0, 20 s) and [60 s, 80 s); B fills A's gap: [20 s, 60 s).
	recordSpan(t, store, dir, camA, at(0), 20)
	recordSpan(t, store, dir, camB, at(20), 40)
	recordSpan(t, store, dir, camA, at(60), 20)
	pb := NewPlayback(store, dir)
	ctx := context.Background()
	grant := func(cam nvr.CameraID, a nvr.Action, since time.Time) nvr.CameraGrant {
		return nvrtest.CameraGrant(t, nvr.Camera{ID: cam, HouseholdSince: since}, a)
	}
	opts := ReplayOptions{Clock: clocktest.NewAuto(time.Unix(0, 0))}

	// next reads a unit and checks that it is camera cam's.
	next := func(t *testing.T, r *replay.Reader, cam nvr.CameraID) *media.Unit {
		t.Helper()
		u, err := r.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st, ok := sei.Find(u.NALUs)
		if !ok || st.CameraID != string(cam) || u.CameraID() != string(cam) {
			t.Fatalf("unit of camera %q (info %q), want %q", st.CameraID, u.CameraID(), cam)
		}
		return u
	}

	t.Run("denied", func(t *testing.T) {
		for _, g := range []nvr.CameraGrant{{}, grant(camA, nvr.ActionViewLive, time.Time{})} {
			if _, err := pb.OpenReplay(ctx, g, at(0), opts); !errors.Is(err, nvr.ErrNotFound) {
				t.Fatalf("grant %v: %v, want ErrNotFound", g.Action(), err)
			}
		}
	})
	t.Run("nothing after start", func(t *testing.T) {
		_, err := pb.OpenReplay(ctx, grant(camA, nvr.ActionViewRecordings, time.Time{}), at(80), opts)
		if nvr.ErrorKind(err) != nvr.KindNotFound {
			t.Fatalf("open after the footage: %v, want KindNotFound", err)
		}
	})
	t.Run("start, gap, seek stay on the granted camera", func(t *testing.T) {
		r, err := pb.OpenReplay(ctx, grant(camA, nvr.ActionViewRecordings, time.Time{}), at(6), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if r.Info().CameraID != string(camA) {
			t.Fatalf("info camera %q", r.Info().CameraID)
		}
		u := next(t, r, camA)
		if !u.Key || !u.Wall.Equal(at(5)) {
			t.Fatalf("first unit key %v at %v, want the keyframe at 5 s", u.Key, u.Wall.Sub(base))
		}
		// Into A's gap (where B recorded): A's next recording, not B's.
		if err := r.Seek(at(30)); err != nil {
			t.Fatal(err)
		}
		if u := next(t, r, camA); !u.Key || !u.Wall.Equal(at(60)) {
			t.Fatalf("after seek into the gap: key %v at %v, want A's keyframe at 60 s", u.Key, u.Wall.Sub(base))
		}
		if err := r.Seek(at(100)); err == nil {
			t.Fatal("seek past the footage succeeded")
		}
		if err := r.Seek(at(18)); err != nil {
			t.Fatal(err)
		}
		// Plays to the end: A only, the gap skipped, then io.EOF.
		n := 0
		for {
			u, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if st, _ := sei.Find(u.NALUs); st.CameraID != string(camA) {
				t.Fatalf("unit of camera %q", st.CameraID)
			}
			n++
		}
		if want := 25 + 200; n != want { // 17.5–20 s, then 60–80 s at 10 fps
			t.Fatalf("played %d units to the end, want %d", n, want)
		}
	})
	t.Run("footage before the camera joined the household", func(t *testing.T) {
		r, err := pb.OpenReplay(ctx, grant(camA, nvr.ActionViewRecordings, at(10)), at(0), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if u := next(t, r, camA); u.Wall.Before(at(10)) {
			t.Fatalf("served footage from %v, before the camera joined at 10 s", u.Wall.Sub(base))
		}
		if err := r.Seek(at(1)); err != nil {
			t.Fatal(err)
		}
		if u := next(t, r, camA); u.Wall.Before(at(10)) {
			t.Fatalf("seek served footage from %v, before the camera joined at 10 s", u.Wall.Sub(base))
		}
	})
}
