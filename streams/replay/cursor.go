package replay

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
)

// maxReplans bounds the plans tried in one fill when plans keep yielding
// nothing new (each one is a store query).
const maxReplans = 3

// pending is a decoded unit waiting to be returned.
type pending struct {
	track   int   // index into info.Tracks: 0 is the video
	foot    int64 // footage time (gapless), 90 kHz
	cto     int64
	wall    time.Time
	key     bool
	nalus   [][]byte
	payload []byte // audio: one frame
	info    *media.StreamInfo
}

// cursor walks the planned fragments and decodes them one at a time. Only
// the goroutine holding Reader.nextMu uses it.
type cursor struct {
	srcs      []segment.ClipSource // sources not yet opened
	file      *segFile
	frag      int // next fragment of file
	units     []pending
	at        int
	needKey   bool      // drop units until a keyframe (after a jump)
	resent    int       // after a rewind: units before this index were sent once already
	afterWall time.Time // fragments starting at or before this were played
	endWall   time.Time // wall time at the end of the last fragment read
	foot      int64     // footage time at the end of the last fragment read
	info      *media.StreamInfo
}

// reset starts over on a new plan: the next unit is a keyframe.
func (c *cursor) reset(srcs []segment.ClipSource) {
	c.close()
	c.srcs = srcs
	c.units, c.at, c.resent = nil, 0, 0
	c.needKey = true
	c.afterWall, c.endWall = time.Time{}, time.Time{}
}

func (c *cursor) close() {
	c.file.close()
	c.file = nil
	c.frag = 0
}

func (c *cursor) peek() *pending { return &c.units[c.at] }

// advance moves past the unit peeked. The fragment's units stay until the
// next fragment is read, for rewind.
func (c *cursor) advance() { c.at++ }

// rewind goes back to the last keyframe returned, when units after it were
// returned too; it reports whether it moved.
func (c *cursor) rewind() bool {
	for i := c.at - 1; i >= 0; i-- {
		if c.units[i].key {
			if i == c.at-1 {
				return false // the keyframe was the last unit returned
			}
			c.resent = max(c.resent, c.at)
			c.at = i
			return true
		}
	}
	return false
}

// fill makes sure a unit is ready to peek, reading the next fragment,
// opening the next file or planning again as needed. io.EOF at the end of
// the footage.
func (c *cursor) fill(ctx context.Context, r *Reader) error {
	replans := 0
	for c.at >= len(c.units) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if c.file != nil && c.frag < len(c.file.frags) {
			if err := c.readFragment(r); err != nil {
				r.log.Warn("replay: skipping a fragment", "camera", r.opts.CameraID, "err", err)
			}
			continue
		}
		c.close()
		if len(c.srcs) > 0 {
			src := c.srcs[0]
			c.srcs = c.srcs[1:]
			f, err := openFile(src, c.afterWall)
			if err != nil {
				r.log.Warn("replay: skipping a segment", "camera", r.opts.CameraID, "err", err)
				continue
			}
			for _, e := range f.skipped {
				r.log.Warn("replay: skipping a fragment", "camera", r.opts.CameraID, "err", e)
			}
			c.file, c.frag = f, 0
			continue
		}
		// The plan is used up: plan again from the end of what was played.
		if c.endWall.IsZero() || replans >= maxReplans {
			return io.EOF
		}
		replans++
		srcs, err := r.plan(ctx, c.endWall)
		if err != nil {
			return fmt.Errorf("replay: plan from %s: %w", c.endWall.Format(time.RFC3339), err)
		}
		if len(srcs) == 0 {
			return io.EOF
		}
		c.srcs = srcs // openFile keeps only fragments after afterWall
	}
	return nil
}

// readFragment decodes the next fragment of the file into units placed
// right after the previous fragment on the footage timeline.
func (c *cursor) readFragment(r *Reader) error {
	fi := c.file.frags[c.frag]
	c.frag++
	samples, dur, err := c.file.decode(fi)
	if err != nil {
		return err
	}
	c.afterWall = fi.Wall
	c.endWall = fi.Wall.Add(time.Duration(dur) * time.Second / media.VideoClockRate)
	if c.info == nil || !slices.EqualFunc(c.info.Tracks, c.file.tracks, sameTrack) {
		c.info = &media.StreamInfo{CameraID: r.opts.CameraID, Stream: r.opts.Stream, Tracks: c.file.tracks}
	}
	clear(c.units)
	c.units, c.at, c.resent = c.units[:0], 0, 0
	for _, s := range samples {
		if c.needKey && !s.key {
			continue
		}
		c.needKey = false
		c.units = append(c.units, pending{track: s.track, foot: c.foot + s.dts, cto: s.cto, wall: s.wall, key: s.key, nalus: s.nalus, payload: s.payload, info: c.info})
	}
	c.foot += dur
	return nil
}
