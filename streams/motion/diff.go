package motion

import "math/bits"

// Pixel analysis bounds.
const (
	// lightingChange is the changed fraction of the live area above which
	// a frame is taken for a change of light (a lamp, IR switching), not
	// motion.
	lightingChange = 0.6
	// minChangedPixels is the fewest changed pixels that can make a zone
	// hit, however small the zone.
	minChangedPixels = 4
)

// differ compares consecutive analysed frames.
type differ struct {
	r       *raster
	zones   []Zone
	prev    []byte
	noise   int     // per-pixel luma difference that counts as change
	minArea float64 // changed fraction of a zone that makes it hit
	counts  []int
}

func newDiffer(r *raster, zones []Zone, noise int, minArea float64) *differ {
	return &differ{r: r, zones: zones, noise: noise, minArea: minArea, counts: make([]int, len(r.area))}
}

// frame compares cur with the previous frame and reports whether it shows
// motion, its score and the zones hit. cur is kept (not copied): the caller
// must hand a fresh buffer each time or swap buffers.
func (d *differ) frame(cur []byte) (active bool, score float64, zones []string) {
	prev := d.prev
	d.prev = cur
	if prev == nil || len(prev) != len(cur) || len(d.r.pixels) == 0 {
		return false, 0, nil
	}
	clear(d.counts)
	changed := 0
	for k, i := range d.r.pixels {
		diff := int(cur[i]) - int(prev[i])
		if diff < 0 {
			diff = -diff
		}
		if diff <= d.noise {
			continue
		}
		changed++
		for m := d.r.bits[k]; m != 0; m &= m - 1 {
			d.counts[bits.TrailingZeros64(m)]++
		}
	}
	if float64(changed) > lightingChange*float64(len(d.r.pixels)) {
		return false, 0, nil
	}
	for i, c := range d.counts {
		if c < minChangedPixels || d.r.area[i] == 0 {
			continue
		}
		frac := float64(c) / float64(d.r.area[i])
		if frac <= d.minArea {
			continue
		}
		active = true
		score = max(score, ratioScore(frac/d.minArea))
		if len(d.zones) > 0 {
			zones = append(zones, d.zones[i].Name)
		}
	}
	return active, score, zones
}
