// Package events owns what happens on a camera: the detectors' wiring to
// the ingest hubs, the event lifecycle (open, extend, close, expire,
// delete), thumbnails, external triggers and the grant-checked reads of
// events, their thumbnails and their clips' time ranges.
//
// An event grant is minted by nvr's policy (Policy.Event) from a camera
// grant; this package reads the event and asks for it.
package events
