// Package simcam is a simulated camera: it renders frames that carry their
// camera's identity and wall-clock time (visibly and as machine-readable block
// patterns), moves an object on a known schedule, encodes them with h264enc,
// stamps every access unit with an SEI identity message, and serves cameras
// over RTSP with gortsplib.
//
// Tests use it as a real RTSP peer: every decoded frame can be traced back to
// the camera that produced it (ReadPattern, sei.Find), and motion happens
// exactly when Schedule.Moving says it does.
package simcam
