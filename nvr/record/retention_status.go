package record

import (
	"cmp"
	"slices"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// RetentionStatus is what the admin page shows about retention.
type RetentionStatus struct {
	LastPass         time.Time // wall time the last pass started; zero before the first
	LastPassDuration time.Duration
	Trigger          string // "start", "timer", "emergency" or "manual"
	// Refused says why the last pass stopped: a safety check refused its
	// plan (nothing was deleted) or a store, settings, pins or unlink
	// failure ended it early ("pass failed: …"). "" when it completed.
	Refused string
	// Problems lists conditions an administrator should know about
	// (skipped segments, unmet targets), at most 20.
	Problems []string

	// FreedBytes and DeletedSegments count the last pass; the totals
	// count every pass since start.
	FreedBytes           int64
	DeletedSegments      int
	TotalFreedBytes      int64
	TotalDeletedSegments int

	UsedBytes      int64 // recorded bytes according to the index
	DiskTotalBytes int64 // size of the recordings filesystem
	DiskFreeBytes  int64 // available on it
	MinFreeBytes   int64 // the free-space target
	MaxBytes       int64 // the byte cap, 0 for none

	// Reference is the time age limits were measured from; ClockLag is the
	// wall clock minus Reference (positive after a forward clock step,
	// shrinking as the reference catches up).
	Reference time.Time
	ClockLag  time.Duration

	Cameras    []CameraRetentionStatus // by camera ID
	Households []HouseholdRetentionStatus
}

// CameraRetentionStatus is one camera's footage as retention sees it.
type CameraRetentionStatus struct {
	CameraID      nvr.CameraID
	HouseholdID   nvr.HouseholdID
	Bytes         int64
	Segments      int
	Oldest        time.Time     // start of the oldest segment
	RetainedDays  float64       // Reference − Oldest: how far back footage reaches
	ContinuousAge time.Duration // effective limits; negative: none
	EventAge      time.Duration
}

// HouseholdRetentionStatus is one household's recorded bytes and quota.
type HouseholdRetentionStatus struct {
	HouseholdID nvr.HouseholdID
	Bytes       int64
	QuotaBytes  int64 // 0: none
	// ShareBytes is its fair share of the disk budget at the last pass
	// (the same for every household); 0 while only one has footage.
	ShareBytes int64
}

// Status returns a copy of the last pass's status.
func (r *Retention) Status() RetentionStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.status
	st.Problems = append([]string(nil), st.Problems...)
	st.Cameras = append([]CameraRetentionStatus(nil), st.Cameras...)
	st.Households = append([]HouseholdRetentionStatus(nil), st.Households...)
	return st
}

// describe fills the usage part of the status.
func (r *Retention) describe(st *RetentionStatus, usage []nvr.RecordingUsage, limits map[nvr.CameraID]CameraRetention, ref time.Time) {
	hh := make(map[nvr.HouseholdID]int64)
	for _, u := range usage {
		st.UsedBytes += u.Bytes
		hh[u.HouseholdID] += u.Bytes
		cont, ev := r.ages(limits, u.CameraID)
		cs := CameraRetentionStatus{CameraID: u.CameraID, HouseholdID: u.HouseholdID, Bytes: u.Bytes,
			Segments: u.Segments, Oldest: u.Oldest, ContinuousAge: cont, EventAge: ev}
		if !u.Oldest.IsZero() && ref.After(u.Oldest) {
			cs.RetainedDays = ref.Sub(u.Oldest).Hours() / 24
		}
		st.Cameras = append(st.Cameras, cs)
	}
	for h, q := range r.cfg.HouseholdQuota {
		if _, ok := hh[h]; !ok && q > 0 {
			hh[h] = 0
		}
	}
	for h, b := range hh {
		st.Households = append(st.Households, HouseholdRetentionStatus{HouseholdID: h, Bytes: b,
			QuotaBytes: max(r.cfg.HouseholdQuota[h], 0)})
	}
	slices.SortFunc(st.Cameras, func(a, b CameraRetentionStatus) int { return cmp.Compare(a.CameraID, b.CameraID) })
	slices.SortFunc(st.Households, func(a, b HouseholdRetentionStatus) int { return cmp.Compare(a.HouseholdID, b.HouseholdID) })
}

// HouseholdFitDays estimates how many days of household h's footage the
// space it may fill holds at the rate it has recorded so far: the disk
// budget (recorded bytes plus the free space above the floor, at most the
// byte cap), or less, its fair share or its quota. ok is false while it
// has recorded less than an hour (too little to tell a rate from) or
// nothing is known of the disk yet.
func (st RetentionStatus) HouseholdFitDays(h nvr.HouseholdID) (days float64, ok bool) {
	var kept float64
	for _, c := range st.Cameras {
		if c.HouseholdID == h {
			kept = max(kept, c.RetainedDays)
		}
	}
	var hs HouseholdRetentionStatus
	for _, x := range st.Households {
		if x.HouseholdID == h {
			hs = x
		}
	}
	if kept < 1.0/24 || hs.Bytes <= 0 || st.DiskTotalBytes <= 0 {
		return 0, false
	}
	usable := st.UsedBytes + st.DiskFreeBytes - st.MinFreeBytes
	if st.MaxBytes > 0 {
		usable = min(usable, st.MaxBytes)
	}
	if hs.ShareBytes > 0 {
		usable = min(usable, hs.ShareBytes)
	}
	if hs.QuotaBytes > 0 {
		usable = min(usable, hs.QuotaBytes)
	}
	if usable <= 0 {
		return 0, true
	}
	return kept * float64(usable) / float64(hs.Bytes), true
}
