// Package supervisor keeps one camera stream's source running, forever,
// safely, and tells the world its state.
//
// A Supervisor owns one Source (typically an RTSP client). It dials it,
// forwards its access units, notices when it fails or stalls, waits a
// jittered, growing pause and dials again, until its context ends. All
// supervisors of a process share one Admission, a global limit on
// simultaneous connection attempts, so that after an outage hundreds of
// cameras come back as a smooth ramp instead of a stampede.
//
// # State machine
//
//	stopped ──Run──▶ starting (Config.StartDelay) ──▶ queued
//	disabled (Config.Disabled: Run only waits for its context)
//
//	queued ──admission slot──▶ connecting ──first unit──▶ streaming
//	   ▲                           │ (slot released)          │
//	   │                           └────────┬─────────────────┘
//	   │                        source returned, panicked or stalled
//	   │                                    ▼
//	   └──── pause ends ──── backoff | unreachable | auth-failed | unsupported | no-stream
//
//	any state ──ctx done──▶ stopped (Run returns)
//
// The failure state is picked with errors.Is on the source's error:
// media.ErrAuth → auth-failed, media.ErrUnreachable → unreachable,
// media.ErrUnsupported → unsupported, media.ErrNotFound → no-stream,
// anything else (media.ErrProtocol,
// media.ErrNoMedia from the read timeout, a recovered panic, a source that
// returned nil) → backoff.
//
// # Pacing
//
// The pause after the n-th consecutive failure is drawn uniformly from
// [0, min(Cap, Base·2^(n-1))] ("full jitter"), so the first retry waits at
// most Base and the ceiling doubles up to Cap. After an authentication
// failure the pause is AuthFailedMin plus that jitter (cameras lock
// accounts after repeated bad logins); after an unsupported stream it is
// UnsupportedMin plus the jitter. The failure count resets once the stream
// has delivered units continuously for ResetAfter. Every return of the
// source counts as a failure, even a clean one, so a source that ends at
// once can never make the supervisor spin.
//
// # Timeouts
//
// A watchdog per attempt cancels the source's context when the first unit
// has not arrived ConnectTimeout (30 s) after the attempt began, or no unit
// has arrived for ReadTimeout (10 s) while streaming; the attempt then fails
// with media.ErrNoMedia. The connect bound is the longer one because the
// first unit waits for a key picture; it also bounds how long a hung source
// can hold an admission slot. Run waits for the source to return after
// cancelling it: a source must honour its context.
//
// # Clock
//
// Config.Now and Config.Sleep replace the clock. The package's own tests
// use them for exact backoff schedules, and testing/synctest's bubble
// clock for everything concurrent (admission storms, timeouts).
//
// # Safety
//
// A panic in Source.Run (on the goroutine the supervisor calls it on) or in
// the publish callback is recovered, logged with its stack and counted as a
// failure; it never reaches another supervisor. Goroutines a source starts
// itself are the source's to protect. Units that carry a camera ID other
// than Config.CameraID are never forwarded: the attempt fails instead.
// Error text is redacted of URL user info before it is stored or logged.
package supervisor
