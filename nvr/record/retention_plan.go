package record

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
)

// planner decides one pass's deletions from the index. It reads each
// camera's closed segments oldest first, only as far as the rules need,
// and deletes nothing itself.
type planner struct {
	r      *Retention
	ref    time.Time
	limits map[nvr.CameraID]CameraRetention
	cams   []*camCursor // by camera ID, for a deterministic plan
	taken  map[nvr.SegmentID]bool

	del       []plannedSegment
	bytes     int64
	household map[nvr.HouseholdID]int64 // planned bytes per household
	share     int64                     // each household's fair share of the disk budget; 0: none
	problems  []string
}

// plannedSegment is one deletion and the rule that chose it.
type plannedSegment struct {
	seg  nvr.Segment
	rule string // "age", "quota", "share", "disk"
}

// camCursor walks one camera's closed segments, oldest first, fetching
// more from the store as the rules go further.
type camCursor struct {
	usage     nvr.RecordingUsage
	cont, ev  time.Duration // effective ages; negative: none
	segs      []nvr.Segment
	limit     int
	complete  bool // segs holds every closed segment
	pos       int  // the merge has passed everything before pos
	pins      []nvr.TimeRange
	pinsRead  bool
	planned   int  // segments planned
	unexpired bool // a planned segment is within its age limit
}

// firstFetch is how many segments a camera's first read asks for; each
// further read doubles it.
const firstFetch = 64

func newPlanner(r *Retention, ref time.Time, usage []nvr.RecordingUsage, limits map[nvr.CameraID]CameraRetention) *planner {
	p := &planner{r: r, ref: ref, limits: limits, taken: make(map[nvr.SegmentID]bool),
		household: make(map[nvr.HouseholdID]int64)}
	for _, u := range usage {
		c := &camCursor{usage: u}
		c.cont, c.ev = r.ages(limits, u.CameraID)
		p.cams = append(p.cams, c)
	}
	slices.SortFunc(p.cams, func(a, b *camCursor) int { return cmp.Compare(a.usage.CameraID, b.usage.CameraID) })
	return p
}

// plan applies the rules in order: age, household quota, disk budget.
func (p *planner) plan(ctx context.Context, disk recordstore.DiskSpace, minFree int64) error {
	for _, c := range p.cams {
		if err := p.byAge(ctx, c); err != nil {
			return err
		}
	}
	quotas := make([]nvr.HouseholdID, 0, len(p.r.cfg.HouseholdQuota))
	for h, q := range p.r.cfg.HouseholdQuota {
		if q > 0 {
			quotas = append(quotas, h)
		}
	}
	slices.Sort(quotas)
	for _, h := range quotas {
		if err := p.byQuota(ctx, h, p.r.cfg.HouseholdQuota[h]); err != nil {
			return err
		}
	}
	return p.byDisk(ctx, disk, minFree)
}

// byAge plans a camera's footage past its age limits. Segments are read
// while they start before the younger limit; event footage between the
// two limits stays for the rules below.
func (p *planner) byAge(ctx context.Context, c *camCursor) error {
	youngest := time.Duration(-1)
	for _, a := range []time.Duration{c.cont, c.ev} {
		if a >= 0 && (youngest < 0 || a < youngest) {
			youngest = a
		}
	}
	if youngest < 0 {
		return nil
	}
	scanTo := p.ref.Add(-youngest)
	for i := 0; ; i++ {
		s, ok, err := p.seg(ctx, c, i)
		if err != nil || !ok {
			return err
		}
		if s.Start.After(scanTo) {
			return nil
		}
		if !p.expired(c, s) {
			continue
		}
		ok, err = p.eligible(ctx, c, s)
		if err != nil {
			return err
		}
		if ok {
			p.take(c, s, "age")
		}
	}
}

// byQuota plans a household's oldest footage until it is under quota.
func (p *planner) byQuota(ctx context.Context, h nvr.HouseholdID, quota int64) error {
	var used int64
	for _, c := range p.cams {
		if c.usage.HouseholdID == h {
			used += c.usage.Bytes
		}
	}
	used -= p.household[h]
	for used > quota {
		c, s, err := p.oldest(ctx, func(c *camCursor) bool { return c.usage.HouseholdID == h })
		if err != nil {
			return err
		}
		if c == nil {
			p.problems = append(p.problems, fmt.Sprintf("household %d stays %d bytes over its quota: the rest is pinned or still recording",
				h, used-quota))
			return nil
		}
		p.take(c, s, "quota")
		used -= s.Bytes
	}
	return nil
}

// byDisk plans deletions until the free-space target and the byte cap are
// met: first the oldest footage of households over their fair share, then
// the oldest footage of any camera.
func (p *planner) byDisk(ctx context.Context, disk recordstore.DiskSpace, minFree int64) error {
	var total int64
	for _, c := range p.cams {
		total += c.usage.Bytes
	}
	capBytes := p.r.cfg.MaxBytes
	short := func() bool {
		return disk.FreeBytes+p.bytes < minFree || (capBytes > 0 && total-p.bytes > capBytes)
	}
	if p.share > 0 {
		// Households over their fair share give up their oldest footage
		// first, each only down to its share.
		used := make(map[nvr.HouseholdID]int64)
		for _, c := range p.cams {
			used[c.usage.HouseholdID] += c.usage.Bytes
		}
		over := func(c *camCursor) bool {
			h := c.usage.HouseholdID
			return used[h]-p.household[h] > p.share
		}
		for short() {
			c, s, err := p.oldest(ctx, over)
			if err != nil {
				return err
			}
			if c == nil {
				break
			}
			p.take(c, s, "share")
		}
	}
	for short() {
		c, s, err := p.oldest(ctx, func(*camCursor) bool { return true })
		if err != nil {
			return err
		}
		if c == nil {
			p.problems = append(p.problems, "the free-space target or byte cap cannot be met: the rest is pinned or still recording")
			return nil
		}
		p.take(c, s, "disk")
	}
	return nil
}

// implausible returns why the plan looks like a clock or disk error, or "".
func (p *planner) implausible(maxShare float64) string {
	var total int64
	for _, c := range p.cams {
		total += c.usage.Bytes
	}
	if maxShare < 1 && p.bytes > 0 && float64(p.bytes) > maxShare*float64(total) {
		return fmt.Sprintf("the pass would delete %d of %d recorded bytes (%.0f %%), more than the %.0f %% one pass may",
			p.bytes, total, 100*float64(p.bytes)/float64(max(total, 1)), 100*maxShare)
	}
	for _, c := range p.cams {
		if c.unexpired && c.planned >= c.usage.Segments {
			return fmt.Sprintf("the pass would delete every segment of camera %s, some within its age limit", c.usage.CameraID)
		}
	}
	return ""
}

// sorted returns the plan oldest first: the order of deletion, so an
// interrupted pass has removed the oldest footage.
func (p *planner) sorted() []plannedSegment {
	out := slices.Clone(p.del)
	slices.SortFunc(out, func(a, b plannedSegment) int {
		if c := a.seg.Start.Compare(b.seg.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.seg.ID, b.seg.ID)
	})
	return out
}

func (p *planner) take(c *camCursor, s nvr.Segment, rule string) {
	p.taken[s.ID] = true
	p.del = append(p.del, plannedSegment{seg: s, rule: rule})
	p.bytes += s.Bytes
	p.household[c.usage.HouseholdID] += s.Bytes
	c.planned++
	if !p.expired(c, s) {
		c.unexpired = true
	}
}

// expired reports whether a segment is past its camera's age limit for its
// kind, by its index end time against the reference.
func (p *planner) expired(c *camCursor, s nvr.Segment) bool {
	age := c.cont
	if s.Event {
		age = c.ev
	}
	if age < 0 {
		return false
	}
	end := s.End
	if end.Before(s.Start) {
		end = s.Start
	}
	return !end.After(p.ref.Add(-age))
}

// eligible reports whether a segment may be deleted: not yet planned, not
// set aside earlier, its path well formed, not pinned.
func (p *planner) eligible(ctx context.Context, c *camCursor, s nvr.Segment) (bool, error) {
	if p.taken[s.ID] {
		return false, nil
	}
	if _, bad := p.r.bad[s.ID]; bad {
		return false, nil
	}
	if reason := recordstore.SegmentPathProblem(s); reason != "" {
		p.r.setAside(s, reason)
		p.problems = append(p.problems, fmt.Sprintf("segment %d skipped: %s", s.ID, reason))
		return false, nil
	}
	if !c.pinsRead {
		pins, err := p.r.cfg.Pins.PinnedRanges(ctx, c.usage.CameraID)
		if err != nil {
			return false, fmt.Errorf("read pins of camera %s: %w", c.usage.CameraID, err)
		}
		c.pins, c.pinsRead = pins, true
	}
	for _, pin := range c.pins {
		if overlaps(pin, s) {
			return false, nil
		}
	}
	return true, nil
}

// overlaps reports whether a pinned range touches a segment; an empty
// segment counts as the instant of its start.
func overlaps(pin nvr.TimeRange, s nvr.Segment) bool {
	if !s.End.After(s.Start) {
		return !s.Start.Before(pin.Start) && s.Start.Before(pin.End)
	}
	return pin.Start.Before(s.End) && s.Start.Before(pin.End)
}

// oldest returns the oldest eligible segment among the cameras that match,
// or a nil cursor when none is left.
func (p *planner) oldest(ctx context.Context, match func(*camCursor) bool) (*camCursor, nvr.Segment, error) {
	var best *camCursor
	var bestSeg nvr.Segment
	for _, c := range p.cams {
		if !match(c) {
			continue
		}
		s, ok, err := p.head(ctx, c)
		if err != nil {
			return nil, nvr.Segment{}, err
		}
		if ok && (best == nil || s.Start.Before(bestSeg.Start) || (s.Start.Equal(bestSeg.Start) && s.ID < bestSeg.ID)) {
			best, bestSeg = c, s
		}
	}
	return best, bestSeg, nil
}

// head returns a camera's oldest eligible segment, moving its position past
// the ineligible ones.
func (p *planner) head(ctx context.Context, c *camCursor) (nvr.Segment, bool, error) {
	for {
		s, ok, err := p.seg(ctx, c, c.pos)
		if err != nil || !ok {
			return nvr.Segment{}, false, err
		}
		ok, err = p.eligible(ctx, c, s)
		if err != nil || ok {
			return s, ok, err
		}
		c.pos++
	}
}

// seg returns a camera's i-th oldest closed segment, reading more from the
// store when needed.
func (p *planner) seg(ctx context.Context, c *camCursor, i int) (nvr.Segment, bool, error) {
	for i >= len(c.segs) && !c.complete {
		c.limit = max(firstFetch, 2*c.limit)
		segs, err := p.r.cfg.Store.OldestSegments(ctx, c.usage.CameraID, c.limit)
		if err != nil {
			return nvr.Segment{}, false, fmt.Errorf("list segments of camera %s: %w", c.usage.CameraID, err)
		}
		// The store may list other states or cameras by mistake; only
		// this camera's closed segments are candidates.
		c.segs = slices.DeleteFunc(segs, func(s nvr.Segment) bool {
			return s.State != nvr.SegmentClosed || s.CameraID != c.usage.CameraID
		})
		c.complete = len(segs) < c.limit
	}
	if i >= len(c.segs) {
		return nvr.Segment{}, false, nil
	}
	return c.segs[i], true, nil
}
