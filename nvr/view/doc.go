// Package view owns everything a viewer opens, from a grant to a stream:
// the registry of live sessions (admission limits, revocation within a
// second, the audit of each session's end), the assembly of WHEP sessions
// (live, recorded playback driven over the data channel, trickle ICE) and
// of MSE streams, playback over the recordings index (covered ranges,
// clips, replay readers) and the parsing of the time ranges a viewer asks
// for. ui only turns requests into grants and these sessions into HTTP
// answers; it imports no media plumbing.
//
// Every entry point takes an nvr.CameraGrant, which only nvr's policy can
// mint; nothing here decides who may see what.
package view
