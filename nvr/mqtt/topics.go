package mqtt

import (
	"encoding/json"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/record"
)

// Topics of one integration. Everything a household's Home Assistant
// reads is under its topic prefix or its discovery prefix, both unique to
// the integration, so a broker ACL per prefix isolates households fully.
type topics struct{ prefix, discovery string }

func topicsOf(in nvr.Integration) topics {
	return topics{prefix: in.TopicPrefix, discovery: in.DiscoveryPrefix}
}

func (t topics) availability() string { return t.prefix + "/availability" }
func (t topics) camera(id nvr.CameraID, leaf string) string {
	return t.prefix + "/" + string(id) + "/" + leaf
}

// Leaves under <prefix>/<camera ID>/.
const (
	leafState      = "state"     // streaming, recording, stalled or offline (retained)
	leafMotion     = "motion"    // ON while an event is open (retained)
	leafEvent      = "event"     // JSON per event start and end
	leafThumbnail  = "thumbnail" // the latest event's JPEG (retained)
	leafRecording  = "recording" // ON/OFF: the recording switch's state (retained)
	leafRecordSet  = "recording/set"
	leafPrivacy    = "privacy" // ON/OFF: the privacy shutter, ON while closed (retained)
	leafPrivacySet = "privacy/set"
	leafTrigger    = "trigger" // command: payload is an optional label
	discoveryNode  = "hearth"  // node_id in discovery topics
	payloadOnline  = "online"
	payloadOffline = "offline"
)

// retainedLeaves are cleared (empty retained payload) when a camera leaves
// the principal's view, so nothing of it stays readable on the broker.
func retainedLeaves() []string {
	return []string{leafState, leafMotion, leafThumbnail, leafRecording, leafPrivacy}
}

// entity is one discovery entity of a camera: its component and the suffix
// of its object ID after the camera ID ("" for the first of a component,
// whose topic predates the second switch and so stays as it was).
type entity struct{ component, suffix string }

// privacySuffix tells the shutter's switch from the recording switch in
// its discovery topic; camera IDs are hex, so it cannot be part of one.
const privacySuffix = "_privacy"

// entities are the discovery entities of a camera.
func entities() []entity {
	return []entity{{"camera", ""}, {"binary_sensor", ""}, {"sensor", ""}, {"switch", ""}, {"switch", privacySuffix}}
}

func (t topics) discoveryConfig(e entity, id nvr.CameraID) string {
	return t.discovery + "/" + e.component + "/" + discoveryNode + "/" + string(id) + e.suffix + "/config"
}

// discoveryCamera parses a discovery config topic of this integration back
// to its camera, for retained configs left from an earlier run.
func (t topics) discoveryCamera(topic string) (nvr.CameraID, bool) {
	rest, ok := strings.CutPrefix(topic, t.discovery+"/")
	if !ok {
		return "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[1] != discoveryNode || parts[3] != "config" {
		return "", false
	}
	id, err := nvr.ParseCameraID(strings.TrimSuffix(parts[2], privacySuffix))
	if err != nil {
		return "", false
	}
	return id, true
}

// commandCamera parses <prefix>/<camera ID>/<leaf> for a command leaf.
func (t topics) commandCamera(topic string) (nvr.CameraID, string, bool) {
	rest, ok := strings.CutPrefix(topic, t.prefix+"/")
	if !ok {
		return "", "", false
	}
	id, leaf, ok := strings.Cut(rest, "/")
	if !ok || (leaf != leafRecordSet && leaf != leafTrigger && leaf != leafPrivacySet) {
		return "", "", false
	}
	cid, err := nvr.ParseCameraID(id)
	if err != nil {
		return "", "", false
	}
	return cid, leaf, true
}

// discoveryConfigs are the Home Assistant MQTT discovery payloads of camera
// c, by topic, following HA's conventions: a device block whose identifier
// is the camera's immutable ID, a unique_id per entity, the integration's
// availability topic. No object_id: Home Assistant deprecated it (2025.10)
// and derives entity IDs from the device and entity names.
func (t topics) discoveryConfigs(c nvr.Camera) map[string][]byte {
	device := map[string]any{
		"identifiers":  []string{string(c.ID)},
		"name":         c.Name,
		"manufacturer": "Hearth",
		"model":        "Hearth camera",
	}
	base := func(entity, name string) map[string]any {
		return map[string]any{
			"name":                  name,
			"unique_id":             "hearth_" + string(c.ID) + "_" + entity,
			"device":                device,
			"availability_topic":    t.availability(),
			"payload_available":     payloadOnline,
			"payload_not_available": payloadOffline,
			"origin":                map[string]any{"name": "Hearth"},
		}
	}
	cam := base("snapshot", "Latest event")
	cam["topic"] = t.camera(c.ID, leafThumbnail)

	motion := base("motion", "Motion")
	motion["state_topic"] = t.camera(c.ID, leafMotion)
	motion["device_class"] = "motion"
	motion["payload_on"], motion["payload_off"] = "ON", "OFF"

	state := base("state", "State")
	state["state_topic"] = t.camera(c.ID, leafState)
	state["device_class"] = "enum"
	state["options"] = []string{"streaming", "recording", "stalled", "offline"}

	rec := base("recording", "Recording")
	rec["state_topic"] = t.camera(c.ID, leafRecording)
	rec["command_topic"] = t.camera(c.ID, leafRecordSet)
	rec["payload_on"], rec["payload_off"] = "ON", "OFF"
	rec["state_on"], rec["state_off"] = "ON", "OFF"

	// ON means closed: "privacy on", what a presence automation turns on
	// when someone comes home.
	privacy := base("privacy", "Privacy shutter")
	privacy["state_topic"] = t.camera(c.ID, leafPrivacy)
	privacy["command_topic"] = t.camera(c.ID, leafPrivacySet)
	privacy["payload_on"], privacy["payload_off"] = "ON", "OFF"
	privacy["state_on"], privacy["state_off"] = "ON", "OFF"
	privacy["icon"] = "mdi:eye-off"

	out := map[string][]byte{}
	for e, payload := range map[entity]map[string]any{{"camera", ""}: cam, {"binary_sensor", ""}: motion, {"sensor", ""}: state,
		{"switch", ""}: rec, {"switch", privacySuffix}: privacy} {
		b, _ := json.Marshal(payload) // maps of strings: cannot fail
		out[t.discoveryConfig(e, c.ID)] = b
	}
	return out
}

// onOff is a switch's state payload.
func onOff(on bool) string {
	if on {
		return "ON"
	}
	return "OFF"
}

// cameraState is the measured state Home Assistant shows: recording when
// fragments were indexed lately, stalled when the camera streams but
// nothing is indexed, streaming when frames arrive, else offline.
func cameraState(st ingest.CameraStatus) string {
	switch {
	case st.Recording == record.RecordingActive:
		return "recording"
	case st.Recording == record.RecordingStalled:
		return "stalled"
	case st.State == "streaming":
		return "streaming"
	}
	return "offline"
}

// eventPayload is what <prefix>/<camera>/event carries.
type eventPayload struct {
	Type   string  `json:"type"` // start or end
	ID     string  `json:"id"`
	Camera string  `json:"camera"`
	Kind   string  `json:"kind"`
	Label  string  `json:"label"`
	Start  string  `json:"start"`
	End    string  `json:"end,omitempty"`
	Score  float64 `json:"score"`
}
