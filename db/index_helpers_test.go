package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// indexShape describes a generated recording index: Cameras cameras in
// four households, each with Days of back-to-back Segment-long segments of
// Fragments fragments ending at End (none when Fragments is 0), and Events
// closed events spread evenly over the cameras and the days.
type indexShape struct {
	Cameras   int
	Days      int
	Segment   time.Duration
	Fragments int
	Events    int
	End       time.Time
}

// start is the first instant of the footage.
func (s indexShape) start() time.Time { return s.End.Add(-time.Duration(s.Days) * 24 * time.Hour) }

// buildIndex writes s into a new database at path through db's public API,
// the calls the recorder and the event lifecycle make, and returns the
// camera IDs. Segment rows point at no files: the index is for queries
// only. (The benchmark harness, cmd/hearth-bench, bulk-loads its larger
// indexes instead; db's tests use nothing db does not export.)
func buildIndex(tb testing.TB, path string, s indexShape) []nvr.CameraID {
	tb.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	defer d.Close()
	var cams []nvr.CameraID
	start0 := s.start()
	for h := range 4 {
		hh, err := d.CreateHousehold(ctx, fmt.Sprintf("household %d", h), start0)
		if err != nil {
			tb.Fatal(err)
		}
		for c := h; c < s.Cameras; c += 4 {
			cam, err := d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: hh.ID,
				Name: fmt.Sprintf("camera %d", c), MainURL: "rtsp://192.0.2.10/main", CreatedAt: start0})
			if err != nil {
				tb.Fatal(err)
			}
			cams = append(cams, cam.ID)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	perCamera, fragDur := 0, time.Duration(0)
	if s.Fragments > 0 {
		perCamera = int(time.Duration(s.Days) * 24 * time.Hour / s.Segment)
		fragDur = s.Segment / time.Duration(s.Fragments)
	}
	frags := make([]nvr.Fragment, s.Fragments)
	for i := range perCamera {
		for ci, cam := range cams {
			// Cameras are staggered by a second; each segment ends where
			// the next begins, as the recorder writes them.
			start := start0.Add(time.Duration(i)*s.Segment + time.Duration(ci)*time.Second)
			off := int64(1200)
			for f := range frags {
				n := 150_000 + rng.Int64N(200_000)
				frags[f] = nvr.Fragment{Offset: off, Length: n, Start: start.Add(time.Duration(f) * fragDur),
					Duration90k: int64(fragDur) * 90000 / int64(time.Second), Key: true}
				if f > 0 && rng.IntN(50) == 0 { // the odd drift correction
					frags[f].Start = frags[f].Start.Add(time.Duration(rng.IntN(2000)-1000) * time.Microsecond)
				}
				off += n
			}
			end := frags[len(frags)-1].End()
			seg, err := d.CreateSegment(ctx, nvr.Segment{CameraID: cam, Stream: "main", Start: start,
				Path:  fmt.Sprintf("%s/%d-%d.mp4", cam, start.UnixNano(), end.UnixNano()),
				Codec: "h264", Width: 1920, Height: 1080, Audio: "aac", Event: rng.IntN(20) == 0})
			if err != nil {
				tb.Fatal(err)
			}
			if err := d.AddFragments(ctx, seg.ID, frags); err != nil {
				tb.Fatal(err)
			}
			if err := d.CloseSegment(ctx, seg.ID, end, off); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if s.Events <= 0 {
		return cams
	}
	step := s.End.Sub(start0) / time.Duration(s.Events)
	for i := range s.Events {
		start := start0.Add(time.Duration(i)*step + time.Duration(rng.Int64N(int64(max(step, 1)))))
		end := start.Add(2*time.Second + time.Duration(rng.Int64N(int64(40*time.Second))))
		kind, zones := nvr.EventKind("motion"), []string{"yard"}
		if rng.IntN(20) == 0 {
			kind, zones = "trigger", nil
		}
		e, err := d.CreateEvent(ctx, nvr.Event{CameraID: cams[i%len(cams)], Kind: kind, Start: start, Last: end,
			Score: rng.Float64(), Zones: zones, CreatedAt: start})
		if err != nil {
			tb.Fatal(err)
		}
		if err := d.CloseEvent(ctx, e.ID, end); err != nil {
			tb.Fatal(err)
		}
	}
	return cams
}

// TestBuildIndex: the generated index looks like a recorder's (contiguous
// footage, whole fragments) and its events are spread over the footage.
func TestBuildIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := indexShape{Cameras: 5, Days: 1, Segment: 30 * time.Minute, Fragments: 30, Events: 1000, End: t0}
	path := t.TempDir() + "/index.db"
	start := time.Now()
	cams := buildIndex(t, path, s)
	t.Logf("built in %v", time.Since(start))
	if len(cams) != 5 {
		t.Fatalf("%d cameras", len(cams))
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	usage, err := d.Usage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range usage {
		if u.Segments != 48 {
			t.Errorf("camera %s: %d segments, want 48", u.CameraID, u.Segments)
		}
	}
	from := s.start().Add(time.Hour)
	rs, err := d.CoveredRanges(ctx, cams[3], "main", from, from.Add(6*time.Hour), 3*time.Second)
	if err != nil || len(rs) != 1 || !rs[0].Start.Equal(from) || !rs[0].End.Equal(from.Add(6*time.Hour)) {
		t.Errorf("covered ranges %+v, %v; want one range over the 6 hours", rs, err)
	}
	fs, err := d.FragmentsBetween(ctx, cams[1], "main", from, from.Add(5*time.Minute))
	if err != nil || len(fs) < 5 || len(fs) > 7 {
		t.Errorf("%d fragments in 5 minutes (%v), want 5-7", len(fs), err)
	}
	evs, err := d.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: cams[0]}}, Limit: 1000})
	if err != nil || len(evs) != 200 {
		t.Fatalf("%d events of one camera (%v), want 200", len(evs), err)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Start.After(evs[i-1].Start) || evs[i].End.Before(evs[i].Start) {
			t.Fatalf("event %d out of order or ends before it starts: %+v", i, evs[i])
		}
	}
	if evs[len(evs)-1].Start.Before(s.start()) || evs[0].Start.After(s.End) {
		t.Errorf("events from %v to %v, outside the footage", evs[len(evs)-1].Start, evs[0].Start)
	}
}
