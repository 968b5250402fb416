package simcam

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The device's PTZ service. The simulated head has a pan and tilt
// position in [-1, 1] (ONVIF's generic space) and a zoom in [0, 1];
// moving it shifts the picture of the device's cameras: the object is
// drawn offset against the pan and tilt, by up to a quarter of the frame,
// so a test (or a person) sees the camera move.
const (
	maxPresets     = 32
	defaultMoveFor = 10 * time.Second // a ContinuousMove without Timeout
	maxMoveFor     = time.Minute
)

type ptzPreset struct {
	token, name string
	x, y, z     float64
}

type ptzHead struct {
	mu         sync.Mutex
	x, y, z    float64 // position
	vx, vy, vz float64 // velocity, per second at speed 1
	until      time.Time
	at         time.Time // when the position was last brought up to date
	presets    []ptzPreset
	next       int
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// advanceLocked brings the position up to now.
func (h *ptzHead) advanceLocked(now time.Time) {
	if h.at.IsZero() {
		h.at = now
	}
	end := now
	if h.until.Before(end) {
		end = h.until
	}
	if dt := end.Sub(h.at).Seconds(); dt > 0 {
		h.x = clamp(h.x+h.vx*dt, -1, 1)
		h.y = clamp(h.y+h.vy*dt, -1, 1)
		h.z = clamp(h.z+h.vz*dt, 0, 1)
	}
	if !now.Before(h.until) {
		h.vx, h.vy, h.vz = 0, 0, 0
	}
	h.at = now
}

// PTZPosition returns the simulated head's pan, tilt and zoom now.
func (s *Server) PTZPosition() (pan, tilt, zoom float64) {
	if s.onvif == nil {
		return 0, 0, 0
	}
	h := &s.onvif.ptz
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advanceLocked(s.onvif.now())
	return h.x, h.y, h.z
}

// viewOffset is the picture shift for a frame of width×height now.
func (d *onvifDevice) viewOffset(width, height int) (dx, dy int) {
	h := &d.ptz
	h.mu.Lock()
	h.advanceLocked(d.now())
	x, y := h.x, h.y
	h.mu.Unlock()
	return -int(x*float64(width)/4) &^ 1, int(y*float64(height)/4) &^ 1
}

type ptzRequest struct {
	ProfileToken string `xml:"ProfileToken"`
	Velocity     struct {
		PanTilt struct {
			X string `xml:"x,attr"`
			Y string `xml:"y,attr"`
		} `xml:"PanTilt"`
		Zoom struct {
			X string `xml:"x,attr"`
		} `xml:"Zoom"`
	} `xml:"Velocity"`
	Timeout     string `xml:"Timeout"`
	PresetName  string `xml:"PresetName"`
	PresetToken string `xml:"PresetToken"`
}

func parseSpeed(s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) {
		return 0
	}
	return clamp(v, -1, 1)
}

func ptzFloat(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

// servePTZ answers a PTZ operation; ok is false for operations it does
// not know.
func (d *onvifDevice) servePTZ(w http.ResponseWriter, op string, req ptzRequest) bool {
	if op != "GetNodes" && op != "GetConfigurations" {
		if _, ok := d.profileIndex(req.ProfileToken); !ok {
			d.fault(w, http.StatusBadRequest, "env:Sender", "ter:NoProfile", "no such profile")
			return true
		}
	}
	h := &d.ptz
	now := d.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advanceLocked(now)
	switch op {
	case "ContinuousMove":
		dur, ok := parseISODuration(req.Timeout)
		if !ok || dur <= 0 {
			dur = defaultMoveFor
		}
		h.vx, h.vy, h.vz = parseSpeed(req.Velocity.PanTilt.X), parseSpeed(req.Velocity.PanTilt.Y), parseSpeed(req.Velocity.Zoom.X)
		h.until = now.Add(min(dur, maxMoveFor))
		writeSOAP(w, http.StatusOK, `<tptz:ContinuousMoveResponse/>`)
	case "Stop":
		h.vx, h.vy, h.vz, h.until = 0, 0, 0, now
		writeSOAP(w, http.StatusOK, `<tptz:StopResponse/>`)
	case "GetStatus":
		move := "IDLE"
		if h.vx != 0 || h.vy != 0 || h.vz != 0 {
			move = "MOVING"
		}
		writeSOAP(w, http.StatusOK, `<tptz:GetStatusResponse><tptz:PTZStatus><tt:Position><tt:PanTilt x="`+ptzFloat(h.x)+`" y="`+ptzFloat(h.y)+
			`" space="http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"/><tt:Zoom x="`+ptzFloat(h.z)+
			`" space="http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace"/></tt:Position><tt:MoveStatus><tt:PanTilt>`+move+
			`</tt:PanTilt><tt:Zoom>`+move+`</tt:Zoom></tt:MoveStatus><tt:UtcTime>`+isoTime(now)+`</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>`)
	case "GetPresets":
		var b strings.Builder
		b.WriteString(`<tptz:GetPresetsResponse>`)
		for _, p := range h.presets {
			b.WriteString(`<tptz:Preset token="` + esc(p.token) + `"><tt:Name>` + esc(p.name) + `</tt:Name><tt:PTZPosition><tt:PanTilt x="` +
				ptzFloat(p.x) + `" y="` + ptzFloat(p.y) + `"/><tt:Zoom x="` + ptzFloat(p.z) + `"/></tt:PTZPosition></tptz:Preset>`)
		}
		b.WriteString(`</tptz:GetPresetsResponse>`)
		writeSOAP(w, http.StatusOK, b.String())
	case "SetPreset":
		name := strings.TrimSpace(req.PresetName)
		if len(h.presets) >= maxPresets || name == "" || len(name) > 64 {
			d.fault(w, http.StatusBadRequest, "env:Receiver", "ter:TooManyPresets", "preset refused")
			return true
		}
		h.next++
		p := ptzPreset{token: fmt.Sprintf("preset_%d", h.next), name: name, x: h.x, y: h.y, z: h.z}
		h.presets = append(h.presets, p)
		writeSOAP(w, http.StatusOK, `<tptz:SetPresetResponse><tptz:PresetToken>`+p.token+`</tptz:PresetToken></tptz:SetPresetResponse>`)
	case "GotoPreset":
		for _, p := range h.presets {
			if p.token == strings.TrimSpace(req.PresetToken) {
				h.x, h.y, h.z = p.x, p.y, p.z
				h.vx, h.vy, h.vz, h.until = 0, 0, 0, now
				writeSOAP(w, http.StatusOK, `<tptz:GotoPresetResponse/>`)
				return true
			}
		}
		d.fault(w, http.StatusBadRequest, "env:Sender", "ter:NoToken", "no such preset")
	case "GetNodes":
		writeSOAP(w, http.StatusOK, `<tptz:GetNodesResponse><tptz:PTZNode token="node_1" FixedHomePosition="false"><tt:Name>head</tt:Name>`+
			`<tt:MaximumNumberOfPresets>`+strconv.Itoa(maxPresets)+`</tt:MaximumNumberOfPresets><tt:HomeSupported>false</tt:HomeSupported></tptz:PTZNode></tptz:GetNodesResponse>`)
	case "GetConfigurations":
		writeSOAP(w, http.StatusOK, `<tptz:GetConfigurationsResponse><tptz:PTZConfiguration token="ptz_1"><tt:Name>head</tt:Name><tt:UseCount>1</tt:UseCount>`+
			`<tt:NodeToken>node_1</tt:NodeToken></tptz:PTZConfiguration></tptz:GetConfigurationsResponse>`)
	default:
		return false
	}
	return true
}
