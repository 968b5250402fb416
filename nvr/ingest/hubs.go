package ingest

import (
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/hub"
)

// EventHub returns the hub detection reads: the sub stream when the camera
// has one (cheaper to analyse), else the main stream. Like RecordHub it
// needs no grant: events are part of the core and serve nobody directly.
func (in *Ingest) EventHub(id nvr.CameraID) *hub.Hub {
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

// RecordHub returns the main stream hub of a running camera pipeline. It
// is the recorder's way in: the recorder is part of the core and needs no
// grant (it serves nobody).
func (in *Ingest) RecordHub(id nvr.CameraID) *hub.Hub {
	in.mu.Lock()
	defer in.mu.Unlock()
	if run := in.cameras[id]; run != nil {
		if s := run.streams["main"]; s != nil {
			return s.hub
		}
	}
	return nil
}
