package onvif

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DeviceInfo is GetDeviceInformation's answer.
type DeviceInfo struct {
	Manufacturer    string `xml:"Manufacturer"`
	Model           string `xml:"Model"`
	FirmwareVersion string `xml:"FirmwareVersion"`
	SerialNumber    string `xml:"SerialNumber"`
	HardwareID      string `xml:"HardwareId"`
}

type dateTime struct {
	Time struct {
		Hour   int `xml:"Hour"`
		Minute int `xml:"Minute"`
		Second int `xml:"Second"`
	} `xml:"Time"`
	Date struct {
		Year  int `xml:"Year"`
		Month int `xml:"Month"`
		Day   int `xml:"Day"`
	} `xml:"Date"`
}

type systemDateAndTimeResponse struct {
	SystemDateAndTime struct {
		UTCDateTime *dateTime `xml:"UTCDateTime"`
	} `xml:"SystemDateAndTime"`
}

// parseSystemTime reads a GetSystemDateAndTime answer's UTC time.
func parseSystemTime(r systemDateAndTimeResponse) (time.Time, error) {
	d := r.SystemDateAndTime.UTCDateTime
	if d == nil {
		return time.Time{}, fmt.Errorf("GetSystemDateAndTime: no UTCDateTime")
	}
	if d.Date.Year < 1970 || d.Date.Year > 9999 || d.Date.Month < 1 || d.Date.Month > 12 || d.Date.Day < 1 || d.Date.Day > 31 ||
		d.Time.Hour < 0 || d.Time.Hour > 23 || d.Time.Minute < 0 || d.Time.Minute > 59 || d.Time.Second < 0 || d.Time.Second > 60 {
		return time.Time{}, fmt.Errorf("GetSystemDateAndTime: invalid date")
	}
	return time.Date(d.Date.Year, time.Month(d.Date.Month), d.Date.Day, d.Time.Hour, d.Time.Minute, d.Time.Second, 0, time.UTC), nil
}

// SyncTime asks the device its clock (unauthenticated, as the standard
// wants) and keeps the offset to the local clock, so the UsernameTokens
// that follow carry a creation time the device accepts. It returns the
// device's UTC time.
func (c *Client) SyncTime(ctx context.Context) (time.Time, error) {
	var r systemDateAndTimeResponse
	before := c.cfg.Now()
	if err := c.call(ctx, c.device.String(), nsDevice+"/GetSystemDateAndTime",
		`<GetSystemDateAndTime xmlns="`+nsDevice+`"/>`, false, &r); err != nil {
		return time.Time{}, err
	}
	t, err := parseSystemTime(r)
	if err != nil {
		return time.Time{}, err
	}
	// The device's seconds were read somewhere in the round trip: its middle.
	local := before.Add(c.cfg.Now().Sub(before) / 2)
	c.mu.Lock()
	c.offset = t.Sub(local)
	c.mu.Unlock()
	return t, nil
}

// DeviceInformation is GetDeviceInformation (authenticated).
func (c *Client) DeviceInformation(ctx context.Context) (DeviceInfo, error) {
	var r DeviceInfo
	err := c.call(ctx, c.device.String(), nsDevice+"/GetDeviceInformation",
		`<GetDeviceInformation xmlns="`+nsDevice+`"/>`, true, &r)
	r.Manufacturer, r.Model = strings.TrimSpace(r.Manufacturer), strings.TrimSpace(r.Model)
	return r, err
}

// Capabilities are the service addresses of GetCapabilities.
type Capabilities struct {
	Device, Media, Events, PTZ string
}

type capabilitiesResponse struct {
	Capabilities struct {
		Device struct {
			XAddr string `xml:"XAddr"`
		} `xml:"Device"`
		Media struct {
			XAddr string `xml:"XAddr"`
		} `xml:"Media"`
		Events struct {
			XAddr     string `xml:"XAddr"`
			PullPoint string `xml:"WSPullPointSupport"`
		} `xml:"Events"`
		PTZ struct {
			XAddr string `xml:"XAddr"`
		} `xml:"PTZ"`
	} `xml:"Capabilities"`
}

// Capabilities is GetCapabilities (category All). It remembers the media
// service's path for Profiles and StreamURI.
func (c *Client) Capabilities(ctx context.Context) (Capabilities, error) {
	var r capabilitiesResponse
	if err := c.call(ctx, c.device.String(), nsDevice+"/GetCapabilities",
		`<GetCapabilities xmlns="`+nsDevice+`"><Category>All</Category></GetCapabilities>`, true, &r); err != nil {
		return Capabilities{}, err
	}
	caps := Capabilities{Device: strings.TrimSpace(r.Capabilities.Device.XAddr), Media: strings.TrimSpace(r.Capabilities.Media.XAddr),
		Events: strings.TrimSpace(r.Capabilities.Events.XAddr), PTZ: strings.TrimSpace(r.Capabilities.PTZ.XAddr)}
	if p := pathOf(caps.Media); p != "" {
		c.mu.Lock()
		c.media = p
		c.mu.Unlock()
	}
	return caps, nil
}

// Service is one entry of GetServices.
type Service struct {
	Namespace string `xml:"Namespace"`
	XAddr     string `xml:"XAddr"`
	Version   struct {
		Major int `xml:"Major"`
		Minor int `xml:"Minor"`
	} `xml:"Version"`
}

type servicesResponse struct {
	Services []Service `xml:"Service"`
}

// Services is GetServices (without capabilities). It remembers the media
// service's path, as Capabilities does.
func (c *Client) Services(ctx context.Context) ([]Service, error) {
	var r servicesResponse
	if err := c.call(ctx, c.device.String(), nsDevice+"/GetServices",
		`<GetServices xmlns="`+nsDevice+`"><IncludeCapability>false</IncludeCapability></GetServices>`, true, &r); err != nil {
		return nil, err
	}
	for _, s := range r.Services {
		if strings.TrimSpace(s.Namespace) == nsMedia {
			if p := pathOf(s.XAddr); p != "" {
				c.mu.Lock()
				c.media = p
				c.mu.Unlock()
			}
		}
	}
	return r.Services, nil
}
