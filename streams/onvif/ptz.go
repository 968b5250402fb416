package onvif

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

const nsPTZ = "http://www.onvif.org/ver20/ptz/wsdl"

// Preset is a stored PTZ position.
type Preset struct {
	Token string
	Name  string
}

// PTZStatus is GetStatus's answer: the position in the generic spaces
// (pan and tilt -1..1, zoom 0..1) and whether the head moves.
type PTZStatus struct {
	Pan, Tilt, Zoom float64
	Moving          bool
}

// ptzURL is the PTZ service on the device's host.
func (c *Client) ptzURL(ctx context.Context) string {
	if caps, err := c.Capabilities(ctx); err == nil {
		if p := pathOf(caps.PTZ); p != "" {
			return c.serviceURL(p)
		}
	}
	return c.serviceURL("/onvif/ptz_service")
}

func speed(v float64) string {
	if math.IsNaN(v) {
		v = 0
	}
	return strconv.FormatFloat(math.Max(-1, math.Min(1, v)), 'f', 3, 64)
}

// ContinuousMove starts moving profile's head at the given speeds (pan
// and tilt -1..1, zoom -1..1; values outside are clamped) for at most
// timeout, after which the device stops by itself: a lost Stop never
// leaves a camera turning.
func (c *Client) ContinuousMove(ctx context.Context, profile string, pan, tilt, zoom float64, timeout time.Duration) error {
	body := `<ContinuousMove xmlns="` + nsPTZ + `"><ProfileToken>` + escape(profile) + `</ProfileToken><Velocity><tt:PanTilt x="` + speed(pan) +
		`" y="` + speed(tilt) + `"/><tt:Zoom x="` + speed(zoom) + `"/></Velocity><Timeout>` + isoDuration(timeout) + `</Timeout></ContinuousMove>`
	return c.call(ctx, c.ptzURL(ctx), nsPTZ+"/ContinuousMove", body, true, nil)
}

// Stop stops profile's head (pan, tilt and zoom).
func (c *Client) Stop(ctx context.Context, profile string) error {
	body := `<Stop xmlns="` + nsPTZ + `"><ProfileToken>` + escape(profile) + `</ProfileToken><PanTilt>true</PanTilt><Zoom>true</Zoom></Stop>`
	return c.call(ctx, c.ptzURL(ctx), nsPTZ+"/Stop", body, true, nil)
}

type presetsResponse struct {
	Presets []struct {
		Token string `xml:"token,attr"`
		Name  string `xml:"Name"`
	} `xml:"Preset"`
}

// maxPresetsKept bounds the presets kept from one answer.
const maxPresetsKept = 256

func (r presetsResponse) presets() []Preset {
	var out []Preset
	for _, p := range r.Presets {
		if len(out) == maxPresetsKept {
			break
		}
		if t := strings.TrimSpace(p.Token); t != "" {
			out = append(out, Preset{Token: truncate(t, 64), Name: truncate(strings.TrimSpace(p.Name), 64)})
		}
	}
	return out
}

// Presets lists profile's presets.
func (c *Client) Presets(ctx context.Context, profile string) ([]Preset, error) {
	var r presetsResponse
	if err := c.call(ctx, c.ptzURL(ctx), nsPTZ+"/GetPresets", `<GetPresets xmlns="`+nsPTZ+`"><ProfileToken>`+escape(profile)+`</ProfileToken></GetPresets>`, true, &r); err != nil {
		return nil, err
	}
	return r.presets(), nil
}

// GotoPreset moves profile's head to a preset.
func (c *Client) GotoPreset(ctx context.Context, profile, preset string) error {
	body := `<GotoPreset xmlns="` + nsPTZ + `"><ProfileToken>` + escape(profile) + `</ProfileToken><PresetToken>` + escape(preset) + `</PresetToken></GotoPreset>`
	return c.call(ctx, c.ptzURL(ctx), nsPTZ+"/GotoPreset", body, true, nil)
}

// SetPreset stores the current position under name and returns its token.
func (c *Client) SetPreset(ctx context.Context, profile, name string) (string, error) {
	var r struct {
		Token string `xml:"PresetToken"`
	}
	body := `<SetPreset xmlns="` + nsPTZ + `"><ProfileToken>` + escape(profile) + `</ProfileToken><PresetName>` + escape(name) + `</PresetName></SetPreset>`
	if err := c.call(ctx, c.ptzURL(ctx), nsPTZ+"/SetPreset", body, true, &r); err != nil {
		return "", err
	}
	if t := strings.TrimSpace(r.Token); t != "" {
		return truncate(t, 64), nil
	}
	return "", fmt.Errorf("SetPreset: no token in the answer")
}

type statusResponse struct {
	Status struct {
		Position struct {
			PanTilt struct {
				X string `xml:"x,attr"`
				Y string `xml:"y,attr"`
			} `xml:"PanTilt"`
			Zoom struct {
				X string `xml:"x,attr"`
			} `xml:"Zoom"`
		} `xml:"Position"`
		MoveStatus struct {
			PanTilt string `xml:"PanTilt"`
			Zoom    string `xml:"Zoom"`
		} `xml:"MoveStatus"`
	} `xml:"PTZStatus"`
}

func finite(s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func (r statusResponse) status() PTZStatus {
	p := r.Status.Position
	return PTZStatus{Pan: finite(p.PanTilt.X), Tilt: finite(p.PanTilt.Y), Zoom: finite(p.Zoom.X),
		Moving: strings.EqualFold(strings.TrimSpace(r.Status.MoveStatus.PanTilt), "MOVING") || strings.EqualFold(strings.TrimSpace(r.Status.MoveStatus.Zoom), "MOVING")}
}

// Status is GetStatus for profile's head.
func (c *Client) Status(ctx context.Context, profile string) (PTZStatus, error) {
	var r statusResponse
	if err := c.call(ctx, c.ptzURL(ctx), nsPTZ+"/GetStatus", `<GetStatus xmlns="`+nsPTZ+`"><ProfileToken>`+escape(profile)+`</ProfileToken></GetStatus>`, true, &r); err != nil {
		return PTZStatus{}, err
	}
	return r.status(), nil
}
