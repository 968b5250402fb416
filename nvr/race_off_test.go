//go:build !race

package nvr

const raceEnabled = false
