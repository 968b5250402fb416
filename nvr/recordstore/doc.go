// Package recordstore owns the segment files on disk (docs/storage.md):
// the storage procedure's file steps (naming, directory fsync, the
// deletion order of mark, unlink, remove), recovery and the deep check
// after a crash, the volume identity of the recordings directory, the
// disk-space reserve and the lock that keeps a second process out.
//
// It knows the recordings index only through nvr.RecordingStore and
// imports no other part of nvr's subsystems: the recorder and retention
// (package record) call it, never the other way round.
package recordstore
