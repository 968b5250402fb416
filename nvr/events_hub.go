package nvr

import "github.com/hearthnvr/hearth/streams/hub"

// eventHubSource gives events a camera's detection hub, found by the
// camera's immutable ID; nil when the camera is not streaming.
type eventHubSource interface {
	EventHub(id CameraID) *hub.Hub
}

var _ eventHubSource = (*Ingest)(nil)

// EventHub returns the hub detection reads: the sub stream when the camera
// has one (cheaper to analyse), else the main stream. Like RecordHub it
// needs no grant: events are part of the core and serve nobody directly.
func (in *Ingest) EventHub(id CameraID) *hub.Hub {
	in.mu.Lock()
	defer in.mu.Unlock()
	run := in.cameras[id]
	if run == nil {
		return nil
	}
	for _, stream := range []string{"sub", "main"} {
		if s := run.streams[stream]; s != nil {
			return s.hub
		}
	}
	return nil
}
