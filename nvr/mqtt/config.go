package mqtt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
)

// Config is the broker connection, from the configuration file. Password
// is a secret: it goes to the broker and nowhere else (no log, no error).
type Config struct {
	// BrokerURL is tcp://HOST:PORT or ssl://HOST:PORT, without user
	// information (Username and Password carry it).
	BrokerURL string
	Username  string
	Password  string
	// CAFile is a PEM bundle the broker's certificate must chain to (ssl
	// only); "": the system roots.
	CAFile string
	// ClientID is the start of each integration's MQTT client ID
	// (default "hearth"); the integration's row number is appended.
	ClientID string
	// Interval is how often each integration's cameras are decided and
	// their state published (default 5 s).
	Interval time.Duration
	// QueueSize bounds the events queue and each integration's queues
	// (default 256).
	QueueSize int
	Log       *slog.Logger
	// Now is the clock the shutter's schedule is read with (nil:
	// time.Now), so the privacy switch shows what the policy decides.
	Now func() time.Time
}

// Validate checks c; its errors name no secret.
func (c Config) Validate() error {
	u, err := url.Parse(c.BrokerURL)
	if err != nil {
		return fmt.Errorf("mqtt broker: not a URL (want tcp://HOST:PORT or ssl://HOST:PORT)")
	}
	if u.Scheme != "tcp" && u.Scheme != "ssl" {
		return fmt.Errorf("mqtt broker: scheme %q: want tcp or ssl", u.Scheme)
	}
	if u.User != nil {
		// A password in the URL would travel wherever the URL is shown.
		return fmt.Errorf("mqtt broker: put the user name and password in username and password, not in the URL")
	}
	if u.Hostname() == "" || u.Port() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		// The URL itself is not repeated: whatever follows the port could
		// be a secret typed in the wrong place.
		return fmt.Errorf("mqtt broker: want tcp://HOST:PORT or ssl://HOST:PORT, nothing after the port")
	}
	if c.Password != "" && c.Username == "" {
		return fmt.Errorf("mqtt broker: a password needs a username")
	}
	if c.CAFile != "" && u.Scheme != "ssl" {
		return fmt.Errorf("mqtt broker: ca_file needs an ssl:// broker URL")
	}
	if c.Interval < 0 || c.QueueSize < 0 {
		return fmt.Errorf("mqtt: interval and queue size must not be negative")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.ClientID == "" {
		c.ClientID = "hearth"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Interval == 0 {
		c.Interval = 5 * time.Second
	}
	if c.QueueSize == 0 {
		c.QueueSize = 256
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

// tlsConfig is nil for tcp://, else the broker's verification.
func (c Config) tlsConfig() (*tls.Config, error) {
	u, _ := url.Parse(c.BrokerURL)
	if u == nil || u.Scheme != "ssl" {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mqtt ca_file %s: no PEM certificate in it", c.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// Policy is the part of *nvr.Policy the adapter asks.
type Policy interface {
	Camera(ctx context.Context, p nvr.Principal, a nvr.Action, id nvr.CameraID) (nvr.CameraGrant, error)
	VisibleCameras(ctx context.Context, p nvr.Principal, a nvr.Action) ([]nvr.CameraGrant, error)
}

// Integrations lists the integrations (db.DB). It is re-read every
// Interval; an error keeps the running ones until the next read.
type Integrations interface {
	Integrations(ctx context.Context) ([]nvr.Integration, error)
}

// Status reports a granted camera's measured ingest and recording state.
type Status interface {
	Status(g nvr.CameraGrant) ingest.CameraStatus
}

// Events is the part of *nvr.Events the adapter uses: thumbnails through
// an event grant, and triggers.
type Events interface {
	Grant(ctx context.Context, p nvr.Principal, a nvr.Action, id nvr.EventID) (nvr.EventGrant, error)
	Thumbnail(g nvr.EventGrant) (*os.File, string, error)
	Trigger(ctx context.Context, g nvr.CameraGrant, label string, d time.Duration) (nvr.Event, error)
}

// Cameras changes a camera's configuration for the holder of a manage
// grant, and switches its privacy shutter for the holder of a
// switch-shutter grant (*nvr.Directory; both audited).
type Cameras interface {
	ConfigureCamera(ctx context.Context, g nvr.CameraGrant, ch nvr.CameraChanges) (nvr.Camera, error)
	SwitchShutter(ctx context.Context, g nvr.CameraGrant, ch nvr.ShutterChange) (nvr.Shutter, error)
}

// Deps are the adapter's collaborators; all are required.
type Deps struct {
	Policy       Policy
	Integrations Integrations
	Status       Status
	Events       Events
	Cameras      Cameras
	// Queue carries the events hooks' notices (EventsConfig.OnOpen and
	// OnClose); it is made first because nvr.Events needs its hooks.
	Queue *EventQueue
}

// String describes c without its password, so a configuration printed or
// logged whole (%v, %+v) never carries the secret.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = "[set]"
	}
	return fmt.Sprintf("mqtt.Config{broker: %s, username: %q, password: %s, ca_file: %q, client_id: %q}",
		brokerName(c.BrokerURL), c.Username, pw, c.CAFile, c.ClientID)
}

// brokerName is scheme://host:port of a broker URL and nothing else (no
// user information, path or query, where a secret could have been typed).
func brokerName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	return u.Scheme + "://" + u.Host
}

// LogValue is String for log/slog.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }
