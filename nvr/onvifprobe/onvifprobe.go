// Package onvifprobe asks a camera address what it is over ONVIF (vendor,
// model, streams, whether the credentials work) and scans the LAN with
// WS-Discovery, each behind the policy's grant: the adapter between the
// policy (nvr) and the ONVIF client (streams/onvif), shared by the CLI
// and the web API.
package onvifprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/onvif"
)

// Timeout bounds one probe: a device answers in well under a second; a
// dead address must not hold a request for long.
const Timeout = 15 * time.Second

// Request is what the user typed.
type Request struct {
	// Address is http://HOST[:PORT][/path] of the device service.
	Address string
	// Username and Password, when Username is set, are tried on the
	// device; they are never echoed in an answer or an error.
	Username, Password string
}

// Stream is one profile the device offers.
type Stream struct {
	Profile  string `json:"profile"`
	Name     string `json:"name"`
	Encoding string `json:"codec"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	FPS      int    `json:"fps,omitempty"`
	URL      string `json:"url"`
	// OtherHost: the device reports this stream on a host other than the
	// one probed; credentials given for the probed host are not meant for it.
	OtherHost bool `json:"other_host,omitempty"`
}

// Result is a probe's answer.
type Result struct {
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
	Firmware     string   `json:"firmware,omitempty"`
	Streams      []Stream `json:"streams"`
	Main         *Stream  `json:"main,omitempty"`
	Sub          *Stream  `json:"sub,omitempty"`
	// CredentialsOK is false when the device refused the credentials (or
	// wants some and none were given); the rest is then empty.
	CredentialsOK bool `json:"credentials_ok"`
	// Events: the camera offers its own detections (ONVIF events), so a
	// form may take events from it.
	Events bool `json:"events"`
}

// Prober probes devices. The zero value is ready; safe for concurrent use.
type Prober struct {
	// LookupHost resolves names for the local-address check (default:
	// the system resolver).
	LookupHost nvr.LookupHost
}

// Probe asks the device at req.Address what it is. A refused credential
// is an answer (CredentialsOK false), not an error; an address that is
// malformed, or local without g.LocalOK, is KindInvalid; a device that
// does not answer ONVIF is KindUnavailable.
func (pr Prober) Probe(ctx context.Context, g nvr.ProbeGrant, req Request) (Result, error) {
	const op = "probe camera"
	if !g.Valid() {
		return Result{}, nvr.ErrNotFound
	}
	u, err := onvif.ParseDeviceURL(req.Address)
	if err != nil {
		return Result{}, nvr.Errorf(op, nvr.KindInvalid, "%s", err.Error())
	}
	if !g.LocalOK() && nvr.LocalCameraHost(ctx, u.Hostname(), pr.LookupHost) {
		return Result{}, nvr.Errorf(op, nvr.KindInvalid, "the address reaches this Hearth appliance itself, not a camera; refused")
	}
	c, err := onvif.New(onvif.Config{URL: u.String(), Username: req.Username, Password: req.Password,
		CheckAddr: nvr.CheckAddrFor(g.LocalOK())})
	if err != nil {
		return Result{}, nvr.Errorf(op, nvr.KindInvalid, "%s", err.Error())
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	res, err := c.Probe(ctx)
	out := Result{Manufacturer: res.Device.Manufacturer, Model: res.Device.Model, Firmware: res.Device.FirmwareVersion,
		CredentialsOK: res.CredentialsOK, Events: res.Events}
	switch {
	case errors.Is(err, onvif.ErrUnauthorized):
		return Result{Manufacturer: out.Manufacturer, Model: out.Model}, nil
	case errors.Is(err, onvif.ErrAddrRefused):
		return Result{}, nvr.Errorf(op, nvr.KindInvalid, "the address reaches this Hearth appliance itself, not a camera; refused")
	case err != nil:
		// The client's errors name the operation and the transport's
		// failure; neither carries the credentials.
		return Result{}, &nvr.Error{Op: op, Kind: nvr.KindUnavailable, Msg: "no ONVIF answer at this address: check it, and that ONVIF is switched on in the camera's own settings (" + shorten(err) + ")", Err: err}
	}
	for _, s := range res.Streams {
		st := Stream{Profile: s.Token, Name: s.Name, Encoding: s.Encoding, Width: s.Width, Height: s.Height, FPS: s.FPS,
			URL: s.URI, OtherHost: !c.SameHost(s.URI)}
		out.Streams = append(out.Streams, st)
		if res.Main != nil && s.Token == res.Main.Token {
			out.Main = &st
		}
		if res.Sub != nil && s.Token == res.Sub.Token {
			out.Sub = &st
		}
	}
	if out.Main == nil {
		return out, nvr.Errorf(op, nvr.KindUnavailable, "the device reports no video stream")
	}
	return out, nil
}

func shorten(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// Found is one device a scan found.
type Found struct {
	Address  string `json:"address"` // its device service address
	Name     string `json:"name,omitempty"`
	Hardware string `json:"hardware,omitempty"`
	Endpoint string `json:"endpoint"`
	From     string `json:"from"`
}

// Discover sends a WS-Discovery probe (multicast, or unicast to target
// host:port when set) and returns the devices that answered within wait.
func Discover(ctx context.Context, g nvr.DiscoverGrant, target string, wait time.Duration) ([]Found, error) {
	const op = "discover cameras"
	if !g.Valid() {
		return nil, nvr.ErrNotFound
	}
	if target != "" {
		if _, _, err := net.SplitHostPort(target); err != nil {
			return nil, nvr.Errorf(op, nvr.KindInvalid, "target %q: want HOST:PORT", target)
		}
	}
	if wait <= 0 || wait > 10*time.Second {
		wait = 3 * time.Second
	}
	ds, err := onvif.Discover(ctx, onvif.DiscoverConfig{Target: target, Wait: wait})
	if err != nil {
		return nil, &nvr.Error{Op: op, Kind: nvr.KindUnavailable, Msg: fmt.Sprintf("scan failed: %v", err), Err: err}
	}
	out := make([]Found, 0, len(ds))
	for _, d := range ds {
		f := Found{Name: d.Name(), Hardware: d.Hardware(), Endpoint: d.Endpoint, From: d.From}
		if len(d.XAddrs) > 0 {
			f.Address = d.XAddrs[0]
		}
		out = append(out, f)
	}
	return out, nil
}
