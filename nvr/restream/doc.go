// Package restream serves granted cameras' live streams over RTSP, so Home
// Assistant's generic camera, VLC and ffmpeg can consume them:
// rtsp://HOST:PORT/cam/{camera-id} (main) and /cam/{camera-id}/sub.
//
// Credentials are a user name and a view-scope API token, checked with MD5
// digest (what RTSP clients speak) against the token's stored HA1
// (nvr.DigestHA1). Every request (DESCRIBE, SETUP, PLAY) is authenticated
// and decided by the policy for that camera (nvr.ActionViewLive); a wrong
// token, a revoked one, another household's camera and a missing camera all
// get the same answer, 401 with a fresh challenge. A playing session is a
// session of the live-session registry (view.LiveSessions, kind "rtsp"):
// it counts against the same per-camera and per-user limits as WHEP and
// MSE, is re-decided every 250 ms and ends within a second of a revocation,
// a camera move or the privacy shutter closing, with its audit row.
//
// Media comes from the camera's hub reached through the grant, so however
// many clients play a camera it has one ingest session. Each client has its
// own bounded hub subscription and its own RTP packetizer and gortsplib
// stream; when the client's socket queue overflows (a slow client) its
// units are dropped until the next keyframe, never slowing ingest, the
// recorder or other viewers. Video only (H.264, H.265): audio is not
// restreamed yet. Plain RTSP over TCP or UDP; RTSPS (gortsplib's TLSConfig)
// is left for later.
package restream
