package motion

import (
	"context"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// Source yields access units; a hub subscription satisfies it. Next blocks
// until a unit is available, the context ends, or the source fails.
type Source interface {
	Next(ctx context.Context) (*media.Unit, error)
}

// Observation is a detector's report about one camera stream.
type Observation struct {
	Wall   time.Time // capture wall time (Unit.Wall) of the frame the report is about
	Moving bool      // true: motion (start, or still ongoing); false: motion ended
	Score  float64   // 0..1 strength; for a stop, the peak over the motion
	Zones  []string  // names of zones hit (pixel detector); nil otherwise
}

// Detector watches a stream and reports motion. Run returns when ctx ends
// (nil/ctx error) or the source fails. emit is called from Run's goroutine:
// on a start, at least once per second while motion continues (so the
// caller can extend an event), and on a stop. A motion still open when Run
// returns is closed with a stop first, so starts and stops always pair.
type Detector interface {
	Run(ctx context.Context, src Source, emit func(Observation)) error
}

// Point is a position in a picture in normalized coordinates: (0,0) is the
// top-left corner, (1,1) the bottom-right one.
type Point struct{ X, Y float64 }

// Zone is a named polygon (at least three points, normalized coordinates).
// Masks are polygons too: motion inside a mask never counts.
type Zone struct {
	Name    string
	Polygon []Point
}

// isVideo reports whether u is a picture of its stream's video track.
func isVideo(u *media.Unit) bool {
	return u != nil && u.Info != nil && u.Track >= 0 && u.Track < len(u.Info.Tracks) &&
		u.Info.Tracks[u.Track].Codec.IsVideo() && len(u.NALUs) > 0
}

// clamp01 limits v to [0, 1].
func clamp01(v float64) float64 { return min(1, max(0, v)) }

// ratioScore maps how far a measure is over its threshold (ratio ≥ 1 means
// over) to a 0..1 score: twice the threshold is 0.5, ten times is 0.9.
func ratioScore(ratio float64) float64 {
	if ratio <= 1 {
		return 0
	}
	return clamp01(1 - 1/ratio)
}
