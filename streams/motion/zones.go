package motion

import (
	"errors"
	"fmt"
	"math"
)

// maxZones bounds the zones of one detector (a bit each per pixel).
const maxZones = 64

// validatePolygon checks a polygon in normalized coordinates.
func validatePolygon(poly []Point) error {
	if len(poly) < 3 {
		return fmt.Errorf("polygon has %d points, want at least 3", len(poly))
	}
	if len(poly) > 1024 {
		return fmt.Errorf("polygon has %d points, want at most 1024", len(poly))
	}
	for _, p := range poly {
		if math.IsNaN(p.X) || math.IsNaN(p.Y) || p.X < 0 || p.X > 1 || p.Y < 0 || p.Y > 1 {
			return errors.New("polygon point outside 0..1")
		}
	}
	return nil
}

// validateZones checks zones (unique, non-empty names) and masks.
func validateZones(zones []Zone, masks [][]Point) error {
	if len(zones) > maxZones {
		return fmt.Errorf("%d zones, want at most %d", len(zones), maxZones)
	}
	seen := make(map[string]bool, len(zones))
	for i, z := range zones {
		if z.Name == "" {
			return fmt.Errorf("zone %d: empty name", i)
		}
		if seen[z.Name] {
			return fmt.Errorf("zone %d: duplicate name", i)
		}
		seen[z.Name] = true
		if err := validatePolygon(z.Polygon); err != nil {
			return fmt.Errorf("zone %d: %w", i, err)
		}
	}
	for i, m := range masks {
		if err := validatePolygon(m); err != nil {
			return fmt.Errorf("mask %d: %w", i, err)
		}
	}
	return nil
}

// inside reports whether (x, y) is inside poly (even-odd rule).
func inside(poly []Point, x, y float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Y > y) != (b.Y > y) && x < (b.X-a.X)*(y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}

// raster is the analysis grid: which pixels count, and in which zones.
type raster struct {
	pixels []int32  // indices of the pixels outside every mask (and, with zones, inside one)
	bits   []uint64 // zone membership of each entry of pixels
	area   []int    // pixels per zone; with no zones, one entry: the whole live area
}

// newRaster samples zones and masks at pixel centres of a w×h grid.
func newRaster(w, h int, zones []Zone, masks [][]Point) *raster {
	n := max(1, len(zones))
	r := &raster{area: make([]int, n)}
	for y := range h {
		fy := (float64(y) + 0.5) / float64(h)
		for x := range w {
			fx := (float64(x) + 0.5) / float64(w)
			masked := false
			for _, m := range masks {
				if inside(m, fx, fy) {
					masked = true
					break
				}
			}
			if masked {
				continue
			}
			var bits uint64 = 1
			if len(zones) > 0 {
				bits = 0
				for i, z := range zones {
					if inside(z.Polygon, fx, fy) {
						bits |= 1 << i
					}
				}
				if bits == 0 {
					continue
				}
			}
			r.pixels = append(r.pixels, int32(y*w+x))
			r.bits = append(r.bits, bits)
			for i := range n {
				if bits&(1<<i) != 0 {
					r.area[i]++
				}
			}
		}
	}
	return r
}
