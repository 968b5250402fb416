//go:build race

package ingest

// raceEnabled: the race detector slows media code about tenfold, so the
// storm test runs a smaller fleet under it; `make test` also runs the full
// fleet without it.
const raceEnabled = true
