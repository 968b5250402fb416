// Package notify tells people what happened: it turns events and camera
// health changes into messages on each user's channels (webhook, ntfy,
// e-mail), as their rules ask.
//
// Who is told is decided by the access policy at the moment each message
// is sent (ARCHITECTURE.md invariant 9), never from the rules alone: a
// rule is a candidate, and the worker that sends a message first asks the
// policy, as that user, for a grant on the event (or camera), reads the
// thumbnail through that grant by the event's immutable camera and event
// ID, and builds the message only from what the grant returned. Revoking
// the user, moving the camera or removing a viewer's assignment therefore
// stops the very next message, including one already queued.
//
// Delivery never blocks recording or events: Service.Event and
// Service.Health only try to put an item on a bounded intake queue. One
// dispatcher matches rules; each channel has its own bounded queue and
// worker, so a slow receiver delays only itself. A failed send is retried
// with exponential backoff and full jitter, a bounded number of times;
// anything dropped (queue full, attempts spent) is counted and logged.
package notify
