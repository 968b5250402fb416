//go:build race

package motion

// raceEnabled: the race detector slows the simulated camera's rendering
// about tenfold, so the ten-minute static tests run two minutes under it;
// `make test` also runs them at full length without it (make storm).
const raceEnabled = true
