// Package nvr is Hearth's domain core: households, users, cameras and the
// one access policy that decides what a principal may do with a camera.
//
// The policy is the only code in Hearth that answers "may this principal do
// this action on this camera?". It reads the database on every call (no
// decision cache) and returns a grant value that only this package can
// construct; every data-serving function takes a grant, so a handler that
// forgets the check does not compile.
//
// Storage is declared here as small interfaces (see store.go) and
// implemented by package db.
//
// The subsystems that serve media live in subpackages, each taking grants
// from here and importing nvr for its vocabulary: ingest (camera sources
// and hubs), recordstore (segment files on disk), record (recorder and
// retention), events (detection and the event lifecycle) and view (live
// sessions and playback). nvr itself imports none of them, and no media
// plumbing beyond streams/media.
package nvr
