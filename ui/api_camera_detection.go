package ui

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
)

// A camera's event settings (detector, sensitivity, zones and masks,
// events on or off) ride on PATCH /api/cameras/{id} beside the recording
// settings, and the camera's settings page posts them there. nvr's
// Detection.Validate (through Directory.EditCamera) is the only judge of
// the values; this file only carries them.

// detectionRequest is the event settings part of a camera edit.
type detectionRequest struct {
	Detector    *nvr.DetectorMode `json:"detector"`
	Sensitivity *int              `json:"sensitivity"` // 1-100
	// Zones is a JSON array of {name, mask, polygon} in 0..1 coordinates,
	// or that array as JSON text (the settings form's textarea). [] or
	// "": the whole picture.
	Zones         json.RawMessage `json:"zones"`
	EventsEnabled *bool           `json:"events_enabled"`
}

// detectionChanges maps the request onto ch. Zones that are not a JSON
// array of zones are refused with nvr's own message.
func (req detectionRequest) detectionChanges(ch *nvr.CameraChanges) error {
	ch.Detector, ch.Sensitivity = req.Detector, req.Sensitivity
	if req.EventsEnabled != nil {
		off := !*req.EventsEnabled
		ch.NoEvents = &off
	}
	if len(req.Zones) == 0 || string(req.Zones) == "null" {
		return nil
	}
	text := string(req.Zones)
	var s string
	if json.Unmarshal(req.Zones, &s) == nil {
		text = s
	}
	zones, err := parseZonesText(text)
	if err != nil {
		return err
	}
	ch.Zones = &zones
	return nil
}

// parseZonesText decodes zones as nvr reads them ("" is no zones).
func parseZonesText(text string) ([]nvr.Zone, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		text = "[]"
	}
	zs, err := nvr.Detection{Zones: text}.ParsedZones()
	if err != nil {
		return nil, err
	}
	if zs == nil {
		zs = []nvr.Zone{}
	}
	return zs, nil
}

// detectionResponse is a camera's event settings as the API shows them.
type detectionResponse struct {
	Detector      nvr.DetectorMode `json:"detector"`
	Sensitivity   int              `json:"sensitivity"`
	Zones         []nvr.Zone       `json:"zones"`
	EventsEnabled bool             `json:"events_enabled"`
}

func detectionOf(c nvr.Camera) detectionResponse {
	d := c.Detection.WithDefaults()
	zones, err := d.ParsedZones()
	if err != nil || zones == nil {
		zones = []nvr.Zone{}
	}
	return detectionResponse{Detector: d.Detector, Sensitivity: d.Sensitivity, Zones: zones, EventsEnabled: !d.NoEvents}
}

// handleSnapshot serves the camera's current picture (the stream zones
// are drawn on): a JPEG, or a one-frame MP4 where ffmpeg is missing. It is
// made on request and never cached: the grant decides every time.
func (s *Server) handleSnapshot(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	data, ct, err := s.events.Snapshot(r.Context(), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(data)
}
