// Package motion detects motion in a camera stream from the hub's access
// units. Two detectors share one contract (Detector):
//
//   - Bitstream needs no external program and almost no CPU: it watches the
//     size of coded non-key pictures against a robust rolling baseline
//     (median and MAD), smoothed over half a second. A moving object makes
//     an encoder spend more bits on predicted pictures; a static scene, noise
//     and a ticking clock overlay do not move the smoothed excess enough.
//     It cannot localize motion, so it reports no zones, and it is blind on
//     a camera whose rate control pins every picture to the same size (CBR
//     with a tight buffer).
//   - Pixel pipes the same access units to one long-lived ffmpeg process
//     that decodes them to small grayscale frames; consecutive frames
//     (at most 5 per second) are differenced with a noise threshold, inside
//     zones and outside masks given as polygons in normalized coordinates.
//
// Both turn per-frame activity into observations with the same hysteresis
// (see TrackerConfig): a start once activity lasts MinDuration, a repeat at
// least once per second while it continues, and a stop after Hold of quiet.
// Detectors know nothing of cameras beyond the units they are given; the
// caller owns the subscription and the restart policy.
package motion
