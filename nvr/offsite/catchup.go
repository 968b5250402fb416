package offsite

import (
	"context"
	"path/filepath"

	"github.com/hearthnvr/hearth/nvr"
)

// catchUp queues the indexed footage of the last CatchUp of every camera
// whose household has a target, marked to look on the target before
// sending. It takes at most half of MaxSegments, so live footage is never
// dropped for old.
func (c *Copier) catchUp(ctx context.Context) {
	cams, err := c.cfg.Index.Cameras(ctx, 0)
	if err != nil {
		if ctx.Err() == nil {
			c.cfg.Log.Warn("off-site catch-up: read cameras", "err", err)
		}
		return
	}
	now := c.cfg.Now()
	queued := 0
	for _, cam := range cams {
		if ctx.Err() != nil {
			return
		}
		if cam.HouseholdID == 0 {
			continue
		}
		if _, err := c.cfg.Targets.OffsiteTarget(ctx, cam.HouseholdID); err != nil {
			continue // no target (or none readable now): nothing to catch up
		}
		segs, err := c.cfg.Index.SegmentsBetween(ctx, cam.ID, "main", now.Add(-c.cfg.CatchUp), now)
		if err != nil {
			c.cfg.Log.Warn("off-site catch-up: read segments", "camera", cam.ID, "err", err)
			continue
		}
		for _, s := range segs {
			if s.State == nvr.SegmentDeleting {
				continue
			}
			frags, err := c.cfg.Index.Fragments(ctx, s.ID)
			if err != nil || len(frags) == 0 {
				continue
			}
			c.mu.Lock()
			// Half the table at most: live notices always find room.
			if c.pending[s.ID] == nil && len(c.pending) < c.cfg.MaxSegments/2 {
				c.arrived++
				c.pending[s.ID] = &pendingSeg{arrived: c.arrived, resume: true, n: nvr.DurableFragments{
					Household: cam.HouseholdID, Segment: s, File: filepath.Join(c.cfg.RecordingsDir, filepath.FromSlash(s.Path)),
					Fragments: frags, Closed: s.State == nvr.SegmentClosed, PreRoll: cam.PreRoll, PostRoll: cam.PostRoll}}
				queued++
			}
			c.mu.Unlock()
		}
	}
	if queued > 0 {
		c.cfg.Log.Info("off-site catch-up: segments to check against the targets", "segments", queued)
	}
}
