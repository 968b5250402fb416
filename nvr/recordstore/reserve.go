package recordstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Reserve defaults.
const (
	// DefaultReserveBytes is the space held for the database.
	DefaultReserveBytes = 16 << 20
	// ReserveFileName is the reserve's name inside the data directory.
	ReserveFileName = ".reserve"
	reserveChunk    = 1 << 20
)

// ReserveConfig configures a Reserve. Path is required.
type ReserveConfig struct {
	// Path is the reserve file, normally <data>/.reserve: it must be on the
	// database's filesystem.
	Path string
	// Size is the space held (DefaultReserveBytes when 0; negative turns
	// the reserve off: every method is then a no-op).
	Size int64
	// Margin is the free space, beyond Size, that must exist before the
	// reserve is taken back (default max(Size/4, 1 MiB)), so recording
	// does not stop again at once.
	Margin int64
	// Interval is how often Run tries to restore a released reserve (10 s).
	Interval time.Duration
	// DiskSpace measures the filesystem holding a directory (StatDisk).
	DiskSpace func(dir string) (DiskSpace, error)
	Log       *slog.Logger
}

// Reserve keeps room for the database on a filesystem it shares with the
// recordings (docs/storage.md, "Disk full"). It holds a preallocated file
// of real, fsynced zero blocks (not a sparse file, so the space is really
// taken). When a recording write fails with ENOSPC, Release deletes it:
// index rows, sessions and logins keep working on a full disk. Restore
// writes it again once the filesystem has Size+Margin free; Run tries that
// periodically, and GuardStore makes the recorder try it before each new
// segment, refusing the segment (as ENOSPC) while the reserve cannot be
// held, so recording never eats the database's room; an index write that
// finds the disk full releases the reserve and is retried once.
//
// Safe for concurrent use. Run is the only goroutine it needs, and the
// caller owns it.
type Reserve struct {
	cfg ReserveConfig

	opMu sync.Mutex // serializes Restore's file work

	mu        sync.Mutex // guards the fields below
	held      bool
	released  bool // Release freed the space and no Restore has taken it back
	restoring bool
	aborted   bool   // Release came during a Restore
	lastErr   string // the last Restore failure logged (a key), to log changes only
}

// NewReserve returns a Reserve. Nothing touches the disk until Restore or
// Run.
func NewReserve(cfg ReserveConfig) *Reserve {
	if cfg.Size == 0 {
		cfg.Size = DefaultReserveBytes
	}
	if cfg.Margin <= 0 {
		cfg.Margin = max(cfg.Size/4, 1<<20)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.DiskSpace == nil {
		cfg.DiskSpace = StatDisk
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Reserve{cfg: cfg}
}

func (r *Reserve) off() bool { return r.cfg.Size < 0 || r.cfg.Path == "" }

// Held reports whether the reserve currently holds its space.
func (r *Reserve) Held() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.held
}

// Release deletes the reserve file so the database can use its space. It
// never blocks on a Restore in progress (that one is abandoned) and is
// idempotent; it reports whether space was freed.
func (r *Reserve) Release() bool {
	if r.off() {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.restoring {
		r.aborted = true
	}
	if !r.held {
		return false
	}
	if err := os.Remove(r.cfg.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.cfg.Log.Error("disk full: cannot release the database reserve", "path", r.cfg.Path, "err", err)
		return false
	}
	r.held, r.released = false, true
	r.lastErr = ""
	r.cfg.Log.Warn("disk full: database reserve released", "path", r.cfg.Path, "bytes", r.cfg.Size)
	return true
}

// ErrReserveSpace is returned (wrapped, together with syscall.ENOSPC) when
// the filesystem lacks room to restore the reserve.
var ErrReserveSpace = errors.New("not enough free space for the database reserve")

// Restore makes the reserve hold its space again: it adopts an existing
// file of the right size and allocation, or, when the filesystem has
// Size+Margin free, writes a new one (temp file, zero blocks, fsync,
// rename, fsync directory). Idempotent. Without the room it returns an
// error matching both ErrReserveSpace and syscall.ENOSPC.
func (r *Reserve) Restore() error {
	if r.off() {
		return nil
	}
	r.opMu.Lock()
	defer r.opMu.Unlock()
	r.mu.Lock()
	if r.held {
		r.mu.Unlock()
		return nil
	}
	r.restoring, r.aborted = true, false
	r.mu.Unlock()
	err := r.restore()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.restoring = false
	if err == nil && r.aborted {
		// Released while being written: give the space back.
		_ = os.Remove(r.cfg.Path)
		err = fmt.Errorf("restore reserve: released while restoring: %w", syscall.ENOSPC)
	}
	r.aborted = false
	if err != nil {
		// Log changes only: a lack of room is one condition however many
		// bytes are free.
		key := err.Error()
		if errors.Is(err, ErrReserveSpace) {
			key = ErrReserveSpace.Error()
		}
		if key != r.lastErr {
			r.lastErr = key
			if errors.Is(err, ErrReserveSpace) {
				r.cfg.Log.Info("database reserve not restored yet", "err", err)
			} else {
				r.cfg.Log.Warn("database reserve not restored", "err", err)
			}
		}
		return err
	}
	r.held, r.released, r.lastErr = true, false, ""
	r.cfg.Log.Info("database reserve held", "path", r.cfg.Path, "bytes", r.cfg.Size)
	return nil
}

// restore does Restore's file work, without r.mu held (but r.opMu).
func (r *Reserve) restore() error {
	path, size := r.cfg.Path, r.cfg.Size
	if ok, err := allocated(path, size); err != nil {
		return fmt.Errorf("restore reserve: %w", err)
	} else if ok {
		return nil
	}
	// A wrong-sized or sparse leftover does not count; its space is
	// returned first so the free-space check sees it.
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("restore reserve: %w", err)
	}
	dir := filepath.Dir(path)
	d, err := r.cfg.DiskSpace(dir)
	if err != nil {
		return fmt.Errorf("restore reserve: measure %s: %w", dir, err)
	}
	if need := size + r.cfg.Margin; d.FreeBytes < need {
		return fmt.Errorf("%w: %d bytes free, %d needed: %w", ErrReserveSpace, d.FreeBytes, need, syscall.ENOSPC)
	}
	tmp := path + ".tmp"
	if err := writeZeros(tmp, size, r.isAborted); err != nil {
		_ = os.Remove(tmp)
		if errors.Is(err, syscall.ENOSPC) {
			return fmt.Errorf("%w: %w", ErrReserveSpace, err)
		}
		return fmt.Errorf("restore reserve: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("restore reserve: %w", err)
	}
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("restore reserve: %w", err)
	}
	if ok, _ := allocated(path, size); !ok {
		// A compressing or deduplicating filesystem (ZFS, btrfs with
		// compression) stores zeros as holes: the reserve then holds less.
		r.cfg.Log.Warn("database reserve is not fully allocated (compressing filesystem?)", "path", path)
	}
	return nil
}

func (r *Reserve) isAborted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.aborted
}

// allocated reports whether path is a regular file of exactly size bytes
// whose blocks are all allocated.
func allocated(path string, size int64) (bool, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != size {
		return false, nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Blocks*512 >= size, nil
}

// writeZeros creates path holding size bytes of written zeros, fsynced.
func writeZeros(path string, size int64, abort func() bool) (err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	buf := make([]byte, reserveChunk)
	for left := size; left > 0; left -= int64(len(buf)) {
		if abort() {
			return fmt.Errorf("released while restoring: %w", syscall.ENOSPC)
		}
		if left < int64(len(buf)) {
			buf = buf[:left]
		}
		if _, err := f.Write(buf); err != nil {
			return err
		}
	}
	return f.Sync()
}

// Run restores the reserve at once and then every Interval while it is
// released, until ctx ends. The file stays in place when Run returns.
func (r *Reserve) Run(ctx context.Context) error {
	if r.off() {
		return nil
	}
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		_ = r.Restore() // failures are logged on change
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// GuardStore wraps the recorder's store so that a new segment is
// registered only while the reserve is held: CreateSegment first calls
// Restore and, if the filesystem lacks the room, fails with an error
// matching syscall.ENOSPC. The recorder then stays "disk-full" (and asks
// for emergency retention) instead of filling the space freed for the
// database. AddFragments and CloseSegment failing with a full disk
// (ENOSPC, SQLITE_FULL) release the reserve and retry once, so the
// segment cut by the full disk is indexed and closed. Every other method
// passes through.
func (r *Reserve) GuardStore(s nvr.RecordingStore) nvr.RecordingStore {
	if r.off() {
		return s
	}
	return reserveGuard{RecordingStore: s, r: r}
}

type reserveGuard struct {
	nvr.RecordingStore
	r *Reserve
}

var _ nvr.FragmentBatcher = reserveGuard{}

// FootageAllowed refuses room to footage (an error matching
// syscall.ENOSPC) from the moment the reserve is released until it is held
// again. A released reserve is the database's room: whatever released it,
// a recording write or an index write that found the disk full first, the
// open segment must not go on writing into it (the recorder ends the
// segment and stays disk-full until CreateSegment can restore the reserve).
func (g reserveGuard) FootageAllowed() error {
	g.r.mu.Lock()
	released := g.r.released
	g.r.mu.Unlock()
	if released {
		return fmt.Errorf("the database reserve was released, so recording pauses to keep its room: %w", syscall.ENOSPC)
	}
	return nil
}

func (g reserveGuard) CreateSegment(ctx context.Context, s nvr.Segment) (nvr.Segment, error) {
	if err := g.r.Restore(); errors.Is(err, syscall.ENOSPC) {
		return nvr.Segment{}, fmt.Errorf("recording paused to keep room for the database: %w", err)
	}
	// Other failures (permissions, I/O) are logged by Restore; they do not
	// stop recording.
	return g.RecordingStore.CreateSegment(ctx, s)
}

// AddFragments releases the reserve and retries once when the database
// finds the disk full, so the fragments written before ENOSPC get indexed.
func (g reserveGuard) AddFragments(ctx context.Context, id nvr.SegmentID, frags []nvr.Fragment) error {
	err := g.RecordingStore.AddFragments(ctx, id, frags)
	if diskFull(err) && g.r.Release() {
		err = g.RecordingStore.AddFragments(ctx, id, frags)
	}
	return err
}

// AddFragmentsBatch does the same for a batch when the store can batch
// (nvr.FragmentBatcher): the appends the full disk refused are retried
// together. A store that cannot gets the appends one by one.
func (g reserveGuard) AddFragmentsBatch(ctx context.Context, batch []nvr.FragmentAppend) []error {
	fb, ok := g.RecordingStore.(nvr.FragmentBatcher)
	if !ok {
		errs := make([]error, len(batch))
		for i, a := range batch {
			errs[i] = g.AddFragments(ctx, a.Segment, a.Fragments)
		}
		return errs
	}
	errs := fb.AddFragmentsBatch(ctx, batch)
	var retry []int
	for i, err := range errs {
		if diskFull(err) {
			retry = append(retry, i)
		}
	}
	if len(retry) == 0 || !g.r.Release() {
		return errs
	}
	again := make([]nvr.FragmentAppend, len(retry))
	for j, i := range retry {
		again[j] = batch[i]
	}
	for j, err := range fb.AddFragmentsBatch(ctx, again) {
		errs[retry[j]] = err
	}
	return errs
}

// CloseSegment does the same for the segment's close.
func (g reserveGuard) CloseSegment(ctx context.Context, id nvr.SegmentID, end time.Time, bytes int64) error {
	err := g.RecordingStore.CloseSegment(ctx, id, end, bytes)
	if diskFull(err) && g.r.Release() {
		err = g.RecordingStore.CloseSegment(ctx, id, end, bytes)
	}
	return err
}

// diskFull reports an ENOSPC or SQLite's SQLITE_FULL (the store's errors
// carry SQLite's message).
func diskFull(err error) bool {
	return err != nil && (errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "database or disk is full"))
}
