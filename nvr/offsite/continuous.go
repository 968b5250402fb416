package offsite

import (
	"context"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// parkFor is how long a continuous segment without event footage waits
// before it is looked at again; eventGrace is how long after its end plus
// the pre-roll it may still be claimed by an event being recorded.
const (
	parkFor    = 2 * time.Second
	eventGrace = 30 * time.Second
)

// holdsEvent decides whether continuous segment p holds event footage: an
// event overlapping it once widened by the camera's pre- and post-roll.
// Without one it is parked and looked at again, until no event can claim
// it any more (closed, and past its end plus the pre-roll and a grace),
// then forgotten.
func (c *Copier) holdsEvent(ctx context.Context, p *pendingSeg) bool {
	id := p.n.Segment.ID
	if c.cfg.Events == nil {
		c.forget(id)
		return false
	}
	last := p.n.Fragments[len(p.n.Fragments)-1]
	from, to := p.n.Segment.Start.Add(-p.n.PostRoll), last.End().Add(p.n.PreRoll)
	evs, err := c.cfg.Events.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: p.n.Segment.CameraID}},
		Start: from, End: to, Limit: 1})
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.pending[id]
	if q == nil {
		return false
	}
	switch {
	case err == nil && len(evs) > 0:
		q.eventFootage, q.parkedUntil = true, time.Time{}
		return true
	case err == nil && q.n.Closed && now.After(to.Add(eventGrace)):
		c.unqueue(id)
	default:
		if err != nil && ctx.Err() == nil {
			c.cfg.Log.Warn("off-site: read events", "camera", p.n.Segment.CameraID, "err", err)
		}
		q.parkedUntil = now.Add(parkFor)
	}
	return false
}
