package nvr

import "github.com/hearthnvr/hearth/streams/hub"

// hubSource gives the recorder a camera's main stream hub, found by the
// camera's immutable ID; nil when the camera is not streaming.
type hubSource interface {
	RecordHub(id CameraID) *hub.Hub
}

var _ hubSource = (*Ingest)(nil)

// RecordHub returns the main stream hub of a running camera pipeline. It
// is the recorder's way in: the recorder is part of the core and needs no
// grant (it serves nobody).
func (in *Ingest) RecordHub(id CameraID) *hub.Hub {
	in.mu.Lock()
	defer in.mu.Unlock()
	if run := in.cameras[id]; run != nil {
		if s := run.streams["main"]; s != nil {
			return s.hub
		}
	}
	return nil
}
