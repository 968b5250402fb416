package record

import (
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/hub"
)

// hubSource gives the recorder a camera's main stream hub, found by the
// camera's immutable ID; nil when the camera is not streaming.
type hubSource interface {
	RecordHub(id nvr.CameraID) *hub.Hub
}

// IngestSource is what the recorder needs of the ingest (*ingest.Ingest
// implements it; the wiring in cmd checks): each camera's main stream hub
// and the camera list the ingest reads.
type IngestSource interface {
	hubSource
	CameraLister() nvr.CameraLister
}
