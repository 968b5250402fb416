package view

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/replay"
	"github.com/hearthnvr/hearth/streams/segment"
)

// Replay planning bounds.
const (
	// replayWindow is the footage planned at once; the reader plans again
	// from the end of it.
	replayWindow = 10 * time.Minute
	// replayHorizon is how far ahead the next recording is looked for
	// across a gap; past it playback ends.
	replayHorizon = 7 * 24 * time.Hour
)

// ReplayOptions refine OpenReplay. Zero values take the defaults.
type ReplayOptions struct {
	Clock replay.Clock // pacing clock (default: the wall clock)
	Log   *slog.Logger
}

// OpenReplay opens the granted camera's recorded main stream for paced
// playback from the keyframe at or before start (or, when start falls in a
// gap, from the next recording after it). Every plan the reader makes,
// including those of its Seek calls, goes through the same grant and the
// same clamp to the household's own footage, so a seek can reach neither
// another camera nor what the camera recorded before it joined the
// household. The unit's camera ID is the grant's. KindNotFound when nothing
// is recorded at or after start. The caller closes the reader.
func (p *Playback) OpenReplay(ctx context.Context, g nvr.CameraGrant, start time.Time, opts ReplayOptions) (*replay.Reader, error) {
	const op = "open replay"
	if err := g.Require(nvr.ActionViewRecordings); err != nil {
		return nil, err
	}
	r, err := replay.Open(ctx, p.replayPlanner(g), start, replay.Options{
		CameraID: string(g.CameraID()), Stream: "main", Clock: opts.Clock, Log: opts.Log,
	})
	if errors.Is(err, replay.ErrNoFootage) {
		return nil, nvr.Errorf(op, nvr.KindNotFound, "nothing recorded at or after that time")
	}
	if err != nil {
		return nil, nvr.Wrap(op, err)
	}
	return r, nil
}

// replayPlanner finds the granted camera's footage for a replay reader:
// the next recorded range at or after at (gaps skipped), then the fragments
// from the keyframe at or before its start for replayWindow.
func (p *Playback) replayPlanner(g nvr.CameraGrant) replay.Planner {
	return func(ctx context.Context, at time.Time) ([]segment.ClipSource, error) {
		rs, err := p.Ranges(ctx, g, nvr.TimeRange{Start: at, End: at.Add(replayHorizon)})
		if err != nil {
			return nil, err
		}
		var from time.Time
		for _, r := range rs {
			if r.End.After(at) {
				from = r.Start
				break
			}
		}
		if from.IsZero() {
			return nil, nil
		}
		if from.Before(at) {
			from = at
		}
		plan, err := p.PlanClip(ctx, g, nvr.TimeRange{Start: from, End: from.Add(replayWindow)})
		if err != nil && nvr.ErrorKind(err) == nvr.KindNotFound {
			return nil, nil // nothing in the window (e.g. all before the camera joined)
		}
		if err != nil {
			return nil, err
		}
		return plan.Sources, nil
	}
}
