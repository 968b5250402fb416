package supervisor

import "time"

// StartDelay spreads the first connection attempts of count supervisors
// evenly over window: the one at index i (0 ≤ i < count) waits
// i·window/count. The caller that builds the supervisors computes it and
// sets Config.StartDelay; a Supervisor never coordinates with others except
// through their shared Admission. The index is only a position in time,
// never an identity: nothing is looked up by it.
//
// Admission alone already bounds simultaneous handshakes; staggering also
// spreads the load that follows them (first keyframes, recorder and hub
// start-up, log lines) when a whole site boots.
func StartDelay(index, count int, window time.Duration) time.Duration {
	if count <= 0 || index <= 0 || window <= 0 {
		return 0
	}
	index = min(index, count-1)
	// Split to avoid overflowing index·window for long windows.
	per := window / time.Duration(count)
	rem := window % time.Duration(count)
	return time.Duration(index)*per + time.Duration(index)*rem/time.Duration(count)
}
