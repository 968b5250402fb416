package view

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/segment"
)

// ErrNoPlayableFootage is inside OpenClip's error when the index named
// footage but none of it could be read (missing, torn or corrupt files);
// the cause is wrapped too, for the log. It answers as not found.
var ErrNoPlayableFootage = errors.New("no playable footage")

// Clip is an MP4 of recorded footage assembled on the fly from segment
// files without re-encoding. Its size is known up front, so a reader
// serves Range and If-Range. Close it when done.
type Clip struct {
	// Tag identifies the exact bytes (segments, fragments), for ETags.
	Tag string
	// Skipped lists the footage left out (damaged files or fragments),
	// for the log.
	Skipped []error
	clip    *segment.Clip
}

// Reader returns a new reader over the whole clip.
func (c *Clip) Reader() io.ReadSeeker { return c.clip.NewReader() }

// Close releases the clip's files.
func (c *Clip) Close() error { return c.clip.Close() }

// OpenClip plans the granted camera's clip of r (PlanClip: from the
// keyframe at or before r.Start) and opens it. KindNotFound when nothing
// is recorded in r or nothing recorded can be played (then the error
// wraps ErrNoPlayableFootage and the cause).
func (p *Playback) OpenClip(ctx context.Context, g nvr.CameraGrant, r nvr.TimeRange) (*Clip, error) {
	plan, err := p.PlanClip(ctx, g, r)
	if err != nil {
		return nil, err
	}
	c, err := segment.OpenClip(plan.Sources, segment.ClipOptions{End: plan.End})
	if err != nil {
		return nil, &nvr.Error{Op: "clip", Kind: nvr.KindNotFound, Msg: "no playable footage in that range",
			Err: fmt.Errorf("%w: %w", ErrNoPlayableFootage, err)}
	}
	return &Clip{Tag: plan.Tag, Skipped: c.Skipped, clip: c}, nil
}
