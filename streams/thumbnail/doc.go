// Package thumbnail turns a keyframe from the hub into a picture a browser
// can show: a JPEG made by ffmpeg when it is installed (JPEG), or, with no
// external program at all, the keyframe itself wrapped as a one-frame MP4
// (MP4) that a <video> element renders. Both take the keyframe's parameter
// sets from the unit or, when it carries none, from its StreamInfo; both
// know nothing of cameras beyond the unit they are given.
package thumbnail
