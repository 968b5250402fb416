// Package rtsp is Hearth's RTSP client for one camera stream. A Client
// connects with gortsplib, DESCRIBEs, SETUPs the first H.264/H.265 video
// track and the first AAC, G.711 or Opus audio track, PLAYs, and publishes
// whole access units (all slices of a picture, parameter sets prepended to
// keys) as *media.Unit values stamped with the camera ID of its own
// configuration. Run ends with an error classified by the sentinels of
// streams/media, with credentials never in any message.
package rtsp
