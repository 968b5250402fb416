package motion

import "slices"

// baseline is a rolling window of recent quiet picture sizes with a robust
// centre (median) and spread (MAD scaled to a standard deviation).
type baseline struct {
	sizes   []float64 // ring of the latest len(sizes) samples
	next    int
	n       int
	scratch []float64
	median  float64
	sigma   float64
	stale   bool
}

func newBaseline(window int) *baseline {
	return &baseline{sizes: make([]float64, window), scratch: make([]float64, 0, window)}
}

// add records one quiet sample.
func (b *baseline) add(v float64) {
	b.sizes[b.next] = v
	b.next = (b.next + 1) % len(b.sizes)
	b.n = min(b.n+1, len(b.sizes))
	b.stale = true
}

// count returns the number of samples held.
func (b *baseline) count() int { return b.n }

// stats returns the median and the MAD-based standard deviation.
func (b *baseline) stats() (median, sigma float64) {
	if !b.stale {
		return b.median, b.sigma
	}
	b.stale = false
	if b.n == 0 {
		b.median, b.sigma = 0, 0
		return 0, 0
	}
	s := append(b.scratch[:0], b.sizes[:b.n]...)
	b.median = medianOf(s)
	for i := range s {
		if s[i] -= b.median; s[i] < 0 {
			s[i] = -s[i]
		}
	}
	b.sigma = 1.4826 * medianOf(s)
	b.scratch = s
	return b.median, b.sigma
}

// medianOf sorts s and returns its median.
func medianOf(s []float64) float64 {
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}
