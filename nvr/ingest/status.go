package ingest

import (
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/supervisor"
)

// StreamStatus is what a household may know about one stream of its camera.
type StreamStatus struct {
	Stream      string // "main" or "sub"
	State       string // connecting, streaming, backoff, auth-failed, unreachable, unsupported, ...
	Since       time.Time
	LastError   string // credentials already redacted
	NextAttempt time.Time
	Codec       string
	Width       int
	Height      int
	FPS         float64 // measured
	BitrateBps  float64 // measured over the last seconds
	// LastFrame is when the stream last delivered a unit (the hub's
	// clock); zero when none arrived since the camera's stream started. It
	// is what "no picture since" means to a household, measured rather than
	// inferred from the supervisor's state, whose Since restarts with
	// every retry.
	LastFrame time.Time
}

// CameraStatus is the live state of a camera's streams; main first.
type CameraStatus struct {
	State   string // the main stream's state, or "disabled" / "idle"
	Streams []StreamStatus
	// Recording is the recorder's state (recording, stalled, waiting,
	// armed, off, disk-full, error: ...), when a recorder runs;
	// RecordingSince is when it began and RecordingReason why a stalled
	// camera indexes nothing.
	Recording       string
	RecordingSince  time.Time
	RecordingReason string
}

// Status reports the camera's ingest state. The grant proves the caller may
// see the camera; the status is looked up by the grant's camera ID.
func (in *Ingest) Status(g nvr.CameraGrant) CameraStatus {
	if g.Require(nvr.ActionViewCamera, nvr.ActionViewLive, nvr.ActionViewRecordings, nvr.ActionManageCamera) != nil {
		return CameraStatus{}
	}
	if !g.Camera().Enabled {
		return CameraStatus{State: "disabled"}
	}
	in.mu.Lock()
	run := in.cameras[g.CameraID()]
	in.mu.Unlock()
	if run == nil {
		return CameraStatus{State: "idle"}
	}
	var out CameraStatus
	for _, name := range []string{"main", "sub"} {
		s := run.streams[name]
		if s == nil {
			continue
		}
		out.Streams = append(out.Streams, streamStatus(name, s))
	}
	if len(out.Streams) > 0 {
		out.State = out.Streams[0].State
	}
	return out
}

func streamStatus(name string, s *streamRun) StreamStatus {
	st := s.sup.Status()
	stats := s.hub.Stats()
	ss := StreamStatus{
		Stream:      name,
		State:       string(st.State),
		Since:       st.Since,
		LastError:   st.LastError,
		NextAttempt: st.NextAttempt,
		FPS:         stats.FPS,
		BitrateBps:  stats.BitsPerSecond,
		LastFrame:   stats.LastUnit,
	}
	if info := s.hub.Info(); info != nil {
		if v := info.Video(); v >= 0 {
			t := info.Tracks[v]
			ss.Codec, ss.Width, ss.Height = string(t.Codec), t.Width, t.Height
		}
	}
	return ss
}

// Hub returns the hub of one stream of the granted camera, for media
// consumers (live view, thumbnails). It takes a media grant; the hub is
// found by the grant's immutable camera ID.
func (in *Ingest) Hub(g nvr.CameraGrant, stream string) (*hub.Hub, error) {
	if err := g.Require(nvr.ActionViewLive, nvr.ActionViewRecordings); err != nil {
		return nil, err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	run := in.cameras[g.CameraID()]
	if run == nil {
		return nil, nvr.Errorf("live stream", nvr.KindUnavailable, "camera is not streaming")
	}
	s := run.streams[stream]
	if s == nil {
		return nil, nvr.Errorf("live stream", nvr.KindNotFound, "camera has no %s stream", stream)
	}
	return s.hub, nil
}

// statusOf returns the main stream's supervisor status, for tests and
// health pages inside this package.
func (in *Ingest) statusOf(c nvr.Camera) supervisor.Status {
	in.mu.Lock()
	defer in.mu.Unlock()
	if run := in.cameras[c.ID]; run != nil {
		if s := run.streams["main"]; s != nil {
			return s.sup.Status()
		}
	}
	return supervisor.Status{}
}

// BytesIngested reports the payload bytes a camera's streams have
// delivered since its pipeline started (for benchmarks and health pages).
func (in *Ingest) BytesIngested(id nvr.CameraID) uint64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	var n uint64
	if run := in.cameras[id]; run != nil {
		for _, s := range run.streams {
			n += s.hub.Stats().Bytes
		}
	}
	return n
}
