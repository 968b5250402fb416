package record

import (
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// preRoll keeps the latest whole GOPs of a stream in memory (references to
// the hub's immutable units), at least keep long when the stream allows,
// at most maxBytes. The GOP being received is the last one.
type preRoll struct {
	keep     time.Duration
	maxBytes int
	gops     [][]*media.Unit
	bytes    int
}

// startsGOP reports whether u begins a GOP: a video keyframe, or any unit
// of a stream without video.
func startsGOP(u *media.Unit) bool {
	v := u.Info.Video()
	if v < 0 {
		return true
	}
	return u.Key && u.Track == v
}

func (p *preRoll) add(u *media.Unit) {
	switch {
	case startsGOP(u):
		p.gops = append(p.gops, []*media.Unit{u})
	case len(p.gops) == 0:
		return // not decodable without its keyframe
	default:
		last := len(p.gops) - 1
		p.gops[last] = append(p.gops[last], u)
	}
	p.bytes += u.Size()
	// Drop the oldest GOP while the rest still covers keep, or while over
	// the byte cap (the current GOP is always kept).
	for len(p.gops) > 1 {
		rest := u.Wall.Sub(p.gops[1][0].Wall)
		if rest < p.keep && p.bytes <= p.maxBytes {
			break
		}
		for _, x := range p.gops[0] {
			p.bytes -= x.Size()
		}
		p.gops[0] = nil
		p.gops = p.gops[1:]
	}
}

// take returns the buffered units in order and empties the buffer.
func (p *preRoll) take() []*media.Unit {
	var out []*media.Unit
	for _, g := range p.gops {
		out = append(out, g...)
	}
	p.reset()
	return out
}

func (p *preRoll) reset() {
	clear(p.gops)
	p.gops = p.gops[:0]
	p.bytes = 0
}
