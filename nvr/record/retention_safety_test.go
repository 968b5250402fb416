package record

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
)

func TestRetentionClockStep(t *testing.T) {
	t.Parallel()
	const limit = 14 * retDay
	t.Run("forward 3h", func(t *testing.T) {
		t.Parallel()
		e := newRetentionEnv(t)
		e.bulk(e.camA)
		expired := e.seg(e.camA, limit+30*time.Minute, retGiB, false)
		// Just inside the limit at the last known good time; all of these
		// would be "older than 14 days" for a wall clock 3 h ahead.
		in10m := e.seg(e.camA, limit-10*time.Minute, retGiB, false)
		in1h := e.seg(e.camA, limit-time.Hour, retGiB, false)
		in2h50 := e.seg(e.camA, limit-170*time.Minute, retGiB, false)
		r := e.retention(e.config())
		lastGood := e.clock.Now()
		e.pass(r)
		e.wantKept([]nvr.Segment{in10m, in1h, in2h50}, []nvr.Segment{expired})

		e.clock.Advance(time.Minute)
		e.clock.Set(e.clock.Now().Add(3 * time.Hour)) // a step: Elapsed does not move
		st := e.pass(r)
		if st.Refused != "" {
			t.Fatalf("refused: %s", st.Refused)
		}
		// The reference moved at most 2 × 1 min: nothing ending after
		// lastGood + 2 min − 14 d may go.
		e.wantKept([]nvr.Segment{in10m, in1h, in2h50}, nil)
		if want := lastGood.Add(2 * time.Minute); !st.Reference.Equal(want) {
			t.Errorf("reference %v, want %v", st.Reference, want)
		}
		if st.ClockLag != 3*time.Hour-time.Minute {
			t.Errorf("clock lag %v, want 2h59m", st.ClockLag)
		}
		if !slices.ContainsFunc(st.Problems, func(p string) bool { return strings.Contains(p, "ahead") }) {
			t.Errorf("problems %q do not report the clock step", st.Problems)
		}

		// The reference gains at most the real time passed on top of it:
		// 41 min after the last good time it is 82 min past it, so footage
		// ending up to 82 min after the limit has gone, not 3 h 41 min.
		for range 4 {
			e.clock.Advance(10 * time.Minute)
			st = e.pass(r)
		}
		if want := lastGood.Add(82 * time.Minute); !st.Reference.Equal(want) {
			t.Errorf("reference %v, want %v", st.Reference, want)
		}
		e.wantKept([]nvr.Segment{in2h50}, []nvr.Segment{in10m, in1h})
		// Once caught up, the wall clock rules again.
		for range 20 {
			e.clock.Advance(10 * time.Minute)
			st = e.pass(r)
		}
		if st.ClockLag != 0 {
			t.Errorf("clock lag %v after catching up, want 0", st.ClockLag)
		}
		e.wantKept(nil, []nvr.Segment{in1h, in2h50})
	})
	t.Run("backward 3h", func(t *testing.T) {
		t.Parallel()
		e := newRetentionEnv(t)
		e.bulk(e.camA)
		expired := e.seg(e.camA, limit+4*time.Hour, retGiB, false)
		justExpired := e.seg(e.camA, limit+time.Hour, retGiB, false)
		in10m := e.seg(e.camA, limit-10*time.Minute, retGiB, false)
		r := e.retention(e.config())
		e.pass(r)
		e.wantKept([]nvr.Segment{in10m}, []nvr.Segment{expired, justExpired})

		e.clock.Advance(time.Minute)
		e.clock.Set(e.clock.Now().Add(-3 * time.Hour))
		// Footage recorded after the step carries the earlier times.
		after := e.seg(e.camA, 0, retGiB, false)
		st := e.pass(r)
		if st.Refused != "" {
			t.Fatalf("refused: %s", st.Refused)
		}
		e.wantKept([]nvr.Segment{in10m, after}, nil)
		if st.ClockLag != 0 || !st.Reference.Equal(e.clock.Now()) {
			t.Errorf("reference %v lag %v; want the wall clock %v", st.Reference, st.ClockLag, e.clock.Now())
		}
		// Age limits follow the wall clock from here on.
		e.clock.Advance(3*time.Hour + 5*time.Minute)
		e.pass(r)
		e.wantKept([]nvr.Segment{in10m, after}, nil)
		e.clock.Advance(5 * time.Minute)
		e.pass(r)
		e.wantKept([]nvr.Segment{after}, []nvr.Segment{in10m})
	})
}

func TestRetentionRefusesImplausiblePasses(t *testing.T) {
	t.Parallel()
	t.Run("more than half of all bytes", func(t *testing.T) {
		t.Parallel()
		e := newRetentionEnv(t)
		// Everything looks 20 days old: a clock far ahead at start, or a
		// box switched off for three weeks.
		var segs []nvr.Segment
		for i := range 6 {
			segs = append(segs, e.seg([]nvr.CameraID{e.camA, e.camB}[i%2], 20*retDay+time.Duration(i)*time.Hour, retGiB, false))
		}
		fresh := e.seg(e.camA, time.Hour, retGiB, false)
		r := e.retention(e.config())
		st := e.pass(r)
		if !strings.Contains(st.Refused, "6442450944 of 7516192768") || st.DeletedSegments != 0 {
			t.Fatalf("status refused %q, deleted %d; want a share refusal", st.Refused, st.DeletedSegments)
		}
		e.wantKept(append(segs, fresh), nil)
		for _, seg := range append(segs, fresh) {
			if row, _ := e.store.row(seg.ID); row.State != nvr.SegmentClosed {
				t.Errorf("refused pass changed the index: segment %d is %s", seg.ID, row.State)
			}
		}
		// The next pass is refused again; an approval lets exactly one
		// through.
		if st := e.pass(r); st.Refused == "" {
			t.Error("second pass not refused")
		}
		r.ApproveNextPass()
		st = e.pass(r)
		if st.Refused != "" || st.DeletedSegments != 6 {
			t.Errorf("approved pass: refused %q, deleted %d; want 6 deleted", st.Refused, st.DeletedSegments)
		}
		e.wantKept([]nvr.Segment{fresh}, segs)
		r.mu.Lock()
		approved := r.approved
		r.mu.Unlock()
		if approved {
			t.Error("approval not consumed")
		}
	})
	t.Run("every segment of a camera within its age", func(t *testing.T) {
		t.Parallel()
		e := newRetentionEnv(t)
		b1 := e.seg(e.camB, 10*time.Hour, 1<<20, false) // a camera that stopped recording
		b2 := e.seg(e.camB, 9*time.Hour, 1<<20, false)
		var a []nvr.Segment
		for i := range 10 {
			a = append(a, e.seg(e.camA, time.Duration(10-i)*30*time.Minute, retGiB, false))
		}
		e.setDisk(100*retGiB, 100*retGiB-e.store.indexedBytes()-4*retGiB) // 4 GiB free, 5 GiB wanted
		st := e.pass(e.retention(e.config()))
		if !strings.Contains(st.Refused, "every segment of camera "+string(e.camB)) {
			t.Fatalf("refused %q; want the whole-camera refusal", st.Refused)
		}
		e.wantKept(append(a, b1, b2), nil)
	})
	t.Run("a camera whose footage all expired", func(t *testing.T) {
		t.Parallel()
		e := newRetentionEnv(t)
		e.bulk(e.camA)
		b := e.seg(e.camB, 20*retDay, retGiB, false) // stopped three weeks ago
		st := e.pass(e.retention(e.config()))
		if st.Refused != "" {
			t.Fatalf("refused: %s", st.Refused)
		}
		e.wantKept(nil, []nvr.Segment{b})
	})
	t.Run("volume not verified", func(t *testing.T) {
		t.Parallel()
		e := newRetentionEnv(t)
		e.bulk(e.camA)
		old := e.seg(e.camA, 20*retDay, retGiB, false)
		cfg := e.config()
		cfg.VolumeOK = func() error { return errors.New("recordings directory lost its .hearth-volume") }
		st := e.pass(e.retention(cfg))
		if !strings.Contains(st.Refused, ".hearth-volume") {
			t.Errorf("refused %q; want the volume error", st.Refused)
		}
		e.wantKept([]nvr.Segment{old}, nil)
	})
	t.Run("disk looks empty", func(t *testing.T) {
		t.Parallel()
		e := newRetentionEnv(t)
		e.bulk(e.camA)
		old := e.seg(e.camA, 20*retDay, retGiB, false)
		cfg := e.config()
		cfg.DiskSpace = func(string) (recordstore.DiskSpace, error) { // a fresh, empty filesystem mounted over it
			return recordstore.DiskSpace{TotalBytes: 500 * retGiB, FreeBytes: 500*retGiB - 1<<20, UsedBytes: 1 << 20}, nil
		}
		st := e.pass(e.retention(cfg))
		if !strings.Contains(st.Refused, "remounted") {
			t.Errorf("refused %q; want the empty-disk refusal", st.Refused)
		}
		e.wantKept([]nvr.Segment{old}, nil)
	})
}

// TestRetentionDeletionProcedureOrder keeps fakeRecordings: it checks the
// order of the index calls against the unlinks, which only a double sees.
func TestRetentionDeletionProcedureOrder(t *testing.T) {
	t.Parallel()
	e := newFakeRetentionEnv(t)
	e.bulk(e.camB)
	newer := e.seg(e.camA, 15*retDay, retGiB, false)
	older := e.seg(e.camA, 16*retDay, retGiB, false)
	var steps []string
	e.fake.onMark = func(s nvr.Segment) error {
		if s.State != nvr.SegmentClosed || !e.fileExists(s) {
			t.Errorf("mark %d: state %s, file exists %v; want a closed row with its file", s.ID, s.State, e.fileExists(s))
		}
		steps = append(steps, "mark")
		return nil
	}
	e.fake.onDelete = func(s nvr.Segment) error {
		if s.State != nvr.SegmentDeleting || e.fileExists(s) {
			t.Errorf("delete %d: state %s, file exists %v; want a deleting row without file", s.ID, s.State, e.fileExists(s))
		}
		steps = append(steps, "delete")
		return nil
	}
	st := e.pass(e.retention(e.config()))
	want := []string{"mark 3", "delete 3", "mark 2", "delete 2"} // oldest first
	if older.ID != 3 || newer.ID != 2 {
		t.Fatalf("fixture IDs %d, %d", older.ID, newer.ID)
	}
	if got := e.fake.callLog(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if len(steps) != 4 || st.DeletedSegments != 2 || st.TotalDeletedSegments != 2 {
		t.Errorf("steps %q, status %d deleted", steps, st.DeletedSegments)
	}
}

// TestRetentionCrashBetweenSteps keeps fakeRecordings: it stops the
// procedure between its steps and fails a write, faults SQLite does not
// produce on demand.
func TestRetentionCrashBetweenSteps(t *testing.T) {
	t.Parallel()
	type crash struct{}
	t.Run("after mark", func(t *testing.T) {
		t.Parallel()
		e := newFakeRetentionEnv(t)
		e.bulk(e.camB)
		s := e.seg(e.camA, 15*retDay, retGiB, false)
		r := e.retention(e.config())
		e.fake.onMark = func(s nvr.Segment) error {
			// Let the mark land, then die before the unlink (kill -9).
			e.fake.mu.Lock()
			s.State = nvr.SegmentDeleting
			e.fake.segs[s.ID] = s
			e.fake.mu.Unlock()
			panic(crash{})
		}
		func() {
			defer func() {
				if _, ok := recover().(crash); !ok {
					t.Fatal("pass did not reach the mark")
				}
			}()
			_, _ = r.Pass(context.Background())
		}()
		row, ok := e.store.row(s.ID)
		if !ok || row.State != nvr.SegmentDeleting || !e.fileExists(s) {
			t.Errorf("after the crash: row %v state %s, file %v; want a deleting row with its file", ok, row.State, e.fileExists(s))
		}
		// A restarted Retention leaves the deleting row to recovery.
		e.fake.onMark = nil
		e.pass(e.retention(e.config()))
		if row, _ := e.store.row(s.ID); row.State != nvr.SegmentDeleting {
			t.Errorf("restart changed the deleting row to %s", row.State)
		}
	})
	t.Run("after unlink", func(t *testing.T) {
		t.Parallel()
		e := newFakeRetentionEnv(t)
		e.bulk(e.camB)
		s := e.seg(e.camA, 15*retDay, retGiB, false)
		s2 := e.seg(e.camA, 16*retDay, retGiB, false)
		e.fake.onDelete = func(nvr.Segment) error { return errors.New("disk I/O error") }
		r := e.retention(e.config())
		if _, err := r.Pass(context.Background()); err == nil {
			t.Fatal("pass succeeded although the row could not be removed")
		}
		row, ok := e.store.row(s2.ID)
		if !ok || row.State != nvr.SegmentDeleting || e.fileExists(s2) {
			t.Errorf("row %v state %s, file %v; want a deleting row, file gone", ok, row.State, e.fileExists(s2))
		}
		// The pass stopped at the failure: the next segment is untouched.
		if row, _ := e.store.row(s.ID); row.State != nvr.SegmentClosed || !e.fileExists(s) {
			t.Errorf("next segment: state %s, file %v; want untouched", row.State, e.fileExists(s))
		}
		if st := r.Status(); !strings.Contains(st.Refused, "disk I/O error") {
			t.Errorf("status refused %q; want the failure", st.Refused)
		}
	})
}

// TestRetentionPathConfinement keeps fakeRecordings: its rows name paths
// outside their camera's directory, which the database's constraints
// refuse to hold; retention must refuse them anyway.
func TestRetentionPathConfinement(t *testing.T) {
	t.Parallel()
	e := newFakeRetentionEnv(t)
	e.bulk(e.camB)
	outside := t.TempDir()
	victim := func(name string) string {
		p := filepath.Join(outside, name)
		if err := os.WriteFile(p, []byte("precious"), 0o640); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Rows as a corrupted or tampered index might hold them, 20 days old.
	withPath := func(cam nvr.CameraID, path string) nvr.Segment {
		end := e.t0.Add(-20 * retDay)
		return e.fake.add(nvr.Segment{CameraID: cam, Stream: "main", Path: path, Start: end.Add(-time.Minute), End: end, Bytes: 1})
	}
	rel, err := filepath.Rel(e.dir, victim("passwd"))
	if err != nil {
		t.Fatal(err)
	}
	dotdot := withPath(e.camA, rel)
	dotdotCam := withPath(e.camA, string(e.camA)+"/../../"+filepath.Base(outside)+"/passwd")
	etc := withPath(e.camA, "../../etc/passwd")
	abs := withPath(e.camA, victim("absolute"))
	otherCam := withPath(e.camA, string(e.camC)+"/1-1.mp4")
	e.writeFile(string(e.camC) + "/1-1.mp4")

	// A link planted where a segment file should be.
	link := e.seg(e.camA, 20*retDay, 1, false)
	full := filepath.Join(e.dir, link.Path)
	if err := os.Remove(full); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim("linked"), full); err != nil {
		t.Fatal(err)
	}
	// A camera directory that is a link out of the recordings directory.
	victim("9-9.mp4")
	const linkedCam nvr.CameraID = "dddddddddddddddddddddddddddddddd"
	if err := os.Symlink(outside, filepath.Join(e.dir, string(linkedCam))); err != nil {
		t.Fatal(err)
	}
	linkedDir := withPath(linkedCam, string(linkedCam)+"/9-9.mp4")

	good := e.seg(e.camA, 21*retDay, 1, false)
	bad := []nvr.Segment{dotdot, dotdotCam, etc, abs, otherCam, link, linkedDir}

	r := e.retention(e.config())
	st := e.pass(r)
	if st.Refused != "" {
		t.Fatalf("refused: %s", st.Refused)
	}
	e.wantKept(nil, []nvr.Segment{good})
	for _, s := range bad {
		row, ok := e.store.row(s.ID)
		if !ok || row.State != nvr.SegmentClosed {
			t.Errorf("segment %d (%q): row %v, state %s; want untouched", s.ID, s.Path, ok, row.State)
		}
	}
	wantCalls := []string{fmt.Sprintf("mark %d", good.ID), fmt.Sprintf("delete %d", good.ID)}
	if got := e.fake.callLog(); !slices.Equal(got, wantCalls) {
		t.Errorf("store calls %q, want %q (only the good segment)", got, wantCalls)
	}
	for _, n := range []string{"passwd", "absolute", "linked", "9-9.mp4"} {
		if b, err := os.ReadFile(filepath.Join(outside, n)); err != nil || string(b) != "precious" {
			t.Errorf("outside file %s was touched: %q, %v", n, b, err)
		}
	}
	if fi, err := os.Lstat(full); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the planted link was touched: %v", err)
	}
	if n := len(st.Problems); n != len(bad) {
		t.Errorf("%d problems reported, want %d: %q", n, len(bad), st.Problems)
	}
	// Set aside: the next pass neither retries nor reports them again.
	st = e.pass(r)
	if len(st.Problems) != 0 || len(e.fake.callLog()) != 2 {
		t.Errorf("second pass: problems %q, calls %q", st.Problems, e.fake.callLog())
	}
}

func TestRetentionMissingFileKeepsRow(t *testing.T) {
	t.Parallel()
	e := newRetentionEnv(t)
	e.bulk(e.camB)
	s := e.seg(e.camA, 20*retDay, retGiB, false)
	if err := os.Remove(filepath.Join(e.dir, s.Path)); err != nil {
		t.Fatal(err)
	}
	st := e.pass(e.retention(e.config()))
	if row, ok := e.store.row(s.ID); !ok || row.State != nvr.SegmentClosed {
		t.Errorf("row %v state %s; want the closed row kept for hearth check", ok, row.State)
	}
	if len(st.Problems) != 1 || !strings.Contains(st.Problems[0], "missing") {
		t.Errorf("problems %q", st.Problems)
	}
}
