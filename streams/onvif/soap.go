package onvif

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Namespaces of the services used.
const (
	nsSOAP   = "http://www.w3.org/2003/05/soap-envelope"
	nsDevice = "http://www.onvif.org/ver10/device/wsdl"
	nsMedia  = "http://www.onvif.org/ver10/media/wsdl"
	nsSchema = "http://www.onvif.org/ver10/schema"
	nsWSSE   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	nsWSU    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	// PasswordDigestType and NonceEncoding are the WS-Security URIs of a
	// digest UsernameToken.
	PasswordDigestType = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
	nonceEncoding      = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

// DefaultTimeout bounds one request when the context has no deadline.
const DefaultTimeout = 10 * time.Second

// Errors a caller tells apart with errors.Is.
var (
	// ErrUnauthorized: the device refused the credentials (HTTP 401, or a
	// SOAP fault ter:NotAuthorized), or wants credentials none were given.
	ErrUnauthorized = errors.New("onvif: not authorized")
	// ErrAddrRefused: Config.CheckAddr refused the address dialled.
	ErrAddrRefused = errors.New("onvif: address refused")
)

// Fault is a SOAP fault a device answered.
type Fault struct {
	Code, Subcode, Reason string
}

func (f *Fault) Error() string {
	return fmt.Sprintf("onvif: fault %s/%s: %s", f.Code, f.Subcode, f.Reason)
}

// Config configures a Client.
type Config struct {
	// URL is the device service, e.g. http://192.168.1.20/onvif/device_service;
	// a URL without a path gets /onvif/device_service.
	URL string
	// Username and Password, when Username is set, sign every request
	// but GetSystemDateAndTime with a UsernameToken PasswordDigest.
	Username, Password string
	// CheckAddr, when set, vets every address before it is dialled (the
	// caller's rule for addresses this client must not reach).
	CheckAddr func(netip.Addr) error
	// Now is the local clock (default time.Now).
	Now func() time.Time
	// Transport, when set, replaces the default HTTP transport (tests).
	Transport http.RoundTripper
}

// Client talks to one ONVIF device. Safe for concurrent use.
type Client struct {
	cfg    Config
	device *url.URL
	http   *http.Client
	long   *http.Client // for long polls: no client-wide timeout, ctx bounds them

	mu     sync.Mutex
	offset time.Duration // device clock minus local clock
	media  string        // media service path, once known
}

// ParseDeviceURL checks a device address: http or https, a host, no user
// information (credentials are given apart), and the default device
// service path when none is given. A bare HOST[:PORT], as people type a
// camera's address, is taken as http://HOST[:PORT].
func ParseDeviceURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("onvif address: not an address; want the camera's address, e.g. 192.168.1.20 or http://192.168.1.20:8000")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("onvif address %q: want the camera's address, e.g. 192.168.1.20 or http://192.168.1.20:8000", u.Redacted())
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("onvif address %q: no host", u.Redacted())
	}
	if u.User != nil {
		return nil, errors.New("onvif address: give credentials apart, not in the address")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/onvif/device_service"
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// New returns a client for the device at cfg.URL.
func New(cfg Config) (*Client, error) {
	u, err := ParseDeviceURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	tr := cfg.Transport
	if tr == nil {
		check := cfg.CheckAddr
		d := &net.Dialer{Timeout: DefaultTimeout, Control: func(_, address string, _ syscall.RawConn) error {
			if check == nil {
				return nil
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrAddrRefused, address)
			}
			if err := check(ap.Addr().Unmap()); err != nil {
				return fmt.Errorf("%w: %w", ErrAddrRefused, err)
			}
			return nil
		}}
		tr = &http.Transport{
			DialContext:     d.DialContext,
			Proxy:           nil, // a camera on the LAN is never reached through a proxy
			MaxIdleConns:    2,
			IdleConnTimeout: 30 * time.Second,
			// No ResponseHeaderTimeout: a PullMessages long poll waits
			// for its answer; every request has a deadline of its own.
			TLSHandshakeTimeout: DefaultTimeout,
		}
	}
	// A redirect could carry the signed request to another host.
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{cfg: cfg, device: u,
		http: &http.Client{Transport: tr, Timeout: DefaultTimeout, CheckRedirect: noRedirect},
		long: &http.Client{Transport: tr, CheckRedirect: noRedirect},
	}, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// DeviceURL returns the device service address.
func (c *Client) DeviceURL() string { return c.device.String() }

// Host returns the device's host[:port] as given.
func (c *Client) Host() string { return c.device.Host }

// ClockOffset returns the device clock minus the local one, as measured
// by the last SyncTime.
func (c *Client) ClockOffset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// serviceURL turns a service address a device reported into one on the
// device's own scheme and host: cameras behind NAT report unreachable
// addresses, and credentials must not follow an address to another host.
func (c *Client) serviceURL(path string) string {
	u := *c.device
	if path != "" {
		u.Path = path
	}
	return u.String()
}

// pathOf returns the path of a reported service address ("" when it has none).
func pathOf(xaddr string) string {
	u, err := url.Parse(strings.TrimSpace(xaddr))
	if err != nil || u.Path == "" {
		return ""
	}
	return u.Path
}

// callLong is call for a long poll: its own deadline (ctx's) instead of
// the client's per-request bound.
func (c *Client) callLong(ctx context.Context, endpoint, action, body string, out any) error {
	return c.do(ctx, c.long, endpoint, action, body, true, out)
}

// call posts one SOAP request and decodes the answer's body into out.
func (c *Client) call(ctx context.Context, endpoint, action, body string, auth bool, out any) error {
	return c.do(ctx, c.http, endpoint, action, body, auth, out)
}

func (c *Client) do(ctx context.Context, hc *http.Client, endpoint, action, body string, auth bool, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="` + nsSOAP + `" xmlns:tt="` + nsSchema + `">`)
	if auth && c.cfg.Username != "" {
		b.WriteString("<s:Header>")
		c.writeSecurity(&b)
		b.WriteString("</s:Header>")
	}
	b.WriteString("<s:Body>" + body + "</s:Body></s:Envelope>")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(b.String()))
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8; action="`+action+`"`)
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", shortAction(action), err)
	}
	defer resp.Body.Close()
	raw, err := readBounded(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", shortAction(action), err)
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%s: HTTP %d: %w", shortAction(action), resp.StatusCode, ErrUnauthorized)
	}
	sf, err := parseEnvelope(raw, out)
	if err != nil {
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("%s: HTTP %d", shortAction(action), resp.StatusCode)
		}
		return fmt.Errorf("%s: %w", shortAction(action), err)
	}
	if sf != nil {
		fault := sf.fault()
		if strings.Contains(fault.Subcode, "NotAuthorized") || strings.Contains(fault.Subcode, "FailedAuthentication") {
			return fmt.Errorf("%s: %w (%s)", shortAction(action), ErrUnauthorized, fault.Reason)
		}
		return fmt.Errorf("%s: %w", shortAction(action), fault)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: HTTP %d", shortAction(action), resp.StatusCode)
	}
	return nil
}

func shortAction(a string) string { return a[strings.LastIndex(a, "/")+1:] }

type soapFault struct {
	Code struct {
		Value   string `xml:"Value"`
		Subcode struct {
			Value string `xml:"Value"`
		} `xml:"Subcode"`
	} `xml:"Code"`
	Reason struct {
		Text string `xml:"Text"`
	} `xml:"Reason"`
}

func (f *soapFault) fault() *Fault {
	return &Fault{Code: strings.TrimSpace(f.Code.Value), Subcode: strings.TrimSpace(f.Code.Subcode.Value),
		Reason: truncate(strings.TrimSpace(f.Reason.Text), 200)}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// parseEnvelope decodes a SOAP answer, its response element into out; a
// fault is returned as such (out untouched).
func parseEnvelope(raw []byte, out any) (*soapFault, error) {
	var env struct {
		XMLName xml.Name `xml:"Envelope"`
		Body    struct {
			Fault *soapFault `xml:"Fault"`
			Inner []byte     `xml:",innerxml"`
		} `xml:"Body"`
	}
	if err := decodeXML(raw, &env); err != nil {
		return nil, err
	}
	if env.Body.Fault == nil && out != nil {
		// The body's own element, whatever its prefix, is the answer.
		if err := xml.Unmarshal(env.Body.Inner, out); err != nil {
			return nil, fmt.Errorf("onvif: decode answer: %w", err)
		}
	}
	return env.Body.Fault, nil
}

// writeSecurity writes a WS-Security header with a UsernameToken: the
// digest is Base64(SHA-1(nonce + created + password)), created on the
// device's clock.
func (c *Client) writeSecurity(b *strings.Builder) {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce) // crypto/rand never fails (Go 1.24+)
	created := c.cfg.Now().Add(c.ClockOffset()).UTC().Format("2006-01-02T15:04:05.000Z")
	b.WriteString(`<wsse:Security s:mustUnderstand="1" xmlns:wsse="` + nsWSSE + `" xmlns:wsu="` + nsWSU + `"><wsse:UsernameToken><wsse:Username>`)
	_ = xml.EscapeText(b, []byte(c.cfg.Username))
	b.WriteString(`</wsse:Username><wsse:Password Type="` + PasswordDigestType + `">` + PasswordDigest(nonce, created, c.cfg.Password) +
		`</wsse:Password><wsse:Nonce EncodingType="` + nonceEncoding + `">` + base64.StdEncoding.EncodeToString(nonce) +
		`</wsse:Nonce><wsu:Created>` + created + `</wsu:Created></wsse:UsernameToken></wsse:Security>`)
}

// PasswordDigest is WS-Security's UsernameToken digest:
// Base64(SHA-1(nonce + created + password)).
func PasswordDigest(nonce []byte, created, password string) string {
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(created))
	h.Write([]byte(password))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// escape returns s escaped for XML text.
func escape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
