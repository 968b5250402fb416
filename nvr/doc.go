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
package nvr
