// Package segment stores a camera stream as fragmented MP4 segment files,
// recovers them after a crash, and assembles clips from them.
//
// # Goals
//
//   - A kill -9 loses at most the GOP in flight; a power loss at most the
//     sync interval plus one GOP (ARCHITECTURE invariant 5).
//   - Any instant is found from the index alone: every fragment is
//     reported with its byte range, media time and wall time.
//   - Files are standard: ffmpeg/ffprobe read every segment as is, and a
//     clip is served with Range without re-encoding or temporary files.
//   - Reading never trusts the file: torn tails and garbage yield a shorter
//     valid prefix or an error, never a panic or an unbounded allocation.
//
// Non-goals: transcoding, B-frame reordering beyond carrying PTS-DTS,
// naming files or keeping the index (the recorder and db do that through
// Files and Observer).
//
// # Format
//
// A segment is ftyp + moov (see init.go) followed by fragments. moov/udta
// holds an "hcam" box with the camera ID and stream name, taken from the
// stream itself. Tracks: H.264 (avc1/avcC) and H.265 (hvc1/hvcC) at
// timescale 90000; AAC (mp4a/esds), G.711 (QuickTime "ulaw"/"alaw" entries,
// stored as is) and Opus (Opus/dOps, 48 kHz) at their sample rate. Each
// fragment is
//
//	prft  (v1) NTP wall time of the first sample, media time
//	moof  mfhd (sequence 1, 2, …), one traf per track: tfhd (base is moof),
//	      tfdt (v1, segment timeline), trun (duration, size, flags, and for
//	      video the composition offset of every sample)
//	mdat  video samples (4-byte length-prefixed NAL units, all of the
//	      picture's NAL units including the SEI identity stamp), then audio
//
// One fragment per GOP: the writer buffers a GOP (references to the
// immutable units, no copying) and writes it with one Write call when the
// next keyframe arrives. A GOP longer than MaxFragmentDuration or
// MaxFragmentBytes is cut into a fragment that does not start with a
// keyframe (Fragment.Key false). Sample durations come from DTS
// differences; a non-positive or >10 s difference (reconnect, clock jump)
// is a discontinuity and takes the nominal duration, so the segment
// timeline is always continuous. Audio is placed against the video by
// media time at the start of each fragment.
//
// Segments are cut on the first keyframe at or after Target (default 60 s;
// FirstTarget staggers the first cut). A StreamInfo with other codec
// parameters ends the segment at once; a new pointer with the same
// parameters continues it.
//
// # Sync policy
//
// The init is fsynced when the segment is created (the caller already
// created the file with O_EXCL and fsynced the directory: CreateFile).
// After each fragment write the file is fsynced if SyncInterval (default
// 1 s) has passed since the last fsync; Sync (called by Run when a stream
// goes idle) and Close fsync whatever is pending. Observer.Fragment sees a
// fragment only after the fsync that covers it, so the index never points
// past durable data. A failed write (ENOSPC) is sticky: Close truncates
// the file to the last whole fragment, fsyncs it and reports the
// fragments before the failure.
//
// # Recovery
//
// Scan reads a file box by box: the moov (capped at 4 MiB), then for each
// fragment the prft and moof (capped at 16 MiB) and the mdat header; every
// size is checked against the file size and every sample range against
// its mdat, and the counts are capped (8 tracks, one traf per track, 64
// truns per traf) so no file costs more than linear work. Scan walks the
// box headers itself. It decodes the init's boxes it has read (and capped)
// with go-mp4's mp4.Unmarshal (tkhd, mdhd, hdlr, stsd and its sample
// entry), the types MediaMTX uses; a fragment's mfhd, tfhd and tfdt are
// decoded in place into go-mp4's types, and its truns walked in place,
// because Scan meets them in every fragment and go-mp4 decodes through
// reflection (parseMoof and parseTrun give the figures; a fuzz target holds
// these decoders to go-mp4's). prft, which go-mp4 does not know, and
// Hearth's own identity box are read by hand. The first box that does not
// fit ends the valid prefix (Layout.ValidSize, Layout.TailErr). Truncate cuts a file there and
// fsyncs it; recovery then indexes Layout.Fragments (which carry the wall
// time from prft, so no index row is needed to rebuild them).
//
// # Clips
//
// OpenClip builds one fragmented MP4 from whole fragments of one or more
// segments: a new init (the first segment's trak boxes verbatim, mvhd and
// mehd with the clip duration) and, per fragment, the moof re-read from
// the file with sequence numbers and tfdt rewritten so the clip starts at 0
// and plays its fragments back to back, followed by the mdat as a byte
// range of the segment file. The layout is a list of spans computed before
// any byte is served, so the size is known and ReadAt serves any Range.
// The clip starts at the keyframe at or before the requested start; with
// ClipOptions.End the last fragment's truns are shortened to end within a
// frame of the request. Segments with other codec parameters end the clip
// (Clip.Stopped); unreadable or torn fragments are skipped (Clip.Skipped).
//
// Alternatives considered: a progressive MP4 (moov with full sample tables
// first) plays in more players, but needs every sample's size and time
// before the first byte and a moov that grows with the clip; fMP4 with
// rewritten moofs keeps assembly O(fragments) and is played by browsers,
// ffmpeg and VLC. mediacommon's fmp4 package was not used for writing: it
// cannot express G.711 sample entries. Nor for recovery: Scan checks each
// box header against the file size and the caps above before reading the
// box, where fmp4.Parts.Unmarshal takes the whole fragment run as one byte
// slice already in memory (and decodes its truns with go-mp4, one entry
// per claimed sample).
package segment
