//go:build race

package main

// raceEnabled: the race detector slows the server tenfold, so long fault
// tests run fewer rounds under it; make test runs them in full without it.
const raceEnabled = true
