// Package view owns everything a viewer opens, from a grant to a stream:
// the registry of live sessions (admission limits, revocation within a
// second, the audit of each session's end), playback over the recordings
// index (covered ranges, clip plans, replay readers) and the parsing of
// the time ranges a viewer asks for.
//
// Every entry point takes an nvr.CameraGrant, which only nvr's policy can
// mint; nothing here decides who may see what.
package view
