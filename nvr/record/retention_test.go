package record

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

func TestRetentionAgeLimitsPerKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		ago   time.Duration // segment end before now
		event bool
		kept  bool
	}{
		{"continuous 13 days", 13 * retDay, false, true},
		{"continuous just inside 14 days", 14*retDay - time.Second, false, true},
		{"continuous exactly 14 days", 14 * retDay, false, false},
		{"continuous 15 days", 15 * retDay, false, false},
		{"event 15 days", 15 * retDay, true, true},
		{"event 29 days", 29 * retDay, true, true},
		{"event 30 days", 30 * retDay, true, false},
		{"event 31 days", 31 * retDay, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newRetentionEnv(t)
			e.bulk(e.camA)
			s := e.seg(e.camA, tc.ago, retGiB, tc.event)
			st := e.pass(e.retention(e.config()))
			if st.Refused != "" {
				t.Fatalf("refused: %s", st.Refused)
			}
			if tc.kept {
				e.wantKept([]nvr.Segment{s}, nil)
			} else {
				e.wantKept(nil, []nvr.Segment{s})
			}
		})
	}
}

func TestRetentionAgeOverrides(t *testing.T) {
	t.Parallel()
	e := newRetentionEnv(t)
	e.bulk(e.camA)
	e.bulk(e.camB)
	e.bulk(e.camC)
	a2 := e.seg(e.camA, 2*retDay, retGiB, false)   // default 14 d: kept
	a20 := e.seg(e.camA, 20*retDay, retGiB, false) // default 14 d: deleted
	b2 := e.seg(e.camB, 2*retDay, retGiB, false)   // override 1 d: deleted
	bEv := e.seg(e.camB, 400*retDay, retGiB, true) // events: no limit
	bEv12h := e.seg(e.camB, 12*time.Hour, 1, true) // events: no limit
	c40 := e.seg(e.camC, 40*retDay, retGiB, false) // continuous: no limit
	cEv3 := e.seg(e.camC, 3*retDay, retGiB, true)  // events 2 d: deleted
	cEv1 := e.seg(e.camC, retDay, retGiB, true)    // events 2 d: kept

	cfg := e.config()
	cfg.Settings = RetentionSettingsFunc(func(context.Context) ([]CameraRetention, error) {
		return []CameraRetention{
			{CameraID: e.camB, Continuous: retDay, Events: -1},
			{CameraID: e.camC, Continuous: -1, Events: 2 * retDay},
		}, nil
	})
	st := e.pass(e.retention(cfg))
	if st.Refused != "" {
		t.Fatalf("refused: %s", st.Refused)
	}
	e.wantKept([]nvr.Segment{a2, bEv, bEv12h, c40, cEv1}, []nvr.Segment{a20, b2, cEv3})
	if st.DeletedSegments != 3 || st.FreedBytes != 3*retGiB {
		t.Errorf("status deleted %d segments, %d bytes; want 3, %d", st.DeletedSegments, st.FreedBytes, 3*retGiB)
	}
	for _, c := range st.Cameras {
		if c.CameraID == e.camB && (c.ContinuousAge != retDay || c.EventAge >= 0) {
			t.Errorf("camera B limits in status: %v, %v; want 24h, none", c.ContinuousAge, c.EventAge)
		}
	}
}

func TestRetentionCamerasRetentionReadsCameraSettings(t *testing.T) {
	t.Parallel()
	lister := retCameraLister(func(context.Context, nvr.HouseholdID) ([]nvr.Camera, error) {
		return []nvr.Camera{{ID: retCamA, RetainContinuous: 3 * retDay, RetainEvents: 9 * retDay}}, nil
	})
	got, err := CamerasRetention{Cameras: lister}.CameraRetention(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []CameraRetention{{CameraID: retCamA, Continuous: 3 * retDay, Events: 9 * retDay}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

type retCameraLister func(context.Context, nvr.HouseholdID) ([]nvr.Camera, error)

func (f retCameraLister) Cameras(ctx context.Context, h nvr.HouseholdID) ([]nvr.Camera, error) {
	return f(ctx, h)
}

func TestRetentionDiskBudgetOldestFirstAcrossCameras(t *testing.T) {
	t.Parallel()
	e := newRetentionEnv(t)
	// Interleaved hour-old footage of two cameras, 1 GiB a segment.
	var segs []nvr.Segment
	for i := range 10 {
		cam := e.camA
		if i%2 == 1 {
			cam = e.camB
		}
		segs = append(segs, e.seg(cam, time.Duration(10-i)*time.Hour, retGiB, i == 0))
	}
	// 100 GiB disk, 10 GiB recorded, 87 GiB other data: 3 GiB free. The
	// target is 5 % = 5 GiB, so the 2 oldest must go.
	e.setDisk(100*retGiB, 87*retGiB)
	r := e.retention(e.config())
	st := e.pass(r)
	if st.Refused != "" {
		t.Fatalf("refused: %s", st.Refused)
	}
	e.wantKept(segs[2:], segs[:2])
	d, _ := e.disk("")
	if d.FreeBytes < 5*retGiB {
		t.Errorf("free after pass %d, want at least %d", d.FreeBytes, 5*retGiB)
	}
	if st.MinFreeBytes != 5*retGiB || st.DiskTotalBytes != 100*retGiB || st.DiskFreeBytes != 3*retGiB || st.UsedBytes != 10*retGiB {
		t.Errorf("status disk: min free %d total %d free %d used %d", st.MinFreeBytes, st.DiskTotalBytes,
			st.DiskFreeBytes, st.UsedBytes)
	}
	// A second pass has nothing to do.
	if st := e.pass(r); st.DeletedSegments != 0 {
		t.Errorf("second pass deleted %d segments", st.DeletedSegments)
	}

	t.Run("byte cap", func(t *testing.T) {
		t.Parallel()
		e := newRetentionEnv(t)
		var segs []nvr.Segment
		for i := range 10 {
			segs = append(segs, e.seg([]nvr.CameraID{e.camA, e.camB}[i%2], time.Duration(10-i)*time.Hour, retGiB, false))
		}
		cfg := e.config()
		cfg.MaxBytes = 7 * retGiB
		e.pass(e.retention(cfg))
		e.wantKept(segs[3:], segs[:3])
	})
}

// TestRetentionReadsTheIndexIncrementally keeps fakeRecordings: it checks
// the limits the index is read with, which only a double records.
func TestRetentionReadsTheIndexIncrementally(t *testing.T) {
	t.Parallel()
	e := newFakeRetentionEnv(t) // counts the index reads
	var segs []nvr.Segment
	for i := range 300 {
		segs = append(segs, e.seg(e.camA, time.Duration(300-i)*time.Minute, 1<<20, false))
	}
	// 100 MiB short of the 5 GiB free target: the 100 oldest go, which
	// takes two reads (64, then 128 segments), not the whole index.
	e.setDisk(100*retGiB, 95*retGiB-300<<20+100<<20)
	st := e.pass(e.retention(e.config()))
	if st.Refused != "" || st.DeletedSegments != 100 {
		t.Fatalf("refused %q, deleted %d; want 100", st.Refused, st.DeletedSegments)
	}
	e.wantKept(segs[100:], segs[:100])
	e.fake.mu.Lock()
	lists := slices.Clone(e.fake.lists)
	e.fake.mu.Unlock()
	if want := []int{64, 128}; !slices.Equal(lists, want) {
		t.Errorf("OldestSegments limits %v, want %v", lists, want)
	}
}

func TestRetentionHouseholdQuota(t *testing.T) {
	t.Parallel()
	e := newRetentionEnv(t)
	h1, h2 := e.homes[0], e.homes[1] // A and B in h1, C in h2
	e.moveCamera(e.camC, h2)
	// Household 2's footage is the oldest of all, and it is far over what
	// household 1 may keep: it must be untouched.
	var c []nvr.Segment
	for i := range 5 {
		c = append(c, e.seg(e.camC, time.Duration(20-i)*time.Hour, retGiB, false))
	}
	a1 := e.seg(e.camA, 10*time.Hour, retGiB, false)
	b1 := e.seg(e.camB, 9*time.Hour, retGiB, false)
	a2 := e.seg(e.camA, 8*time.Hour, retGiB, false)
	b2 := e.seg(e.camB, 7*time.Hour, retGiB, false)
	a3 := e.seg(e.camA, 6*time.Hour, retGiB, true)
	cfg := e.config()
	cfg.HouseholdQuota = map[nvr.HouseholdID]int64{h1: 3 * retGiB, h2 + 1: retGiB} // and a household without footage
	st := e.pass(e.retention(cfg))
	if st.Refused != "" {
		t.Fatalf("refused: %s", st.Refused)
	}
	e.wantKept(append([]nvr.Segment{a2, b2, a3}, c...), []nvr.Segment{a1, b1})
	var s1 HouseholdRetentionStatus
	for _, h := range st.Households {
		if h.HouseholdID == h1 {
			s1 = h
		}
	}
	if s1.QuotaBytes != 3*retGiB || s1.Bytes != 5*retGiB {
		t.Errorf("household 1 status %+v; want 5 GiB used before the pass, quota 3 GiB", s1)
	}
}

func TestRetentionPinnedFootageSurvives(t *testing.T) {
	t.Parallel()
	e := newRetentionEnv(t)
	e.bulk(e.camB)
	old := e.seg(e.camA, 40*retDay, retGiB, true)      // past every limit, pinned
	oldFree := e.seg(e.camA, 39*retDay, retGiB, false) // past the limit, not pinned
	full1 := e.seg(e.camA, 5*time.Hour, retGiB, false) // pinned: skipped by the disk rule
	full2 := e.seg(e.camA, 4*time.Hour, retGiB, false) // next oldest: taken instead
	full3 := e.seg(e.camA, 3*time.Hour+30*time.Minute, retGiB, false)
	cfg := e.config()
	cfg.Pins = retPins(func(_ context.Context, cam nvr.CameraID) ([]nvr.TimeRange, error) {
		if cam != e.camA {
			return nil, nil
		}
		return []nvr.TimeRange{
			{Start: old.Start.Add(10 * time.Second), End: old.Start.Add(20 * time.Second)},
			{Start: full1.End.Add(-time.Second), End: full1.End.Add(time.Minute)},
		}, nil
	})
	// The disk rule needs 2 GiB beyond the expired 1 GiB.
	recorded := e.store.indexedBytes()
	e.setDisk(1000*retGiB, 1000*retGiB-recorded-(50*retGiB-3*retGiB))
	st := e.pass(e.retention(cfg))
	if st.Refused != "" {
		t.Fatalf("refused: %s", st.Refused)
	}
	e.wantKept([]nvr.Segment{old, full1}, []nvr.Segment{oldFree, full2, full3})

	t.Run("pins unknown", func(t *testing.T) {
		t.Parallel()
		e := newRetentionEnv(t)
		e.bulk(e.camB)
		old := e.seg(e.camA, 40*retDay, retGiB, false)
		cfg := e.config()
		cfg.Pins = retPins(func(context.Context, nvr.CameraID) ([]nvr.TimeRange, error) {
			return nil, errors.New("events table locked")
		})
		r := e.retention(cfg)
		if _, err := r.Pass(context.Background()); err == nil {
			t.Error("pass succeeded although pins could not be read")
		}
		e.wantKept([]nvr.Segment{old}, nil)
		if st := r.Status(); !strings.Contains(st.Refused, "pins") {
			t.Errorf("status refused %q; want the pins failure", st.Refused)
		}
	})
}

// TestRetentionClockStep checks the rule of retention_clock.go: age limits
// are measured from a reference that follows the wall clock backwards at
// once but forwards at most at twice the monotonic clock's speed, so no
// footage recent by the index relative to the last known good time is
// deleted because the wall clock jumped.
func TestRetentionStatusEstimates(t *testing.T) {
	t.Parallel()
	e := newRetentionEnv(t)
	e.moveCamera(e.camA, e.homes[1])
	e.bulk(e.camA)
	e.seg(e.camA, 10*retDay, retGiB, false)
	e.seg(e.camB, 36*time.Hour, retGiB, false)
	st := e.pass(e.retention(e.config()))
	if len(st.Cameras) != 2 {
		t.Fatalf("cameras %+v", st.Cameras)
	}
	a, b := st.Cameras[0], st.Cameras[1]
	if a.CameraID != e.camA {
		a, b = b, a
	}
	if a.CameraID != e.camA || a.HouseholdID != e.homes[1] || a.Segments != 2 || a.Bytes != 101*retGiB {
		t.Errorf("camera A status %+v", a)
	}
	// Oldest segment starts a minute before it ends.
	if want := 10 + 1.0/(24*60); a.RetainedDays < want-1e-9 || a.RetainedDays > want+1e-9 {
		t.Errorf("camera A retained %v days, want %v", a.RetainedDays, want)
	}
	if want := 1.5 + 1.0/(24*60); b.RetainedDays < want-1e-9 || b.RetainedDays > want+1e-9 {
		t.Errorf("camera B retained %v days, want %v", b.RetainedDays, want)
	}
	if a.ContinuousAge != nvr.DefaultRetainContinuous || a.EventAge != nvr.DefaultRetainEvents {
		t.Errorf("camera A limits %v, %v", a.ContinuousAge, a.EventAge)
	}
	if !st.LastPass.Equal(e.t0) || st.Trigger != "manual" || st.UsedBytes != 102*retGiB {
		t.Errorf("status %+v", st)
	}
}

func TestRetentionRunTimerAndEmergency(t *testing.T) {
	t.Parallel()
	e := newRetentionEnv(t)
	e.bulk(e.camA)
	cfg := e.config()
	cfg.Interval = time.Hour // no timer tick during the test: passes come from start and Emergency
	r := e.retention(cfg)
	passes := make(chan RetentionStatus, 10)
	// The start pass holds the runner until the Emergency calls are made,
	// so coalescing is tested without depending on goroutine scheduling.
	release := make(chan struct{})
	r.afterPass = func(st RetentionStatus) {
		passes <- st
		if st.Trigger == "start" {
			<-release
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	if st := <-passes; st.Trigger != "start" {
		t.Errorf("first pass trigger %q, want start", st.Trigger)
	}
	// The disk fills: the recorder reports ENOSPC.
	var segs []nvr.Segment
	for i := range 4 {
		segs = append(segs, e.seg(e.camB, time.Duration(5-i)*time.Hour, retGiB, false))
	}
	e.setDisk(1000*retGiB, 1000*retGiB-e.store.indexedBytes()-49*retGiB) // 49 GiB free, 50 GiB wanted
	for range 5 {
		r.Emergency() // never blocks, however often
	}
	close(release)
	st := <-passes
	if st.Trigger != "emergency" || st.DeletedSegments != 1 {
		t.Errorf("emergency pass: trigger %q, deleted %d; want 1", st.Trigger, st.DeletedSegments)
	}
	e.wantKept(segs[1:], segs[:1])
	if got := r.Status(); got.TotalDeletedSegments != 1 || got.Trigger != "emergency" {
		t.Errorf("status %+v", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	// At most one more pass was queued by the coalesced calls.
	if n := len(passes); n > 1 {
		t.Errorf("%d extra passes from coalesced Emergency calls", n)
	}
}

// A removed camera's footage (rows marked deleting with the camera) goes
// while the service runs, once the recorder has certainly stopped; an
// existing camera's deleting row is an interrupted pass, left to recovery.
func TestRetentionFinishesRemovedCameras(t *testing.T) {
	e := newRetentionEnv(t)
	e.bulk(e.camA)
	gone1 := e.seg(e.camB, time.Hour, retGiB, false)
	gone2 := e.seg(e.camB, 2*time.Hour, retGiB, true)
	goneRecent := e.seg(e.camC, 10*time.Second, retGiB, false) // still being written a moment ago
	interrupted := e.seg(e.camA, 3*time.Hour, retGiB, false)
	// B and C are removed through the directory, which marks their
	// segments deleting with them; A's row is marked by hand, as a pass
	// that stopped after its first step leaves it.
	e.removeCamera(e.camB)
	e.removeCamera(e.camC)
	if err := e.store.MarkSegmentDeleting(context.Background(), interrupted.ID); err != nil {
		t.Fatal(err)
	}
	cfg := e.config()
	cfg.Cameras = e.world.DB
	r := e.retention(cfg)
	st := e.pass(r)
	if st.Refused != "" {
		t.Fatalf("refused: %s", st.Refused)
	}
	for _, s := range []nvr.Segment{gone1, gone2} {
		if _, ok := e.store.row(s.ID); ok {
			t.Errorf("removed camera's segment %d still indexed", s.ID)
		}
		if _, err := os.Stat(filepath.Join(e.dir, s.Path)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("removed camera's file %s still there: %v", s.Path, err)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, string(e.camB))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed camera's empty directory still there: %v", err)
	}
	if st.DeletedSegments != 2 || st.FreedBytes != 2*retGiB {
		t.Errorf("status: %d segments, %d bytes; want 2, %d", st.DeletedSegments, st.FreedBytes, 2*retGiB)
	}
	for _, s := range []nvr.Segment{goneRecent, interrupted} {
		row, ok := e.store.row(s.ID)
		if !ok || row.State != nvr.SegmentDeleting {
			t.Errorf("segment %d: indexed %v state %s; want left deleting", s.ID, ok, row.State)
		}
		if _, err := os.Stat(filepath.Join(e.dir, s.Path)); err != nil {
			t.Errorf("segment %d file: %v; want kept", s.ID, err)
		}
	}
	// Past the grace, the recently removed camera's footage goes too.
	e.clock.Advance(removedCameraGrace)
	e.pass(r)
	if _, ok := e.store.row(goneRecent.ID); ok {
		t.Errorf("segment %d of a camera removed %v ago still indexed", goneRecent.ID, removedCameraGrace)
	}
	if _, ok := e.store.row(interrupted.ID); !ok {
		t.Errorf("existing camera's deleting row was finished by retention; recovery owns it")
	}
}

// TestRetentionFinishesRemovedCamerasAtShutdown: with the recorder stopped,
// a camera removed a moment ago has its footage deleted at once, so a
// graceful stop leaves nothing marked deleting (hearth check is clean);
// an existing camera's deleting row stays recovery's.
func TestRetentionFinishesRemovedCamerasAtShutdown(t *testing.T) {
	e := newRetentionEnv(t)
	e.bulk(e.camA)
	goneRecent := e.seg(e.camC, 10*time.Second, retGiB, false) // removed a moment ago
	interrupted := e.seg(e.camA, 3*time.Hour, retGiB, false)
	e.removeCamera(e.camC)
	if err := e.store.MarkSegmentDeleting(context.Background(), interrupted.ID); err != nil {
		t.Fatal(err)
	}
	cfg := e.config()
	cfg.Cameras = e.world.DB
	r := e.retention(cfg)
	if err := r.FinishRemovedCameras(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.store.row(goneRecent.ID); ok {
		t.Errorf("segment %d of a camera removed a moment ago still indexed after the shutdown's pass", goneRecent.ID)
	}
	if _, err := os.Stat(filepath.Join(e.dir, goneRecent.Path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed camera's file %s still there: %v", goneRecent.Path, err)
	}
	if row, ok := e.store.row(interrupted.ID); !ok || row.State != nvr.SegmentDeleting {
		t.Errorf("existing camera's deleting row: indexed %v state %s; want left to recovery", ok, row.State)
	}
}

func TestRetentionFreeFloorScalesWithVolume(t *testing.T) {
	t.Parallel()
	const mib = int64(1) << 20
	cases := []struct {
		name     string
		total    int64
		percent  float64
		capBytes int64
		want     int64
	}{
		{"200 MiB volume: a tenth", 200 * mib, 5, 2 * retGiB, 20 * mib},
		{"1 GiB volume: the minimum", retGiB, 5, 2 * retGiB, 64 * mib},
		{"2 GiB volume: 5 %", 2 * retGiB, 5, 2 * retGiB, 2 * retGiB / 20},
		{"8 GiB volume: 5 %", 8 * retGiB, 5, 2 * retGiB, 8 * retGiB / 20},
		{"32 GiB volume: 5 %", 32 * retGiB, 5, 2 * retGiB, 32 * retGiB / 20},
		{"100 GiB volume: the cap", 100 * retGiB, 5, 2 * retGiB, 2 * retGiB},
		{"4 TiB volume: the cap", 4096 * retGiB, 5, 2 * retGiB, 2 * retGiB},
		{"10 % with a higher cap", 100 * retGiB, 10, 20 * retGiB, 10 * retGiB},
		{"percentage off: the bytes", 100 * retGiB, -1, 3 * retGiB, 3 * retGiB},
		{"cap off: the percentage", 100 * retGiB, 5, -1, 5 * retGiB},
		{"both off: none", 100 * retGiB, -1, -1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := freeFloor(c.total, c.percent, c.capBytes); got != c.want {
				t.Errorf("freeFloor(%d, %v, %d) = %d, want %d", c.total, c.percent, c.capBytes, got, c.want)
			}
			if c.want >= c.total/2 && c.want != 0 {
				t.Errorf("floor %d is at least half the %d-byte volume", c.want, c.total)
			}
		})
	}
}

// A 1 GiB volume under the default floor: the pass frees a little and is
// not refused (a fixed 2 GiB floor planned to delete everything, which the
// share check refused, so recording stopped until an admin approved).
func TestRetentionSmallVolumeDefaults(t *testing.T) {
	t.Parallel()
	e := newRetentionEnv(t)
	const mib = int64(1) << 20
	var segs []nvr.Segment
	for i := range 10 {
		segs = append(segs, e.seg(e.camA, time.Duration(10-i)*time.Hour, 90*mib, false))
	}
	// 900 MiB recorded, 74 MiB other data: 50 MiB free, 64 MiB wanted.
	e.setDisk(retGiB, 74*mib)
	cfg := e.config()
	cfg.MinFreeBytes = 0 // the default cap
	st := e.pass(e.retention(cfg))
	if st.Refused != "" {
		t.Fatalf("refused: %s", st.Refused)
	}
	if st.MinFreeBytes != 64*mib {
		t.Errorf("min free %d, want %d", st.MinFreeBytes, 64*mib)
	}
	e.wantKept(segs[1:], segs[:1])

	// A floor set larger than the volume (the percentage off, 2 GiB of
	// bytes on this 1 GiB volume) is a configuration mistake: the plan
	// would delete everything, and the share check still refuses it.
	cfg.MinFreePercent, cfg.MinFreeBytes = -1, 2*retGiB
	st = e.pass(e.retention(cfg))
	if !strings.Contains(st.Refused, "more than the 50 % one pass may") || st.DeletedSegments != 0 {
		t.Errorf("floor above the volume: refused %q, deleted %d; want a share refusal", st.Refused, st.DeletedSegments)
	}
	e.wantKept(segs[1:], nil)
}

// TestRetentionFairShare: two households share a disk; household 1's camera
// records far more. When space is needed, household 1 (over its equal
// share) loses its oldest footage although household 2's is older; with
// the share turned off the oldest footage of any camera goes, as before.
func TestRetentionFairShare(t *testing.T) {
	t.Parallel()
	for _, fair := range []bool{true, false} {
		t.Run(fmt.Sprintf("fair share %v", fair), func(t *testing.T) {
			t.Parallel()
			e := newRetentionEnv(t)
			e.moveCamera(e.camC, e.homes[1]) // A in homes[0]
			var home2 []nvr.Segment
			for i := range 5 {
				home2 = append(home2, e.seg(e.camC, time.Duration(40-i)*time.Hour, retGiB, false))
			}
			var home1 []nvr.Segment
			for i := range 20 {
				home1 = append(home1, e.seg(e.camA, time.Duration(20-i)*time.Hour, retGiB, false))
			}
			// 100 GiB disk, 25 GiB recorded, 73 GiB other: 2 GiB free, 5 GiB
			// wanted. Budget 25 + 2 - 5 = 22 GiB, 11 GiB a household.
			e.setDisk(100*retGiB, 73*retGiB)
			cfg := e.config()
			cfg.NoFairShare = !fair
			st := e.pass(e.retention(cfg))
			if st.Refused != "" {
				t.Fatalf("refused: %s", st.Refused)
			}
			if !fair {
				e.wantKept(append(home2[3:], home1...), home2[:3])
				return
			}
			e.wantKept(append(home2, home1[3:]...), home1[:3])
			for _, h := range st.Households {
				if h.ShareBytes != 11*retGiB {
					t.Errorf("household %d share %d, want %d", h.HouseholdID, h.ShareBytes, 11*retGiB)
				}
			}
		})
	}
}
