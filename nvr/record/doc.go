// Package record owns writing footage and deciding what to delete: the
// recorder (one fMP4 segment writer per camera fed from its ingest hub,
// continuous or around events, with its measured state) and retention
// (the plan of what goes, measured against the guarded reference clock,
// and its status).
//
// Files on disk are recordstore's business; events tell the recorder
// when to record through the small interface events declares, and
// retention learns pinned footage through PinSource, declared here.
package record
