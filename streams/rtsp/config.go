package rtsp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// DefaultReadTimeout is Config.ReadTimeout when unset.
const DefaultReadTimeout = 10 * time.Second

// Transports accepted in Config.Transport.
const (
	TransportTCP  = "tcp"  // RTP interleaved on the RTSP connection (default)
	TransportUDP  = "udp"  // RTP/RTCP on UDP ports
	TransportAuto = "auto" // UDP first, TCP when no UDP packet arrives
)

// Config configures a Client. Credentials are separate fields so that URL
// is safe to log; a URL carrying user info is refused.
type Config struct {
	// CameraID is the camera's immutable ID; every StreamInfo carries it.
	// Nothing the camera sends changes it.
	CameraID string
	// Stream names the stream of the camera: "main" (default) or "sub".
	Stream string
	// URL is rtsp://host[:port]/path or rtsps://..., without credentials.
	URL string
	// Username and Password, when Username is set, answer Basic or Digest
	// challenges. They never appear in errors or logs.
	Username, Password string
	// Transport is TransportTCP (default), TransportUDP or TransportAuto.
	Transport string
	// ReadTimeout bounds connecting, each RTSP request and the gap between
	// media packets (default DefaultReadTimeout).
	ReadTimeout time.Duration
	// TLSConfig is used for rtsps:// (nil: system roots, host name checked).
	TLSConfig *tls.Config
	// Now is the wall clock for Unit.Wall (default time.Now).
	Now func() time.Time
	// Logger receives debug and warning messages (default: discarded).
	Logger *slog.Logger
	// CheckAddr, when set, vets every address the client is about to
	// reach: each resolved IP the RTSP connection dials (including a
	// redirect's), checked in the dialer after name resolution and before
	// connect, and each UDP destination RTP/RTCP packets are sent to. An
	// error refuses it; the session then fails with an *Error that matches
	// ErrAddrRefused and carries the hook's message. Because the hook sees
	// the address actually dialed, a name that changes its answer between
	// an earlier check and the connection cannot slip past it.
	CheckAddr func(netip.Addr) error
	// Resolver resolves the camera's host name (nil: net.DefaultResolver).
	Resolver *net.Resolver
	// Buffers, when set, lends the picture assembly's scratch buffers,
	// shared with the other cameras' clients (nil: the client's own).
	Buffers *Buffers
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.CameraID == "" {
		return errors.New("camera id is empty")
	}
	switch c.Stream {
	case "", "main", "sub":
	default:
		return fmt.Errorf("stream %q: want main or sub", c.Stream)
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return errors.New("url does not parse") // the parse error may quote a password
	}
	if u.Scheme != "rtsp" && u.Scheme != "rtsps" {
		return fmt.Errorf("url scheme %q: want rtsp or rtsps", u.Scheme)
	}
	if u.User != nil {
		return errors.New("url carries credentials: use Username and Password")
	}
	if u.Host == "" {
		return errors.New("url has no host")
	}
	switch c.Transport {
	case "", TransportTCP, TransportUDP, TransportAuto:
	default:
		return fmt.Errorf("transport %q: want tcp, udp or auto", c.Transport)
	}
	if c.ReadTimeout < 0 {
		return errors.New("negative read timeout")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = "main"
	}
	if c.Transport == "" {
		c.Transport = TransportTCP
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Buffers == nil {
		c.Buffers = &Buffers{}
	}
	return c
}

// redactedURL returns the URL for logs: scheme, host and path, with any
// query (some cameras take tokens there) replaced.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable url>"
	}
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	s := r.String()
	if u.RawQuery != "" {
		s += "?REDACTED"
	}
	return s
}

// redactor removes secrets from text that may have quoted them (an error
// from a library, a server's reason phrase).
type redactor struct{ secrets []string }

func newRedactor(cfg Config) redactor {
	var r redactor
	add := func(s string) {
		if len(s) >= 3 { // shorter strings would shred innocent text
			r.secrets = append(r.secrets, s)
		}
	}
	add(cfg.Password)
	add(url.QueryEscape(cfg.Password))
	add(url.PathEscape(cfg.Password))
	add(url.UserPassword(cfg.Username, cfg.Password).String())
	if u, err := url.Parse(cfg.URL); err == nil {
		add(u.RawQuery)
	}
	return r
}

func (r redactor) clean(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "REDACTED")
	}
	return s
}
