package offsite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// targetsFunc is a Targets from a function (the store's part the copier
// reads; the database's own is tested in db).
type targetsFunc func(ctx context.Context, h nvr.HouseholdID) (nvr.OffsiteTarget, error)

func (f targetsFunc) OffsiteTarget(ctx context.Context, h nvr.HouseholdID) (nvr.OffsiteTarget, error) {
	return f(ctx, h)
}

var _ Targets = targetsFunc(nil)

// localSegment writes a segment-shaped file: an init and n fragments whose
// bytes hold the MP4 box names and a marker the test searches for on the
// target. It returns the notice for its fragments and the whole file.
func localSegment(t *testing.T, dir string, id nvr.SegmentID, n, fragBytes int) (nvr.DurableFragments, []byte) {
	t.Helper()
	var file bytes.Buffer
	file.WriteString("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso6\x00\x00\x00\x10moovPLAINTEXT-INIT")
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var frags []nvr.Fragment
	for i := range n {
		off := int64(file.Len())
		chunk := fmt.Sprintf("\x00\x00\x00\x10moof\x00\x00\x00\x10mdatPLAINTEXT-SEI-%d-", i)
		for file.Len()-int(off) < fragBytes {
			file.WriteString(chunk)
		}
		frags = append(frags, nvr.Fragment{SegmentID: id, Index: i, Offset: off, Length: int64(file.Len()) - off,
			Start: start.Add(time.Duration(i) * time.Second), Duration90k: 90000, Key: true})
	}
	cam := "cam-" + fmt.Sprint(id)
	abs := filepath.Join(dir, cam, fmt.Sprintf("seg%d.mp4", id))
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(abs, file.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return nvr.DurableFragments{Household: 1, File: abs, Fragments: frags,
		Segment: nvr.Segment{ID: id, CameraID: nvr.CameraID(cam), Path: cam + "/" + filepath.Base(abs), Start: start, Event: true}}, file.Bytes()
}

type copierFixture struct {
	key    HouseholdKey
	ids    []age.Identity
	target string
	copier *Copier
	mu     sync.Mutex
	conf   nvr.OffsiteTarget
}

func newCopierFixture(t *testing.T, target string, cfg Config) *copierFixture {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "household.key")
	if err := os.WriteFile(keyFile, []byte(key.RecoveryFile()), 0o600); err != nil {
		t.Fatal(err)
	}
	ids, err := ReadIdentities(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	f := &copierFixture{key: key, ids: ids, target: target,
		conf: nvr.OffsiteTarget{Household: 1, Kind: nvr.OffsiteDir, Path: target, Recipient: key.Recipient}}
	cfg.Targets = targetsFunc(func(ctx context.Context, h nvr.HouseholdID) (nvr.OffsiteTarget, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if h != 1 {
			return nvr.OffsiteTarget{}, nvr.ErrNotFound
		}
		return f.conf, nil
	})
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
	}
	f.copier = NewCopier(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.copier.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return f
}

// waitFor polls cond every 20 ms for up to limit (a generous bound, not a
// timing assertion).
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *copierFixture) status(t *testing.T) Status {
	t.Helper()
	st, err := f.copier.StatusOf(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// assertNoPlaintext fails if any file under dir holds the video's plain
// bytes: box names, the SEI-like markers, the init.
func assertNoPlaintext(t *testing.T, dir string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		for _, needle := range []string{"ftyp", "moov", "moof", "mdat", "PLAINTEXT", "hearth-sei"} {
			if bytes.Contains(b, []byte(needle)) {
				t.Errorf("%s holds plaintext %q", p, needle)
			}
		}
		if !bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) {
			t.Errorf("%s is not an age file", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no files under %s", dir)
	}
}

func TestCopyAndRestoreRoundTrip(t *testing.T) {
	local, target := t.TempDir(), t.TempDir()
	f := newCopierFixture(t, target, Config{})
	n, whole := localSegment(t, local, 7, 5, 3000)
	// Fragments arrive as the recorder indexes them: 2, then all 5, closed.
	part := n
	part.Fragments = n.Fragments[:2]
	f.copier.Durable(part)
	n.Closed = true
	f.copier.Durable(n)
	waitFor(t, 10*time.Second, "backlog 0 and last copied set", func() bool {
		st := f.status(t)
		return st.Backlog == 0 && !st.LastCopied.IsZero()
	})
	st := f.status(t)
	if want := n.Fragments[4].End(); !st.LastCopied.Equal(want) || st.Error != "" || !st.Configured {
		t.Errorf("status %+v, want last copied %v, no error", st, want)
	}
	assertNoPlaintext(t, target)

	dest := t.TempDir()
	restored, err := Restore(f.ids, target, dest)
	got := restored.Segments
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Fragments != 5 || !got[0].End.Equal(n.Fragments[4].End()) {
		t.Fatalf("restored %+v", got)
	}
	b, err := os.ReadFile(got[0].File)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, whole) {
		t.Errorf("restored %d bytes differ from the %d recorded", len(b), len(whole))
	}
	if _, err := os.Stat(filepath.Join(dest, "cam-7", "seg7.json")); err != nil {
		t.Errorf("time index not restored: %v", err)
	}
	// A restore never overwrites.
	if _, err := Restore(f.ids, target, dest); err == nil {
		t.Error("second restore into the same destination succeeded")
	}
}

// TestAgeCLIDecrypts proves the layout is plain age: Debian's age CLI,
// given only the recovery file, decrypts a fragment to the recorded bytes.
func TestAgeCLIDecrypts(t *testing.T) {
	ageBin := testpeer.Require(t, "age")
	local, target := t.TempDir(), t.TempDir()
	f := newCopierFixture(t, target, Config{})
	n, whole := localSegment(t, local, 3, 2, 1000)
	n.Closed = true
	f.copier.Durable(n)
	waitFor(t, 10*time.Second, "copied", func() bool { return f.status(t).Backlog == 0 && !f.status(t).LastCopied.IsZero() })
	keyFile := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(keyFile, []byte(f.key.RecoveryFile()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ageBin, "-d", "-i", keyFile, filepath.Join(target, "cam-3", "seg3", "000002.m4s.age")).Output()
	if err != nil {
		t.Fatalf("age -d: %v", err)
	}
	fr := n.Fragments[1]
	if !bytes.Equal(out, whole[fr.Offset:fr.Offset+fr.Length]) {
		t.Errorf("age -d gave %d bytes, not fragment 2", len(out))
	}
}

// TestTargetAbsentNeverBlocks: with a target that hangs, Durable returns
// at once, the bounded table drops and counts segments past its size, and
// the local files stay as they were.
func TestTargetAbsentNeverBlocks(t *testing.T) {
	local := t.TempDir()
	release := make(chan struct{})
	f := newCopierFixture(t, "/nonexistent", Config{MaxSegments: 4,
		Open: func(ctx context.Context, _ nvr.OffsiteTarget) (Target, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil, errors.New("unreachable")
		}})
	defer close(release)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 10 {
			n, _ := localSegment(t, local, nvr.SegmentID(100+i), 2, 100)
			f.copier.Durable(n)
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Durable blocked on a hanging target")
	}
	st := f.status(t)
	if st.Dropped != 6 || st.Backlog != 8 {
		t.Errorf("status %+v, want 6 dropped, backlog 8", st)
	}
}

// TestFullTargetThenRecovers fills a real tmpfs target: the copy reports
// an error, leaves no partial file on the target, keeps the local file,
// and completes once space is freed. Needs root (mount).
func TestFullTargetThenRecovers(t *testing.T) {
	target := mountTmpfs(t, "64k")
	filler := filepath.Join(target, "filler")
	// Fill the target to the last block.
	fill := bytes.Repeat([]byte{0}, 4096)
	fh, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for range 64 {
		if _, err := fh.Write(fill); err != nil {
			break
		}
	}
	fh.Close()
	local := t.TempDir()
	f := newCopierFixture(t, target, Config{})
	n, whole := localSegment(t, local, 9, 4, 8000)
	n.Closed = true
	f.copier.Durable(n)
	waitFor(t, 10*time.Second, "an error on the full target", func() bool {
		return strings.Contains(f.status(t).Error, "no space")
	})
	if st := f.status(t); st.Backlog == 0 {
		t.Errorf("backlog 0 on a full target: %+v", st)
	}
	if b, err := os.ReadFile(n.File); err != nil || !bytes.Equal(b, whole) {
		t.Fatalf("local segment changed: %v", err)
	}
	_ = filepath.WalkDir(target, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".tmp") {
			t.Errorf("partial file left on the target: %s", p)
		}
		return nil
	})
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the copy to complete after space was freed", func() bool {
		st := f.status(t)
		return st.Backlog == 0 && st.Error == ""
	})
	restored, err := Restore(f.ids, target, t.TempDir())
	got := restored.Segments
	if err != nil || len(got) != 1 || got[0].Fragments != 4 {
		t.Fatalf("restore after recovery: %+v, %v", got, err)
	}
}

// TestTargetRemovedMidCopy unmounts the target between fragments: the copy
// errs (no directory is made in the mount point's place), and resumes
// when the target is back.
func TestTargetRemovedMidCopy(t *testing.T) {
	target := mountTmpfs(t, "1m")
	local := t.TempDir()
	f := newCopierFixture(t, target, Config{})
	n, _ := localSegment(t, local, 11, 3, 1000)
	part := n
	part.Fragments = n.Fragments[:1]
	f.copier.Durable(part)
	waitFor(t, 10*time.Second, "first fragment copied", func() bool { return f.status(t).Backlog == 0 && !f.status(t).LastCopied.IsZero() })
	if err := exec.Command("umount", target).Run(); err != nil {
		t.Fatalf("umount: %v", err)
	}
	if err := os.Remove(target); err != nil {
		t.Fatal(err)
	}
	n.Closed = true
	f.copier.Durable(n)
	waitFor(t, 10*time.Second, "an error with the target gone", func() bool { return f.status(t).Error != "" })
	// The admin's figures say something is wrong, never what (the text
	// names the household's target).
	fig, err := f.copier.Figures(context.Background(), nvr.NewPolicy(nil, nil, nil).LocalOperator(), 1)
	if err != nil || fig.Error != adminProblem || strings.Contains(fig.Error, target) {
		t.Errorf("admin figures %+v, %v", fig, err)
	}
	if _, err := f.copier.Figures(context.Background(), nvr.AdminGrant{}, 1); !errors.Is(err, nvr.ErrNotFound) {
		t.Errorf("figures without a grant: %v", err)
	}
	if _, err := os.Stat(target); err == nil {
		t.Fatal("the copier made the missing target directory")
	}
	// The disk comes back (empty: another disk); the copy resumes.
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the copy to resume", func() bool { st := f.status(t); return st.Backlog == 0 && st.Error == "" })
	if _, err := os.Stat(filepath.Join(target, "cam-11", "seg11", "000003.m4s.age")); err != nil {
		t.Errorf("last fragment not copied after the target came back: %v", err)
	}
}

// mountTmpfs mounts a tmpfs of size under a temporary directory and
// unmounts it at the end. A tmpfs is the one way to fill a target for
// real; it needs root, which CI has.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		testpeer.Missing(t, "mounting a tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "target")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	return dir
}

// TestTargetMovedMidSegment: the owner points the copy elsewhere while a
// segment is half copied; the new target gets the whole segment, init
// and first fragments included, and restores alone.
func TestTargetMovedMidSegment(t *testing.T) {
	local, first, second := t.TempDir(), t.TempDir(), t.TempDir()
	f := newCopierFixture(t, first, Config{})
	n, whole := localSegment(t, local, 31, 4, 500)
	part := n
	part.Fragments = n.Fragments[:2]
	f.copier.Durable(part)
	waitFor(t, 10*time.Second, "two fragments on the first target", func() bool { return f.status(t).Backlog == 0 && !f.status(t).LastCopied.IsZero() })
	f.mu.Lock()
	f.conf.Path = second
	f.mu.Unlock()
	n.Closed = true
	f.copier.Durable(n)
	waitFor(t, 10*time.Second, "the segment on the second target", func() bool {
		_, err := os.Stat(filepath.Join(second, "cam-31", "seg31", "000004.m4s.age"))
		return err == nil && f.status(t).Backlog == 0
	})
	restored, err := Restore(f.ids, second, t.TempDir())
	got := restored.Segments
	if err != nil || len(got) != 1 || got[0].Fragments != 4 {
		t.Fatalf("restore from the new target: %+v %v", got, err)
	}
	if b, _ := os.ReadFile(got[0].File); !bytes.Equal(b, whole) {
		t.Error("restored footage differs")
	}
}

// TestLiveBeforeCatchUp: the worker takes live footage before the
// catch-up's older segments, each in arrival order.
func TestLiveBeforeCatchUp(t *testing.T) {
	c := NewCopier(Config{Targets: targetsFunc(func(context.Context, nvr.HouseholdID) (nvr.OffsiteTarget, error) {
		return nvr.OffsiteTarget{}, nvr.ErrNotFound
	})})
	frag := []nvr.Fragment{{Length: 1}}
	c.pending[1] = &pendingSeg{arrived: 1, resume: true, n: nvr.DurableFragments{Household: 1, Segment: nvr.Segment{ID: 1}, Fragments: frag}}
	c.pending[2] = &pendingSeg{arrived: 2, resume: true, n: nvr.DurableFragments{Household: 1, Segment: nvr.Segment{ID: 2}, Fragments: frag}}
	c.pending[3] = &pendingSeg{arrived: 4, n: nvr.DurableFragments{Household: 1, Segment: nvr.Segment{ID: 3}, Fragments: frag}}
	c.pending[4] = &pendingSeg{arrived: 3, n: nvr.DurableFragments{Household: 1, Segment: nvr.Segment{ID: 4}, Fragments: frag}}
	for _, want := range []nvr.SegmentID{4, 3, 1, 2} {
		p, _ := c.next()
		if p == nil || p.n.Segment.ID != want {
			t.Fatalf("next = %+v, want segment %d", p, want)
		}
		delete(c.pending, want)
	}
}

// TestAbsentTargetCrowdsOutNoOne: household 1's target is away and its
// share of the queue (12) fills with 20 segments; household 2, whose
// target works, loses none of its ten to the full queue: the bound is per
// household. Before, one household's absent NAS filled the one table and
// every other household's footage was dropped with it.
func TestAbsentTargetCrowdsOutNoOne(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	away, dir2 := filepath.Join(t.TempDir(), "away"), t.TempDir()
	confs := map[nvr.HouseholdID]nvr.OffsiteTarget{
		1: {Household: 1, Kind: nvr.OffsiteDir, Path: away, Recipient: key.Recipient},
		2: {Household: 2, Kind: nvr.OffsiteDir, Path: dir2, Recipient: key.Recipient},
	}
	c := NewCopier(Config{MaxSegments: 12, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Targets: targetsFunc(func(_ context.Context, h nvr.HouseholdID) (nvr.OffsiteTarget, error) {
			if conf, ok := confs[h]; ok {
				return conf, nil
			}
			return nvr.OffsiteTarget{}, nvr.ErrNotFound
		})})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	local := t.TempDir()
	for i := range 20 {
		n, _ := localSegment(t, local, nvr.SegmentID(200+i), 1, 100)
		n.Closed = true
		c.Durable(n)
	}
	for i := range 10 {
		n, _ := localSegment(t, local, nvr.SegmentID(300+i), 1, 100)
		n.Household, n.Closed = 2, true
		c.Durable(n)
	}
	waitFor(t, 30*time.Second, "household 2's ten segments on its target", func() bool {
		for i := range 10 {
			id := 300 + i
			if _, err := os.Stat(filepath.Join(dir2, fmt.Sprintf("cam-%d", id), fmt.Sprintf("seg%d", id), "000001.m4s.age")); err != nil {
				return false
			}
		}
		return true
	})
	st1, _ := c.StatusOf(context.Background(), 1)
	st2, _ := c.StatusOf(context.Background(), 2)
	if st1.Dropped != 8 || st2.Dropped != 0 {
		t.Errorf("dropped: household 1 %d (want 8 beyond its 12), household 2 %d (want 0)", st1.Dropped, st2.Dropped)
	}
}

// TestRestoreFromAFolderHouseholdsShare: two households copying to one
// folder (the admin's offsite_dirs offer the same one to both). A
// restore with one household's key stopped at the first segment of the
// other's ("identity did not match"), so its own cameras after it were
// never reached. It restores its own, counts the others', and also takes
// one camera's folder as its source. A key of neither restores nothing.
func TestRestoreFromAFolderHouseholdsShare(t *testing.T) {
	target := t.TempDir()
	a, b := newCopierFixture(t, target, Config{}), newCopierFixture(t, target, Config{})
	for _, c := range []struct {
		f  *copierFixture
		id nvr.SegmentID
	}{{a, 7}, {b, 8}, {a, 9}} {
		n, _ := localSegment(t, t.TempDir(), c.id, 3, 1000)
		n.Closed = true
		c.f.copier.Durable(n)
	}
	waitFor(t, 10*time.Second, "both copies done", func() bool {
		return a.status(t).Backlog == 0 && b.status(t).Backlog == 0 && len(mustGlob(t, filepath.Join(target, "cam-*", "*", initName))) == 3
	})
	cams := func(r Restored) []string {
		var out []string
		for _, s := range r.Segments {
			out = append(out, s.Camera)
		}
		return out
	}
	got, err := Restore(a.ids, target, t.TempDir())
	if err != nil || !slices.Equal(cams(got), []string{"cam-7", "cam-9"}) || got.OtherKeys != 1 {
		t.Fatalf("A's key over the shared folder: %v, %d of other keys, %v; want cam-7 and cam-9, 1", cams(got), got.OtherKeys, err)
	}
	got, err = Restore(b.ids, target, t.TempDir())
	if err != nil || !slices.Equal(cams(got), []string{"cam-8"}) || got.OtherKeys != 2 {
		t.Fatalf("B's key: %v, %d of other keys, %v", cams(got), got.OtherKeys, err)
	}
	got, err = Restore(a.ids, filepath.Join(target, "cam-9"), t.TempDir())
	if err != nil || !slices.Equal(cams(got), []string{"cam-9"}) || got.OtherKeys != 0 {
		t.Fatalf("one camera's folder: %v, %d of other keys, %v", cams(got), got.OtherKeys, err)
	}
	stranger := newCopierFixture(t, t.TempDir(), Config{})
	got, err = Restore(stranger.ids, target, t.TempDir())
	if err != nil || len(got.Segments) != 0 || got.OtherKeys != 3 {
		t.Fatalf("a key of neither: %v, %d of other keys, %v", cams(got), got.OtherKeys, err)
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
