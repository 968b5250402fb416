package offsite

import (
	"context"
	"path/filepath"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// catchUp queues the indexed footage of the last CatchUp of every camera
// whose household has a target, marked to look on the target before
// sending. It takes at most half of each household's MaxSegments, so live
// footage is never dropped for old.
func (c *Copier) catchUp(ctx context.Context) {
	now := c.cfg.Now()
	queued, _ := c.queueIndexed(ctx, 0, now.Add(-c.cfg.CatchUp), now)
	if queued > 0 {
		c.cfg.Log.Info("off-site catch-up: segments to check against the targets", "segments", queued)
	}
}

// recoverDropped queues again, from the index, what households lost to a
// full queue (a target away for hours while recording went on), once the
// queue has room and the household's target is not being waited for:
// the footage of a long outage is copied when the target is back, not
// only the last CatchUp that a restart's catch-up covers. It returns the
// segments queued.
func (c *Copier) recoverDropped(ctx context.Context) (queuedAll int) {
	if c.cfg.Index == nil {
		return 0
	}
	now := c.cfg.Now()
	type behind struct {
		h     nvr.HouseholdID
		since time.Time
	}
	var todo []behind
	c.mu.Lock()
	for id, h := range c.homes {
		if !h.behindSince.IsZero() && !now.Before(h.nextTry) && h.queued <= c.cfg.MaxSegments/4 {
			todo = append(todo, behind{id, h.behindSince})
		}
	}
	c.mu.Unlock()
	for _, b := range todo {
		queued, resume := c.queueIndexed(ctx, b.h, b.since, now)
		if ctx.Err() != nil {
			return queuedAll
		}
		queuedAll += queued
		c.mu.Lock()
		h := c.home(b.h)
		h.behindSince = resume
		if resume.IsZero() {
			h.Dropped = 0 // all of it is queued again
		}
		c.mu.Unlock()
		if queued > 0 {
			c.cfg.Log.Info("off-site copy: segments the full queue dropped, queued again", "household", b.h, "segments", queued)
		}
	}
	return queuedAll
}

// queueIndexed queues the indexed main-stream segments of household h's
// cameras (0: every household with a target) that overlap [from, to),
// marked to look on the target before sending, while each household's
// share of the queue is under half full. resume is the start of the
// earliest segment left out for want of room (zero when none was).
func (c *Copier) queueIndexed(ctx context.Context, h nvr.HouseholdID, from, to time.Time) (queued int, resume time.Time) {
	cams, err := c.cfg.Index.Cameras(ctx, h)
	if err != nil {
		if ctx.Err() == nil {
			c.cfg.Log.Warn("off-site catch-up: read cameras", "err", err)
		}
		return 0, from // try again later from the same point
	}
	for _, cam := range cams {
		if ctx.Err() != nil {
			return queued, from
		}
		if cam.HouseholdID == 0 {
			continue
		}
		if _, err := c.cfg.Targets.OffsiteTarget(ctx, cam.HouseholdID); err != nil {
			continue // no target (or none readable now): nothing to catch up
		}
		segs, err := c.cfg.Index.SegmentsBetween(ctx, cam.ID, "main", from, to)
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
			switch {
			case c.pending[s.ID] != nil:
			case c.home(cam.HouseholdID).queued < c.cfg.MaxSegments/2: // half its share at most: live notices always find room
				c.enqueue(&pendingSeg{resume: true, n: nvr.DurableFragments{
					Household: cam.HouseholdID, Segment: s, File: filepath.Join(c.cfg.RecordingsDir, filepath.FromSlash(s.Path)),
					Fragments: frags, Closed: s.State == nvr.SegmentClosed, PreRoll: cam.PreRoll, PostRoll: cam.PostRoll}})
				queued++
			case resume.IsZero() || s.Start.Before(resume):
				resume = s.Start
			}
			c.mu.Unlock()
		}
	}
	return queued, resume
}
