// Package simcam is a simulated camera: it renders frames that carry their
// camera's identity and wall-clock time (visibly and as machine-readable block
// patterns), moves an object on a known schedule, encodes them with h264enc,
// stamps every access unit with an SEI identity message, and serves cameras
// over RTSP with gortsplib.
//
// Tests use it as a real RTSP peer: every decoded frame can be traced back to
// the camera that produced it (ReadPattern, sei.Find), and motion happens
// exactly when Schedule.Moving says it does.
//
// In file mode (CameraConfig.File) a camera instead loops a recorded Annex-B
// H.264/H.265 or MPEG-TS file for realistic bitrates. Nothing is drawn into
// those pictures, so ReadPattern finds no pattern and the schedule does not
// apply; the SEI stamp alone identifies the camera and frame (fileplay.go).
package simcam
