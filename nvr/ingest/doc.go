// Package ingest owns the per-camera sources: one supervised RTSP session
// per camera stream (backoff with full jitter, a shared admission limit on
// connection attempts), the hub each stream publishes to, the measured
// state of each camera (streaming, stalled, offline) and the connection
// test an admin or owner runs before saving a camera.
//
// A viewer reaches a hub only through an nvr.CameraGrant (Hub); the
// recorder and detection, which serve nobody, find hubs by camera ID
// (RecordHub, EventHub).
package ingest
