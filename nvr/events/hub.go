package events

import (
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/streams/hub"
)

// eventHubSource gives events a camera's detection hub, found by the
// camera's immutable ID; nil when the camera is not streaming.
type eventHubSource interface {
	EventHub(id nvr.CameraID) *hub.Hub
}

var _ eventHubSource = (*ingest.Ingest)(nil)
