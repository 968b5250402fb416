package nvr

import (
	"encoding/json"
	"math"
)

// DetectorMode selects a camera's motion detector.
type DetectorMode string

// Detector modes.
const (
	DetectorAuto      DetectorMode = "auto"      // the pixel detector when ffmpeg is present, else the bitstream one
	DetectorBitstream DetectorMode = "bitstream" // coded frame sizes; no external program
	DetectorPixel     DetectorMode = "pixel"     // decoded frames through ffmpeg
	DetectorOff       DetectorMode = "off"       // no motion detection; external triggers still make events
)

// ParseDetectorMode validates a detector name; "" means auto.
func ParseDetectorMode(s string) (DetectorMode, error) {
	switch DetectorMode(s) {
	case "":
		return DetectorAuto, nil
	case DetectorAuto, DetectorBitstream, DetectorPixel, DetectorOff:
		return DetectorMode(s), nil
	}
	return "", Errorf("parse detector", KindInvalid, "motion detector must be auto, bitstream, pixel or off")
}

// EventSource picks which events count for a camera.
type EventSource string

// Event sources.
const (
	EventSourceHearth EventSource = "hearth" // Hearth's own motion detector (the default)
	EventSourceCamera EventSource = "camera" // the camera's analytics over ONVIF (motion, person, vehicle, ...)
	EventSourceBoth   EventSource = "both"   // both
)

// ParseEventSource validates an event source; "" means hearth.
func ParseEventSource(s string) (EventSource, error) {
	switch EventSource(s) {
	case "":
		return EventSourceHearth, nil
	case EventSourceHearth, EventSourceCamera, EventSourceBoth:
		return EventSource(s), nil
	}
	return "", Errorf("parse event source", KindInvalid, "event source must be hearth, camera or both")
}

// UsesHearth and UsesCamera tell which detectors an event source runs.
func (s EventSource) UsesHearth() bool { return s != EventSourceCamera }

// UsesCamera reports whether the camera's own events count.
func (s EventSource) UsesCamera() bool { return s == EventSourceCamera || s == EventSourceBoth }

// Detection defaults and limits.
const (
	DefaultSensitivity = 50
	MinSensitivity     = 1
	MaxSensitivity     = 100
	MaxZones           = 16
	MaxZonePoints      = 32
)

// Zone is a polygon in normalized picture coordinates (0..1, origin top
// left). A mask zone's motion is ignored; the others name where motion was.
type Zone struct {
	Name    string       `json:"name"`
	Mask    bool         `json:"mask,omitempty"`
	Polygon [][2]float64 `json:"polygon"`
}

// Detection is a camera's event settings.
type Detection struct {
	Detector    DetectorMode
	Sensitivity int // 1 (only large changes) .. 100 (the slightest)
	// Zones is a JSON array of Zone ("" or "[]": the whole picture). Kept
	// as text so that Camera stays comparable; see ParsedZones.
	Zones string
	// NoEvents turns events off for the camera: no detection, and external
	// triggers are refused.
	NoEvents bool
	// Source picks Hearth's detector, the camera's own events (ONVIF), or
	// both; "" is the default, Hearth's detector.
	Source EventSource
}

// Running is the detector that runs for a camera with these settings:
// Automatic is picture analysis when ffmpeg is installed and the camera
// has a sub stream to decode, else frame sizes; picture analysis without
// ffmpeg falls back to frame sizes. Zones and masks count only with
// picture analysis.
func (d Detection) Running(hasSub, ffmpeg bool) DetectorMode {
	switch mode := d.WithDefaults().Detector; {
	case d.NoEvents:
		return DetectorOff
	case mode == DetectorAuto && ffmpeg && hasSub, mode == DetectorPixel && ffmpeg:
		return DetectorPixel
	case mode == DetectorOff:
		return DetectorOff
	default:
		return DetectorBitstream
	}
}

// WithDefaults fills zero settings with the defaults.
func (d Detection) WithDefaults() Detection {
	if d.Detector == "" {
		d.Detector = DetectorAuto
	}
	if d.Sensitivity == 0 {
		d.Sensitivity = DefaultSensitivity
	}
	if d.Zones == "" {
		d.Zones = "[]"
	}
	return d
}

// Validate checks the settings; KindInvalid with a client-safe message.
func (d Detection) Validate() error {
	const op = "validate detection"
	if _, err := ParseDetectorMode(string(d.Detector)); err != nil || d.Detector == "" {
		return Errorf(op, KindInvalid, "motion detector must be auto, bitstream, pixel or off")
	}
	if _, err := ParseEventSource(string(d.Source)); err != nil {
		return err
	}
	if d.Sensitivity < MinSensitivity || d.Sensitivity > MaxSensitivity {
		return Errorf(op, KindInvalid, "motion sensitivity must be %d to %d", MinSensitivity, MaxSensitivity)
	}
	zones, err := d.ParsedZones()
	if err != nil {
		return err
	}
	if len(zones) > MaxZones {
		return Errorf(op, KindInvalid, "at most %d zones", MaxZones)
	}
	for _, z := range zones {
		if err := ValidateLabel(z.Name); err != nil || z.Name == "" {
			return Errorf(op, KindInvalid, "a zone name must be 1 to %d printable characters", MaxLabelLen)
		}
		if len(z.Polygon) < 3 || len(z.Polygon) > MaxZonePoints {
			return Errorf(op, KindInvalid, "a zone needs 3 to %d points", MaxZonePoints)
		}
		for _, p := range z.Polygon {
			for _, v := range p {
				if math.IsNaN(v) || v < 0 || v > 1 {
					return Errorf(op, KindInvalid, "zone points must be within 0..1")
				}
			}
		}
	}
	return nil
}

// ParsedZones decodes Zones.
func (d Detection) ParsedZones() ([]Zone, error) {
	if d.Zones == "" || d.Zones == "[]" {
		return nil, nil
	}
	var zs []Zone
	if len(d.Zones) > 64<<10 || json.Unmarshal([]byte(d.Zones), &zs) != nil {
		return nil, Errorf("parse zones", KindInvalid, "zones must be a JSON array of {name, mask, polygon}")
	}
	return zs, nil
}

// ZonesText encodes zones for Detection.Zones.
func ZonesText(zs []Zone) string {
	if len(zs) == 0 {
		return "[]"
	}
	b, err := json.Marshal(zs)
	if err != nil {
		return "[]"
	}
	return string(b)
}
