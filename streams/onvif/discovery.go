package onvif

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// WS-Discovery constants.
const (
	// MulticastAddr is WS-Discovery's IPv4 group and port.
	MulticastAddr = "239.255.255.250:3702"
	nsAddressing  = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsDiscovery   = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
	nsNetwork     = "http://www.onvif.org/ver10/network/wsdl"
	// maxDatagram bounds one discovery answer; answers are a few KiB.
	maxDatagram = 64 << 10
	// maxDiscovered bounds the devices one scan returns.
	maxDiscovered = 256
	// maxDatagrams bounds the datagrams one scan reads, matching or not,
	// so a flood cannot keep it busy past its window.
	maxDatagrams = 4096
)

// Discovered is one device that answered a WS-Discovery probe.
type Discovered struct {
	// Endpoint is the device's stable identity (usually urn:uuid:...).
	Endpoint string
	// XAddrs are the device service addresses it announced.
	XAddrs []string
	// Scopes are its ONVIF scopes (name, hardware, location ...).
	Scopes []string
	// From is the address the answer came from.
	From string
}

// Name returns the name scope (onvif://www.onvif.org/name/...), or "".
func (d Discovered) Name() string { return d.scope("name") }

// Hardware returns the hardware scope, or "".
func (d Discovered) Hardware() string { return d.scope("hardware") }

func (d Discovered) scope(kind string) string {
	for _, s := range d.Scopes {
		if v, ok := strings.CutPrefix(s, "onvif://www.onvif.org/"+kind+"/"); ok {
			return truncate(strings.ReplaceAll(v, "%20", " "), 64)
		}
	}
	return ""
}

// DiscoverConfig configures one WS-Discovery scan.
type DiscoverConfig struct {
	// Target is where the probe goes: MulticastAddr (the default) or one
	// device's host:port for a unicast probe.
	Target string
	// Local, when set, is the local address to send from, which picks
	// the interface a multicast probe leaves by (e.g. "192.168.1.5:0").
	Local string
	// Wait is how long answers are collected (default 2 s).
	Wait time.Duration
}

// ProbeMessage returns a WS-Discovery Probe for ONVIF video transmitters
// with message ID id.
func ProbeMessage(id string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="` + nsSOAP + `" xmlns:a="` + nsAddressing +
		`" xmlns:d="` + nsDiscovery + `" xmlns:dn="` + nsNetwork + `"><s:Header><a:MessageID>` + escape(id) +
		`</a:MessageID><a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>` +
		`<a:Action s:mustUnderstand="1">` + nsDiscovery + `/Probe</a:Action></s:Header><s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>`)
}

// NewMessageID returns a fresh urn:uuid message ID.
func NewMessageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

type probeMatches struct {
	XMLName xml.Name `xml:"Envelope"`
	Header  struct {
		RelatesTo string `xml:"RelatesTo"`
	} `xml:"Header"`
	Body struct {
		Matches struct {
			Match []struct {
				Address string `xml:"EndpointReference>Address"`
				Scopes  string `xml:"Scopes"`
				XAddrs  string `xml:"XAddrs"`
			} `xml:"ProbeMatch"`
		} `xml:"ProbeMatches"`
	} `xml:"Body"`
}

// ParseProbeMatches reads a ProbeMatches answer; relatesTo is the
// MessageID it must answer ("" accepts any).
func ParseProbeMatches(b []byte, relatesTo string) ([]Discovered, error) {
	if len(b) > maxDatagram {
		return nil, ErrTooLarge
	}
	var pm probeMatches
	if err := decodeXML(b, &pm); err != nil {
		return nil, err
	}
	if relatesTo != "" && strings.TrimSpace(pm.Header.RelatesTo) != relatesTo {
		return nil, errors.New("onvif: answer to another probe")
	}
	var out []Discovered
	for _, m := range pm.Body.Matches.Match {
		if len(out) == maxDiscovered {
			break
		}
		d := Discovered{Endpoint: truncate(strings.TrimSpace(m.Address), 128)}
		for _, x := range strings.Fields(m.XAddrs) {
			if len(d.XAddrs) < 8 {
				if _, err := ParseDeviceURL(x); err == nil {
					d.XAddrs = append(d.XAddrs, x)
				}
			}
		}
		for _, s := range strings.Fields(m.Scopes) {
			if len(d.Scopes) < 32 {
				d.Scopes = append(d.Scopes, truncate(s, 256))
			}
		}
		if d.Endpoint != "" || len(d.XAddrs) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// Discover sends one WS-Discovery Probe and collects the answers until
// Wait passes or ctx ends. Devices are returned once each (by endpoint,
// else by address), in the order they answered.
func Discover(ctx context.Context, cfg DiscoverConfig) ([]Discovered, error) {
	if cfg.Target == "" {
		cfg.Target = MulticastAddr
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 2 * time.Second
	}
	dst, err := net.ResolveUDPAddr("udp", cfg.Target)
	if err != nil {
		return nil, fmt.Errorf("discover: target: %w", err)
	}
	var local *net.UDPAddr
	if cfg.Local != "" {
		if local, err = net.ResolveUDPAddr("udp", cfg.Local); err != nil {
			return nil, fmt.Errorf("discover: local: %w", err)
		}
	}
	network := "udp4"
	if dst.IP.To4() == nil {
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, local)
	if err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	id := NewMessageID()
	if _, err := conn.WriteToUDP(ProbeMessage(id), dst); err != nil {
		return nil, fmt.Errorf("discover: send probe: %w", err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(cfg.Wait)); err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	if ctx.Err() != nil { // AfterFunc may have run before the deadline was set
		return nil, ctx.Err()
	}
	buf := make([]byte, maxDatagram+1)
	seen := map[string]bool{}
	var out []Discovered
	for range maxDatagrams {
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break // the window closed (or ctx ended)
			}
			return out, fmt.Errorf("discover: %w", err)
		}
		ds, err := ParseProbeMatches(buf[:n], id)
		if err != nil {
			continue // not an answer to this probe
		}
		for _, d := range ds {
			key := d.Endpoint
			if key == "" {
				key = strings.Join(d.XAddrs, " ")
			}
			if seen[key] || len(out) == maxDiscovered {
				continue
			}
			seen[key] = true
			d.From = from.String()
			out = append(out, d)
		}
	}
	return out, ctx.Err()
}
