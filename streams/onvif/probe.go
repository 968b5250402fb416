package onvif

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Stream is one profile with its RTSP address.
type Stream struct {
	Profile
	URI string
}

// ProbeResult is what Probe learnt of a device.
type ProbeResult struct {
	Device DeviceInfo
	// Streams are the video profiles with their addresses, in the
	// device's order.
	Streams []Stream
	// Main and Sub are the highest and lowest resolution streams; Sub is
	// nil when the device has one resolution only.
	Main, Sub *Stream
	// CredentialsOK is true when the device accepted the credentials (or
	// none were given and it needed none).
	CredentialsOK bool
	// Events: the device offers an event service (its own detections).
	Events bool
}

// Probe reads a device's identity and streams: GetSystemDateAndTime (clock
// offset), GetDeviceInformation, GetCapabilities (falling back to
// GetServices), GetProfiles and GetStreamUri per profile. A device that
// refuses the credentials answers ErrUnauthorized (wrapped).
func (c *Client) Probe(ctx context.Context) (ProbeResult, error) {
	var res ProbeResult
	if _, err := c.SyncTime(ctx); err != nil && !errors.Is(err, ErrUnauthorized) {
		// Some devices want credentials even here; the offset then stays 0.
		return res, err
	}
	info, err := c.DeviceInformation(ctx)
	if err != nil {
		return res, err
	}
	res.Device, res.CredentialsOK = info, true
	if caps, err := c.Capabilities(ctx); err == nil {
		res.Events = caps.Events != ""
	} else {
		if errors.Is(err, ErrUnauthorized) {
			return res, err
		}
		svcs, err2 := c.Services(ctx)
		if err2 != nil {
			return res, fmt.Errorf("media service: %w", errors.Join(err, err2))
		}
		for _, s := range svcs {
			res.Events = res.Events || strings.TrimSpace(s.Namespace) == nsEvents
		}
	}
	profiles, err := c.Profiles(ctx)
	if err != nil {
		return res, err
	}
	for _, p := range profiles {
		uri, err := c.StreamURI(ctx, p.Token)
		if err != nil {
			return res, fmt.Errorf("profile %q: %w", p.Token, err)
		}
		res.Streams = append(res.Streams, Stream{Profile: p, URI: uri})
	}
	res.Main, res.Sub = MainAndSub(res.Streams)
	return res, nil
}

// MainAndSub picks the highest resolution stream as main and the lowest as
// sub (nil when no stream is smaller than main). Equal sizes keep the
// device's order; streams of unknown size come last.
func MainAndSub(streams []Stream) (main, sub *Stream) {
	for i := range streams {
		s := &streams[i]
		if main == nil || pixels(s) > pixels(main) {
			main = s
		}
	}
	for i := range streams {
		s := &streams[i]
		if pixels(s) > 0 && pixels(s) < pixels(main) && (sub == nil || pixels(s) < pixels(sub)) {
			sub = s
		}
	}
	return main, sub
}

func pixels(s *Stream) int { return s.Width * s.Height }

// SameHost reports whether rtspURI is on the device's host: the one
// credentials were given for. A device that reports its streams on
// another host does not get them sent there by Hearth.
func (c *Client) SameHost(rtspURI string) bool {
	u, err := url.Parse(rtspURI)
	if err != nil {
		return false
	}
	return strings.EqualFold(strings.Trim(u.Hostname(), "[]"), strings.Trim(c.device.Hostname(), "[]")) ||
		sameIP(u.Hostname(), c.device.Hostname())
}

func sameIP(a, b string) bool {
	ia, ib := net.ParseIP(a), net.ParseIP(b)
	return ia != nil && ib != nil && ia.Equal(ib)
}
