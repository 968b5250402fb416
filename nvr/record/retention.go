package record

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
)

// Retention deletes old footage so the recordings disk never fills
// (ARCHITECTURE invariants 5 and 6). A pass plans deletions from the index
// alone (segment start and end times, never file mtimes), checks that the
// plan is plausible, then deletes oldest first with the storage procedure:
// mark the row deleting, unlink the file inside the recordings directory,
// remove the row. It only ever touches closed segments (and the rows of
// removed cameras, see finishRemovedCameras), so recording is never
// blocked; a crash between the steps is finished by recovery.
//
// Rules, applied in this order to the oldest footage first:
//
//  1. Age: a camera's continuous footage older than its continuous age
//     (default 14 days), event footage (Segment.Event) older than its event
//     age (default 30 days). Cameras override both through Settings.
//  2. Household quota: a household over its byte quota loses its oldest
//     footage until it is under; other households are untouched.
//  3. Disk budget: keep the free-space floor free (MinFreePercent of the
//     filesystem, at most MinFreeBytes, at least MinFreeFloor; see
//     minFree) and, when MaxBytes is set, the recordings under MaxBytes.
//     When more than one household has footage, each has a fair share of
//     the budget (the bytes recordings may occupy: recorded plus free minus
//     the floor, at most MaxBytes, divided equally): the oldest footage of
//     the households over their share goes first, so one home's cameras
//     cannot push out another's footage; then the oldest of any camera.
//     A household under its share may still use free space beyond it while
//     the disk has room: the share binds only when space is needed.
//
// Pinned footage (Pins) is never deleted automatically. A segment whose row
// names a path outside its camera's directory, a link, or a missing file
// is never touched; it is reported and skipped until restart.
//
// Safety. Age limits are measured from a reference clock that follows the
// wall clock but never runs ahead of the last known good time plus twice
// the monotonic time since (see retention_clock.go): a forward clock step
// cannot make recent footage look old. A pass is refused (nothing is
// deleted, Status().Refused says why) when the recordings volume is not
// verified (VolumeOK), when the filesystem holds less data than the index
// records (an empty or remounted disk), when the plan would delete more
// than MaxShare of all recorded bytes, or when it would delete every
// segment of a camera although some are within that camera's age limit.
// ApproveNextPass lets an administrator override the last two once.
//
// Safe for concurrent use: Run owns its loop; Pass, Emergency, Status and
// ApproveNextPass may be called from any goroutine. Passes never overlap.
type Retention struct {
	cfg       RetentionConfig
	emergency chan struct{}

	passMu sync.Mutex // serializes passes; guards clock, quarantine
	clock  nvr.RefClock
	bad    map[nvr.SegmentID]string // segments never touched again (bad path, link, missing file)

	mu       sync.Mutex // guards status, approved
	status   RetentionStatus
	approved bool

	afterPass func(RetentionStatus) // test seam: called after each pass, no lock held
}

// RetentionStore is what retention needs of the recording index;
// RecordingStore satisfies it. Implementations are safe for concurrent use.
type RetentionStore interface {
	// OldestSegments lists up to limit closed segments, oldest start first,
	// of one camera ("" for all).
	OldestSegments(ctx context.Context, cam nvr.CameraID, limit int) ([]nvr.Segment, error)
	// Usage sums recorded bytes per camera (closed and open segments).
	Usage(ctx context.Context) ([]nvr.RecordingUsage, error)
	// MarkSegmentDeleting is deletion's first step.
	MarkSegmentDeleting(ctx context.Context, id nvr.SegmentID) error
	// DeleteSegment removes the row once its file is unlinked.
	DeleteSegment(ctx context.Context, id nvr.SegmentID) error
	// SegmentsByState lists segments in a state (deleting: removed
	// cameras' footage, finished by each pass).
	SegmentsByState(ctx context.Context, st nvr.SegmentState) ([]nvr.Segment, error)
}

var _ RetentionStore = nvr.RecordingStore(nil)

// CameraRetention is one camera's retention settings. For each age, 0 keeps
// the configured default and a negative value means no age limit (the
// footage goes only when the disk budget or a quota needs the space).
type CameraRetention struct {
	CameraID   nvr.CameraID
	Continuous time.Duration // maximum age of continuous footage
	Events     time.Duration // maximum age of event footage
}

// RetentionSettings reads the cameras' retention overrides (the camera
// settings in the database). An error fails the pass: nothing is deleted
// while an override might be unknown. Cameras it does not list use the
// defaults. Implementations are safe for concurrent use.
type RetentionSettings interface {
	CameraRetention(ctx context.Context) ([]CameraRetention, error)
}

// RetentionSettingsFunc adapts a function to RetentionSettings.
type RetentionSettingsFunc func(ctx context.Context) ([]CameraRetention, error)

// CameraRetention implements RetentionSettings.
func (f RetentionSettingsFunc) CameraRetention(ctx context.Context) ([]CameraRetention, error) {
	return f(ctx)
}

// CamerasRetention reads the overrides from the cameras' stored settings
// (Camera.RetainContinuous and RetainEvents).
type CamerasRetention struct{ Cameras nvr.CameraLister }

// CameraRetention implements RetentionSettings.
func (c CamerasRetention) CameraRetention(ctx context.Context) ([]CameraRetention, error) {
	cams, err := c.Cameras.Cameras(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := make([]CameraRetention, 0, len(cams))
	for _, cam := range cams {
		out = append(out, CameraRetention{CameraID: cam.ID, Continuous: cam.RetainContinuous, Events: cam.RetainEvents})
	}
	return out, nil
}

// PinSource tells which footage people pinned (events and bookmarks marked
// "keep"). A segment that overlaps a pinned range is never deleted
// automatically. An error fails the pass: nothing is deleted while pins are
// unknown. Implementations are safe for concurrent use.
type PinSource interface {
	// PinnedRanges returns a camera's pinned wall-time ranges, in any order.
	PinnedRanges(ctx context.Context, cam nvr.CameraID) ([]nvr.TimeRange, error)
}

// NoPins is the PinSource of a system without pins.
type NoPins struct{}

// PinnedRanges implements PinSource: nothing is pinned.
func (NoPins) PinnedRanges(context.Context, nvr.CameraID) ([]nvr.TimeRange, error) { return nil, nil }

// Retention defaults (the ages are DefaultRetainContinuous and
// DefaultRetainEvents).
const (
	DefaultMinFreePercent = 5.0
	DefaultMinFreeBytes   = 2 << 30
	DefaultMaxShare       = 0.5
	// MinFreeFloor is the smallest free-space floor while any floor is on:
	// room for the database's reserve, its WAL and a segment being cut. A
	// volume under ten times this keeps a tenth of itself free instead.
	MinFreeFloor = 64 << 20
)

// RetentionConfig configures Retention. Store and Dir are required. For the
// numeric fields 0 means the default and a negative value turns the rule
// off.
type RetentionConfig struct {
	Store RetentionStore
	// Dir is the recordings directory; rows' paths are relative to it.
	Dir string
	// Settings reads per-camera overrides; nil: defaults for every camera.
	Settings RetentionSettings
	// Pins reads pinned footage; nil: nothing is pinned.
	Pins PinSource
	// Cameras lists the cameras that exist, so each pass finishes the
	// deletion of removed cameras' footage; nil: left to recovery at the
	// next start.
	Cameras nvr.CameraLister
	// ContinuousAge and EventAge are the default maximum ages (14 and 30
	// days; DefaultRetainContinuous, DefaultRetainEvents).
	ContinuousAge, EventAge time.Duration
	// MinFreePercent (5) of the recordings filesystem is kept free, but at
	// most MinFreeBytes (2 GiB) and at least MinFreeFloor, so the floor fits
	// a small volume (a fixed 2 GiB is more than a 1 GiB volume holds, and
	// every pass would then plan to delete everything and be refused) and
	// does not waste a large one. With the percentage off, MinFreeBytes
	// alone is the floor.
	MinFreePercent float64
	MinFreeBytes   int64
	// MaxBytes caps all recordings; 0 or negative: no cap.
	MaxBytes int64
	// HouseholdQuota caps a household's recordings, in bytes; households
	// not listed have no quota.
	HouseholdQuota map[nvr.HouseholdID]int64
	// NoFairShare turns off the households' fair share of the disk budget
	// (rule 3): the disk rule then deletes the oldest footage of any
	// camera.
	NoFairShare bool
	// MaxShare is the largest share of all recorded bytes one pass may
	// delete without approval (0.5); 1 or more disables the check.
	MaxShare float64
	// Interval between passes (1 minute).
	Interval time.Duration
	// VolumeOK verifies the recordings directory is the expected volume
	// (Volume.Verify); an error refuses the pass. nil: not checked.
	VolumeOK func() error
	// DiskSpace measures the filesystem holding dir; default statfs.
	DiskSpace func(dir string) (recordstore.DiskSpace, error)
	// Now is the wall clock; Elapsed a monotonic clock (any origin). They
	// default to time.Now and the monotonic time since New.
	Now     func() time.Time
	Elapsed func() time.Duration
	Log     *slog.Logger
}

// NewRetention returns a Retention; call Run to start it.
func NewRetention(cfg RetentionConfig) (*Retention, error) {
	if cfg.Store == nil || cfg.Dir == "" {
		return nil, nvr.Errorf("new retention", nvr.KindInvalid, "a store and a recordings directory are required")
	}
	if cfg.Pins == nil {
		cfg.Pins = NoPins{}
	}
	if cfg.ContinuousAge == 0 {
		cfg.ContinuousAge = nvr.DefaultRetainContinuous
	}
	if cfg.EventAge == 0 {
		cfg.EventAge = nvr.DefaultRetainEvents
	}
	if cfg.MinFreePercent == 0 {
		cfg.MinFreePercent = DefaultMinFreePercent
	}
	if cfg.MinFreeBytes == 0 {
		cfg.MinFreeBytes = DefaultMinFreeBytes
	}
	if cfg.MaxShare <= 0 {
		cfg.MaxShare = DefaultMaxShare
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.DiskSpace == nil {
		cfg.DiskSpace = recordstore.StatDisk
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Elapsed == nil {
		origin := time.Now()
		cfg.Elapsed = func() time.Duration { return time.Since(origin) } // monotonic
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Retention{
		cfg:       cfg,
		emergency: make(chan struct{}, 1),
		bad:       make(map[nvr.SegmentID]string),
	}, nil
}

// Run passes once at start, then every Interval and whenever Emergency is
// called, until ctx ends. Failed passes are logged and retried at the next
// tick.
func (r *Retention) Run(ctx context.Context) error {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	trigger := "start"
	for {
		if _, err := r.pass(ctx, trigger); err != nil && ctx.Err() == nil {
			r.cfg.Log.Warn("retention pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			trigger = "timer"
		case <-r.emergency:
			trigger = "emergency"
		}
	}
}

// Emergency asks Run for a pass now, e.g. after a write failed with
// ENOSPC. It never blocks; calls while a pass is pending coalesce.
func (r *Retention) Emergency() {
	select {
	case r.emergency <- struct{}{}:
	default:
	}
}

// ApproveNextPass lets the next pass exceed the share and whole-camera
// checks once, after an administrator reviewed why a pass was refused.
// The volume and disk checks are never overridden.
func (r *Retention) ApproveNextPass() {
	r.mu.Lock()
	r.approved = true
	r.mu.Unlock()
}

// Pass runs one pass now (admin "clean up now", hearth check) and returns
// its status. A refused pass is not an error; a store, settings or pins
// failure is.
func (r *Retention) Pass(ctx context.Context) (RetentionStatus, error) {
	_, err := r.pass(ctx, "manual")
	return r.Status(), err
}

// refusal marks a pass stopped by a safety check; its text is the reason.
type refusal struct{ reason string }

func (e *refusal) Error() string { return "retention refused: " + e.reason }

func refusef(format string, args ...any) error {
	return &refusal{reason: fmt.Sprintf(format, args...)}
}

// pass runs one pass and records its status.
func (r *Retention) pass(ctx context.Context, trigger string) (RetentionStatus, error) {
	r.passMu.Lock()
	defer r.passMu.Unlock()
	wall := r.cfg.Now()
	startMono := r.cfg.Elapsed()
	ref, clockNote := r.clock.Observe(wall, startMono)

	r.mu.Lock()
	prev := r.status
	approved := r.approved
	r.approved = false // an approval is for the next pass only
	r.mu.Unlock()
	if clockNote != "" && prev.ClockLag == 0 {
		r.cfg.Log.Warn("retention: "+clockNote, "wall", wall, "reference", ref)
	}

	st := RetentionStatus{
		LastPass:             wall,
		Trigger:              trigger,
		TotalFreedBytes:      prev.TotalFreedBytes,
		TotalDeletedSegments: prev.TotalDeletedSegments,
		Reference:            ref,
		ClockLag:             wall.Sub(ref),
		MaxBytes:             max(r.cfg.MaxBytes, 0),
	}
	if clockNote != "" {
		st.Problems = append(st.Problems, clockNote)
	}
	err := r.runPass(ctx, ref, approved, &st)
	var ref2 *refusal
	switch {
	case errors.As(err, &ref2):
		st.Refused = ref2.reason
		if prev.Refused != ref2.reason {
			r.cfg.Log.Error("retention pass refused; nothing deleted", "reason", ref2.reason)
		}
		err = nil
	case err != nil:
		st.Refused = "pass failed: " + err.Error()
	}
	if st.DeletedSegments > 0 {
		r.cfg.Log.Info("retention pass", "deleted", st.DeletedSegments, "freed_bytes", st.FreedBytes,
			"trigger", trigger)
	}
	st.TotalFreedBytes += st.FreedBytes
	st.TotalDeletedSegments += st.DeletedSegments
	st.LastPassDuration = r.cfg.Elapsed() - startMono
	if len(st.Problems) > maxProblems {
		st.Problems = append(st.Problems[:maxProblems-1], fmt.Sprintf("… and %d more", len(st.Problems)-maxProblems+1))
	}
	r.mu.Lock()
	r.status = st
	r.mu.Unlock()
	if r.afterPass != nil {
		r.afterPass(st)
	}
	if err != nil {
		return st, nvr.Wrap("retention pass", err)
	}
	return st, nil
}

const maxProblems = 20

// runPass checks the volume, plans, checks the plan and executes it,
// filling st.
func (r *Retention) runPass(ctx context.Context, ref time.Time, approved bool, st *RetentionStatus) error {
	if r.cfg.VolumeOK != nil {
		if err := r.cfg.VolumeOK(); err != nil {
			return refusef("recordings volume not verified: %v", err)
		}
	}
	usage, err := r.cfg.Store.Usage(ctx)
	if err != nil {
		return fmt.Errorf("read usage: %w", err)
	}
	limits, err := r.limits(ctx)
	if err != nil {
		return err
	}
	disk, err := r.cfg.DiskSpace(r.cfg.Dir)
	if err != nil {
		return refusef("measure the recordings filesystem: %v", err)
	}
	st.DiskTotalBytes, st.DiskFreeBytes = disk.TotalBytes, disk.FreeBytes
	st.MinFreeBytes = r.minFree(disk)
	r.describe(st, usage, limits, ref)
	if err := r.finishRemovedCameras(ctx, ref, st); err != nil {
		return err
	}
	if disk.UsedBytes < st.UsedBytes/2 {
		return refusef("the recordings filesystem holds %d bytes but the index records %d: "+
			"disk empty, replaced or remounted?", disk.UsedBytes, st.UsedBytes)
	}

	p := newPlanner(r, ref, usage, limits)
	p.share = r.fairShare(usage, st.UsedBytes, disk, st.MinFreeBytes)
	for i := range st.Households {
		st.Households[i].ShareBytes = p.share
	}
	if err := p.plan(ctx, disk, st.MinFreeBytes); err != nil {
		return err
	}
	st.Problems = append(st.Problems, p.problems...)
	if reason := p.implausible(r.cfg.MaxShare); reason != "" {
		if !approved {
			return refusef("%s; clock or disk problem? approve the pass on the admin page to proceed", reason)
		}
		r.cfg.Log.Warn("retention pass approved by an administrator", "reason", reason)
	}
	return r.execute(ctx, p.sorted(), st)
}

// limits reads the per-camera overrides and resolves them over the defaults.
func (r *Retention) limits(ctx context.Context) (map[nvr.CameraID]CameraRetention, error) {
	out := make(map[nvr.CameraID]CameraRetention)
	if r.cfg.Settings == nil {
		return out, nil
	}
	list, err := r.cfg.Settings.CameraRetention(ctx)
	if err != nil {
		return nil, fmt.Errorf("read camera retention settings: %w", err)
	}
	for _, c := range list {
		out[c.CameraID] = c
	}
	return out, nil
}

// ages returns a camera's effective continuous and event ages; negative
// means no limit.
func (r *Retention) ages(limits map[nvr.CameraID]CameraRetention, cam nvr.CameraID) (cont, ev time.Duration) {
	cont, ev = r.cfg.ContinuousAge, r.cfg.EventAge
	if c, ok := limits[cam]; ok {
		if c.Continuous != 0 {
			cont = c.Continuous
		}
		if c.Events != 0 {
			ev = c.Events
		}
	}
	return cont, ev
}

// fairShare is each household's share of the disk budget when more than one
// household has footage, else 0 (no share). The budget is what recordings
// may occupy: what they hold plus the free space above the floor, at most
// MaxBytes.
func (r *Retention) fairShare(usage []nvr.RecordingUsage, recorded int64, disk recordstore.DiskSpace, minFree int64) int64 {
	if r.cfg.NoFairShare {
		return 0
	}
	homes := make(map[nvr.HouseholdID]bool)
	for _, u := range usage {
		if u.Bytes > 0 {
			homes[u.HouseholdID] = true
		}
	}
	if len(homes) < 2 {
		return 0
	}
	budget := recorded + disk.FreeBytes - minFree
	if r.cfg.MaxBytes > 0 {
		budget = min(budget, r.cfg.MaxBytes)
	}
	return max(budget/int64(len(homes)), 1)
}

// minFree is the free-space target of a volume; see freeFloor.
func (r *Retention) minFree(d recordstore.DiskSpace) int64 {
	return freeFloor(d.TotalBytes, r.cfg.MinFreePercent, r.cfg.MinFreeBytes)
}

// freeFloor is the free-space floor of a volume of total bytes: percent of
// it, capped at capBytes, raised to MinFreeFloor (a tenth of the volume when
// that is smaller). With the percentage off, capBytes alone; with both off
// (<= 0), none. The floor scales with the volume because a fixed one either
// exceeds a small disk or wastes a large one.
func freeFloor(total int64, percent float64, capBytes int64) int64 {
	var n int64
	switch {
	case percent > 0:
		n = int64(float64(total) * percent / 100)
		if capBytes > 0 {
			n = min(n, capBytes)
		}
	case capBytes > 0:
		n = capBytes
	default:
		return 0
	}
	return max(n, min(MinFreeFloor, total/10))
}
