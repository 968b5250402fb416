// Package hub fans one camera stream out to many consumers: the recorder,
// motion detectors, WebRTC viewers and the thumbnailer.
//
// A source publishes immutable *media.Unit values into a Hub; the hub hands
// the same pointer to every Subscription (zero copy). Publish never blocks on
// a subscriber: every subscription has a bounded queue, and a subscriber that
// falls behind loses units instead of slowing the camera session or the other
// subscribers.
//
// # Guarantees
//
//   - Isolation. A hub is created for one camera ID and carries only that
//     camera's media: Publish rejects (drops and counts) any unit whose
//     Info.CameraID differs. The camera ID a Subscription reports is the
//     hub's own, never looked up.
//   - Decodable GOPs. Every subscription's stream starts at a video keyframe,
//     and within a GOP it never has a hole: after units are dropped, the
//     subscription resumes only at the next video keyframe. A GOP may end
//     early (its tail dropped), never in its middle. Streams without a video
//     track have no GOPs; every unit is a random access point.
//   - Bounded memory. Subscription queues are fixed rings allocated at
//     Subscribe; the GOP cache is capped in units and bytes.
//   - Clearing with the camera. Close ends every subscription at once
//     (queued units are discarded, Next returns ErrClosed) and clears the
//     GOP cache and the cached keyframe.
//
// # Design
//
// Publish runs on the source's goroutine and holds the hub's mutex while it
// updates the GOP cache and offers the unit to each subscription (a push
// into the subscription's ring under the subscription's own mutex, plus a
// non-blocking wake-up when the ring was empty). No goroutine is started by
// this package. Lock order is hub, then subscription; critical sections do
// no I/O and no allocation in steady state, so the only waits Publish can
// see are short and bounded.
//
// Consumers read with the blocking Next(ctx) (or TryNext). A ring with a
// mutex was chosen over a buffered channel because the overflow policy has
// to edit the queue atomically: with a channel, the publisher cannot take
// back the units already queued, so after a stall a slow viewer would first
// play seconds of stale video ending in a truncated GOP.
//
// Overflow: when a unit does not fit, the subscription discards part of its
// queue (Overflow policy), marks itself as skipping and resumes at the next
// video keyframe; all lost units are counted in Dropped.
//
//   - DropBacklog (default, live viewers): discard the whole queue. The
//     backlog is stale and its last GOP can no longer be completed, so the
//     viewer's next unit is the next live keyframe: latency recovers at once.
//   - KeepCompleteGOPs (recorder): discard only the unfinished GOP at the
//     tail of the queue (from the last queued keyframe on). The complete GOPs
//     already queued are kept, so a stall costs the fewest recorded seconds.
//
// GOP cache: the hub keeps the units since the latest video keyframe (video
// and audio), for fast start. When the GOP passes Options.MaxGOPUnits or
// Options.MaxGOPBytes the cache is dropped until the next keyframe, rather
// than kept as "keyframe only": a keyframe followed by units from much later
// is a broken GOP, and fast start must never hand out one. During that time
// a fast-start subscriber waits for the next keyframe, as a plain one does.
// The latest keyframe itself is kept separately (Keyframe) for thumbnails
// and for answering picture-loss requests without asking the camera.
//
// A change of StreamInfo (a new pointer: reconnect, new parameter sets)
// clears the GOP cache and keyframe and makes every subscription wait for the
// next keyframe, since units of the old and new session must not share a
// GOP. Such waits are not counted as drops.
package hub
