// Package webrtc serves camera streams to browsers over WebRTC with pion:
// one Engine per process owns the ICE sockets (a single UDP port shared by
// every session through pion's UDP mux, plus ICE over TCP on the same port
// number) and each Session is one viewer's peer connection, fed from a
// Source — a live hub subscription or a recorded-footage reader.
//
// Video is passed through (H.264 always, H.265 when the browser offers it),
// repacketized to the WebRTC MTU; Opus and G.711 audio are passed through;
// AAC is not sent (browsers do not decode it in WebRTC). Nothing is
// transcoded and no STUN or other external traffic is made.
//
// The package knows nothing of users, households or grants; callers decide
// who may watch and end sessions when that changes.
package webrtc
