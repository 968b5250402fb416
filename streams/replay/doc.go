// Package replay reads recorded footage back as paced access units, for
// sending recorded video over WebRTC as if it were live.
//
// # Goals
//
//   - A Reader is a session source: Next returns *media.Unit values (NAL
//     units without start codes, Key on random access points, Info with the
//     parameter sets) at real time × speed, so a sender just sends what it
//     gets.
//   - Playback starts at the keyframe at or before the requested instant
//     and can pause, resume, seek and change speed (1×, 2×, 4×) from
//     another goroutine while Next is blocked.
//   - Output DTS/PTS never go backwards, across pauses, seeks, speed
//     changes and segment boundaries: a browser's jitter buffer must not see
//     time run back.
//   - Gaps in the footage (a camera offline, recording off) are skipped,
//     never slept through; the end of footage is io.EOF.
//   - The camera identity comes from the caller (the grant), never from a
//     file name or the file's own header.
//   - Recorded G.711 and Opus audio (what WebRTC carries) is returned as
//     units of its own track, one frame per unit, placed against the video
//     as recorded. An AAC track is described in Info (so a session can say
//     why it is not sent) but not read.
//
// Non-goals: audio faster than 1× (at 2× and 4× only video is returned),
// audio heard twice (the GOP sent again for a keyframe request comes
// without its audio), frame-exact seeking (playback always starts at a
// keyframe), and reverse play.
//
// # Design
//
// The footage is found by a Planner (in Hearth: nvr.Playback under a grant)
// that returns segment files and the whole fragments of them to play from
// the keyframe at or before an instant, for a bounded window. The Reader
// opens one file at a time, scans it (segment.Scan: bounded, torn tails
// ignored), parses the video trak of the init with mediacommon's fmp4
// reader (alone: mediacommon fails on a whole init with a G.711 entry,
// ulaw or alaw, which it does not know) and the audio tracks from Scan's
// own bounded parse of their sample entries, and decodes one
// fragment (one GOP, at most 64 MiB and 65,536 samples) at a time into
// units. When the plan is used up it asks
// the Planner again from the end of the last fragment played and drops the
// fragments it already played, so footage written meanwhile (an open
// segment) is played too.
//
// Timing: every fragment is placed on a gapless "footage" timeline right
// after the previous one (its sample durations decide the spacing), so a
// gap between recordings takes no time. A unit is due at
// anchorClock + (footage − anchorFootage)/speed, and its output DTS is the
// same instant in 90 kHz units, so the output timeline follows the sending
// clock: at 2× the timestamps advance at wall pace, and after a pause of a
// minute they jump a minute ahead. The anchor is reset on a seek, a resume,
// a speed change, or when the consumer falls more than a second behind
// (then it continues from now instead of bursting).
//
// Alternatives considered: keeping the recorded timestamps (shifted) as the
// output timeline would make 2× playback send timestamps at half wall pace,
// which a WebRTC receiver plays as a growing delay; serving a clip (the
// clip.mp4 route) needs the whole range up front and cannot pause a live
// WebRTC track.
package replay
