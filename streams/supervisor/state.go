package supervisor

import "time"

// State is where a supervisor is in its cycle. The values are stable
// strings, fit for logs and JSON.
type State string

// States of a supervisor; see the package documentation for the machine.
const (
	// StateStopped: Run is not running (not started yet, or returned).
	StateStopped State = "stopped"
	// StateDisabled: Run is running but Config.Disabled keeps it idle.
	StateDisabled State = "disabled"
	// StateStarting: waiting out Config.StartDelay before the first attempt.
	StateStarting State = "starting"
	// StateQueued: waiting for an admission slot.
	StateQueued State = "queued"
	// StateConnecting: holding an admission slot, the source is handshaking.
	StateConnecting State = "connecting"
	// StateStreaming: the source has delivered at least one unit.
	StateStreaming State = "streaming"
	// StateBackoff: pausing after a failure of no more specific class.
	StateBackoff State = "backoff"
	// StateAuthFailed: pausing after the camera refused the credentials.
	StateAuthFailed State = "auth-failed"
	// StateUnreachable: pausing after the camera could not be reached.
	StateUnreachable State = "unreachable"
	// StateUnsupported: pausing after the stream had nothing Hearth carries.
	StateUnsupported State = "unsupported"
	// StateNoStream: pausing after the camera said it has no stream at the
	// URL's path (a mistyped path, another model's).
	StateNoStream State = "no-stream"
)

// Waiting reports whether s is one of the pauses after a failure.
func (s State) Waiting() bool {
	switch s {
	case StateBackoff, StateAuthFailed, StateUnreachable, StateUnsupported, StateNoStream:
		return true
	}
	return false
}

// Status is a snapshot of a supervisor. It is a plain value: copying it is
// safe and it never changes after it is returned.
type Status struct {
	// CameraID is Config.CameraID, so a callback shared by many
	// supervisors knows whose status it holds without a lookup.
	CameraID string
	State    State
	// Since is when State was entered (Config.Now clock).
	Since time.Time
	// LastError is the redacted text of the most recent failure; it is
	// kept across later states until the next failure replaces it.
	LastError string
	// Attempts counts connection attempts (admission slots taken) since
	// New.
	Attempts int
	// ConsecutiveFailures counts failures since the stream last ran
	// continuously for Backoff.ResetAfter; it sets the backoff ceiling.
	ConsecutiveFailures int
	// NextAttempt is when the current pause (StateStarting or a waiting
	// state) ends; zero in other states. The attempt itself may then wait
	// for an admission slot.
	NextAttempt time.Time
}
