package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/hearthnvr/hearth/cmd/internal/memtune"
	"github.com/hearthnvr/hearth/nvr/mqtt"
	"github.com/hearthnvr/hearth/nvr/record"
	"github.com/hearthnvr/hearth/ui"
)

// The configuration file (TOML) sets the same things as serve's flags; a
// flag given on the command line wins over the file, and the file wins over
// the flag's default. packaging/hearth.toml is the documented example.
//
//	listen = ":8080"
//	data = "/var/lib/hearth"
//	log_level = "info"
//	allowed_hosts = ["nvr.example.com"]
//	rtsp_listen = ":8554"   (the RTSP restream; off when absent)
//	[tls]        mode = "off"|"auto"|"files", cert, key, redirect_http
//	[webrtc]     udp_port = 8189, host_ips = ["192.168.1.10"]
//	[retention]  continuous_days = 14, events_days = 30,
//	             min_free_percent = 5, min_free_bytes = 2147483648
//	[http]       max_conns_per_client = 64
//	[recording]  camera_max_mbps = 40
//	[memory]     gc_percent = 0 (40, or $GOGC), limit_mib = 0 (a quarter of the machine; -1: none)
//	[mqtt]       broker = "tcp://127.0.0.1:1883", username, password, ca_file,
//	             client_id (no flags: the password lives in this file only)
//	[onvif]      callback_url = "http://192.168.1.10:8080" (where cameras without a pull point push events)

// fileConfig is the decoded configuration file. Pointers tell "absent" from
// a zero value, so only keys the file names override a default.
type fileConfig struct {
	Listen   *string     `toml:"listen"`
	Data     *string     `toml:"data"`
	LogLevel *slog.Level `toml:"log_level"`
	// AllowedHosts are public host names the UI is reached by.
	AllowedHosts *[]string `toml:"allowed_hosts"`
	// OffsiteDirs are the folders households may copy footage into.
	OffsiteDirs *[]string `toml:"offsite_dirs"`
	// RTSPListen turns the RTSP restream on at this address.
	RTSPListen *string    `toml:"rtsp_listen"`
	TLS        fileTLS    `toml:"tls"`
	WebRTC     fileWebRTC `toml:"webrtc"`
	Retention  fileRetain `toml:"retention"`
	HTTP       fileHTTP   `toml:"http"`
	Recording  fileRecord `toml:"recording"`
	Memory     fileMemory `toml:"memory"`
	MQTT       fileMQTT   `toml:"mqtt"`
	ONVIF      fileONVIF  `toml:"onvif"`
	path       string     // for messages
	lines      map[string]int
}

type fileTLS struct {
	Mode         *tlsMode `toml:"mode"`
	Cert         *string  `toml:"cert"`
	Key          *string  `toml:"key"`
	RedirectHTTP *string  `toml:"redirect_http"`
}

type fileWebRTC struct {
	UDPPort *int      `toml:"udp_port"`
	HostIPs *[]string `toml:"host_ips"`
	ICE     *string   `toml:"ice"`
}

// fileMQTT is the broker Home Assistant integrations publish to
// (nvr/mqtt). It has no flags: a password on a command line is readable by
// every local user (ps), so it is set here only.
type fileMQTT struct {
	Broker   *string `toml:"broker"`
	Username *string `toml:"username"`
	Password *string `toml:"password"`
	CAFile   *string `toml:"ca_file"`
	ClientID *string `toml:"client_id"`
}

// fileONVIF is what cameras need of Hearth over ONVIF.
type fileONVIF struct {
	CallbackURL *string `toml:"callback_url"`
}

type fileRecord struct {
	CameraMaxMbps *int `toml:"camera_max_mbps"`
}

// fileMemory is the Go runtime's memory configuration (cmd/internal/memtune).
type fileMemory struct {
	GCPercent *int `toml:"gc_percent"`
	LimitMiB  *int `toml:"limit_mib"`
}

type fileHTTP struct {
	MaxConnsPerClient *int `toml:"max_conns_per_client"`
}

type fileRetain struct {
	ContinuousDays *int   `toml:"continuous_days"`
	EventsDays     *int   `toml:"events_days"`
	MinFreePercent *int   `toml:"min_free_percent"`
	MinFreeBytes   *int64 `toml:"min_free_bytes"`
}

// serviceOptions is the part of serve's configuration beyond --data,
// --listen and --log-level: TLS, WebRTC and retention defaults.
type serviceOptions struct {
	// AllowedHosts are host names answered besides IP addresses and LAN
	// names (ui.HostPolicy: the DNS-rebinding defence).
	AllowedHosts []string
	// OffsiteDirs are the folders a household's off-site copy may go
	// into (nvr.Offsite.WithLocalDirs); none: SFTP only.
	OffsiteDirs []string
	TLS         tlsOptions
	WebRTC      webrtcOptions
	Retention   retentionOptions
	// MaxConnsPerClient caps simultaneous HTTP connections from one IP
	// address (ui.LimitConnsPerClient); 0: no cap.
	MaxConnsPerClient int
	// MQTT is the broker of the Home Assistant integrations; a zero
	// BrokerURL: no MQTT.
	MQTT mqtt.Config
	// CameraMaxMbps is the ingest rate ceiling of one camera, in Mbit/s
	// averaged over 10 s (record.RecorderConfig.MaxBitrate): above it the
	// camera's recording pauses. 0: no ceiling.
	CameraMaxMbps int
	// RTSPListen is the RTSP restream's listen address (host:port); ""
	// leaves the restream off (the default).
	RTSPListen string
	// ONVIFCallbackURL is Hearth's HTTP address as cameras reach it, for
	// cameras without a pull point that push their events
	// (events.EventsConfig.CallbackURL); "": derived per camera.
	ONVIFCallbackURL string
	// GCPercent is the collector's GOGC (0: memtune.DefaultGCPercent, 40,
	// or $GOGC when set; -1: off). LimitMiB is the soft memory limit in MiB
	// (0: a quarter of the machine's memory, or $GOMEMLIMIT; -1: none).
	GCPercent, LimitMiB int
}

// memory is the runtime configuration o asks for.
func (o serviceOptions) memory() memtune.Config {
	c := memtune.Config{GCPercent: o.GCPercent, LimitBytes: int64(o.LimitMiB) << 20}
	if o.LimitMiB < 0 {
		c.LimitBytes = -1
	}
	return c
}

// tlsMode is how serve speaks HTTPS.
type tlsMode string

const (
	tlsOff   tlsMode = "off"   // plain HTTP
	tlsAuto  tlsMode = "auto"  // self-signed certificate kept in <data>/tls/
	tlsFiles tlsMode = "files" // the operator's certificate and key files
)

// UnmarshalText accepts off, auto or files.
func (m *tlsMode) UnmarshalText(b []byte) error {
	switch v := tlsMode(b); v {
	case tlsOff, tlsAuto, tlsFiles:
		*m = v
		return nil
	}
	return fmt.Errorf("tls mode %q: want off, auto or files", b)
}

// String implements flag.Value.
func (m *tlsMode) String() string { return string(*m) }

// Set implements flag.Value.
func (m *tlsMode) Set(s string) error { return m.UnmarshalText([]byte(s)) }

type tlsOptions struct {
	Mode tlsMode
	// CertFile and KeyFile are PEM files (mode files).
	CertFile, KeyFile string
	// RedirectHTTP, when set, is a plain-HTTP listen address that redirects
	// to the HTTPS listener.
	RedirectHTTP string
}

type webrtcOptions struct {
	// UDPPort is the one UDP port all WebRTC media uses (ICE UDP mux).
	UDPPort int
	// HostIPs are the addresses announced as ICE host candidates (and put
	// into the self-signed certificate); empty means the interfaces' own.
	HostIPs []string
	// ICE is which local addresses media may use: "lan" (the network
	// interfaces, not loopback), "loopback" (127.0.0.1 only: a browser on
	// this machine, tests) or "all".
	ICE string
}

// ICE address choices.
const (
	iceLAN      = "lan"
	iceLoopback = "loopback"
	iceAll      = "all"
)

func validICE(s string) bool { return s == iceLAN || s == iceLoopback || s == iceAll }

type retentionOptions struct {
	// ContinuousDays and EventsDays are the default retention of
	// continuous recordings and of event clips; 0 keeps them until the
	// free-space floor forces deletion.
	ContinuousDays, EventsDays int
	// MinFreePercent and MinFreeBytes are the free-space floor of the
	// recordings file system: the percentage of the volume, at most the
	// bytes (record.RetentionConfig); the oldest footage goes first to keep it.
	MinFreePercent int
	MinFreeBytes   int64
}

// defaultServiceOptions are the documented defaults.
func defaultServiceOptions() serviceOptions {
	return serviceOptions{
		TLS:    tlsOptions{Mode: tlsOff},
		WebRTC: webrtcOptions{UDPPort: 8189, ICE: iceLAN},
		Retention: retentionOptions{ContinuousDays: 14, EventsDays: 30,
			MinFreePercent: 5, MinFreeBytes: 2 << 30},
		MaxConnsPerClient: ui.DefaultMaxConnsPerClient,
		CameraMaxMbps:     record.DefaultMaxCameraBitrate / 1e6,
	}
}

// Validate checks the options once flags and file are merged.
func (o serviceOptions) Validate() error {
	t := o.TLS
	switch t.Mode {
	case tlsOff, tlsAuto:
		if t.CertFile != "" || t.KeyFile != "" {
			return usagef("--tls-cert and --tls-key need --tls files (mode is %s)", t.Mode)
		}
	case tlsFiles:
		if t.CertFile == "" || t.KeyFile == "" {
			return usagef("--tls files needs both --tls-cert and --tls-key")
		}
	default:
		return usagef("--tls %q: want off, auto or files", t.Mode)
	}
	if t.RedirectHTTP != "" {
		if t.Mode == tlsOff {
			return usagef("--tls-redirect-http needs TLS (--tls auto or files)")
		}
		if _, _, err := net.SplitHostPort(t.RedirectHTTP); err != nil {
			return usagef("--tls-redirect-http %q is not host:port (for example :80)", t.RedirectHTTP)
		}
	}
	if p := o.WebRTC.UDPPort; p < 0 || p > 65535 {
		return usagef("--webrtc-udp-port %d: want 1-65535 (0: any free port, for tests)", p)
	}
	if !validICE(o.WebRTC.ICE) {
		return usagef("--webrtc-ice %q: want lan, loopback or all", o.WebRTC.ICE)
	}
	for _, ip := range o.WebRTC.HostIPs {
		if net.ParseIP(ip) == nil {
			return usagef("--webrtc-host-ips: %q is not an IP address", ip)
		}
	}
	for _, h := range o.AllowedHosts {
		if err := checkHostName(h); err != nil {
			return usagef("--allowed-hosts: %v", err)
		}
	}
	for _, d := range o.OffsiteDirs {
		if !filepath.IsAbs(d) || filepath.Clean(d) == "/" {
			return usagef("--offsite-dirs: %q is not an absolute folder below /", d)
		}
	}
	r := o.Retention
	if r.ContinuousDays < 0 || r.EventsDays < 0 {
		return usagef("retention days must not be negative")
	}
	if r.MinFreePercent < 0 || r.MinFreePercent > 90 {
		return usagef("--min-free-percent %d: want 0-90", r.MinFreePercent)
	}
	if r.MinFreeBytes < 0 {
		return usagef("--min-free-bytes must not be negative")
	}
	if o.CameraMaxMbps < 0 {
		return usagef("--camera-max-mbps %d: want 0 (no ceiling) or more", o.CameraMaxMbps)
	}
	if o.MaxConnsPerClient < 0 {
		return usagef("--max-conns-per-client %d: want 0 (no cap) or more", o.MaxConnsPerClient)
	}
	if g := o.GCPercent; g != -1 && (g < 0 || g > 1000) {
		return usagef("--gc-percent %d: want 1-1000, 0 (the default) or -1 (off)", g)
	}
	if o.LimitMiB < -1 {
		return usagef("--memory-limit-mib %d: want MiB, 0 (a quarter of the machine) or -1 (none)", o.LimitMiB)
	}
	if err := checkCallbackURL(o.ONVIFCallbackURL); err != nil {
		return usagef("--onvif-callback-url: %v", err)
	}
	if a := o.RTSPListen; a != "" {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			return usagef("--rtsp-listen %q is not host:port (for example :8554)", a)
		}
	}
	return nil
}

// addServiceFlags registers --config and the flags of serviceOptions on fs
// with o's current values as defaults. It returns where --config lands.
func addServiceFlags(fs *flag.FlagSet, o *serviceOptions) *string {
	path := fs.String("config", "", "configuration file (TOML); flags given on the command line override it")
	fs.Func("allowed-hosts", "comma-separated public host names the web UI is reached by, e.g. nvr.example.com or *.example.com (IP addresses and LAN names always work)", func(s string) error {
		o.AllowedHosts = splitList(s)
		return nil
	})
	fs.Func("offsite-dirs", "comma-separated folders households may copy footage into (a mounted USB disk, a NAS share); none: SFTP only", func(s string) error {
		o.OffsiteDirs = splitList(s)
		return nil
	})
	fs.Var(&o.TLS.Mode, "tls", "HTTPS: off, auto (self-signed certificate in <data>/tls) or files (--tls-cert, --tls-key)")
	fs.StringVar(&o.TLS.CertFile, "tls-cert", o.TLS.CertFile, "TLS certificate chain, PEM (with --tls files)")
	fs.StringVar(&o.TLS.KeyFile, "tls-key", o.TLS.KeyFile, "TLS private key, PEM (with --tls files)")
	fs.StringVar(&o.TLS.RedirectHTTP, "tls-redirect-http", o.TLS.RedirectHTTP, "also listen for plain HTTP here and redirect to HTTPS (for example :80)")
	fs.IntVar(&o.WebRTC.UDPPort, "webrtc-udp-port", o.WebRTC.UDPPort, "UDP port for all WebRTC media")
	fs.StringVar(&o.WebRTC.ICE, "webrtc-ice", o.WebRTC.ICE, "local addresses WebRTC media may use: lan, loopback (a browser on this machine) or all")
	fs.Func("webrtc-host-ips", "comma-separated IP addresses announced to WebRTC viewers (default: the interfaces')", func(s string) error {
		o.WebRTC.HostIPs = splitList(s)
		return nil
	})
	fs.IntVar(&o.Retention.ContinuousDays, "retain-continuous-days", o.Retention.ContinuousDays, "default days of continuous recording kept (0: until the free-space floor)")
	fs.IntVar(&o.Retention.EventsDays, "retain-events-days", o.Retention.EventsDays, "default days of event clips kept (0: until the free-space floor)")
	fs.IntVar(&o.Retention.MinFreePercent, "min-free-percent", o.Retention.MinFreePercent, "keep this percentage of the recordings disk free (at most --min-free-bytes, at least 64 MiB or a tenth of a smaller disk)")
	fs.IntVar(&o.CameraMaxMbps, "camera-max-mbps", o.CameraMaxMbps, "a camera sending more than this (Mbit/s over 10 s) has its recording paused until it is back under (0: no ceiling)")
	fs.StringVar(&o.RTSPListen, "rtsp-listen", o.RTSPListen, "serve cameras over RTSP here (host:port, e.g. :8554) to Home Assistant, VLC, ffmpeg: a user name and a view token as digest credentials (off when empty)")
	fs.StringVar(&o.ONVIFCallbackURL, "onvif-callback-url", o.ONVIFCallbackURL, "Hearth's address as cameras reach it (e.g. http://192.168.1.10:8080), where cameras without an ONVIF pull point push their events (default: the address that routes to each camera, with --listen's port)")
	fs.IntVar(&o.MaxConnsPerClient, "max-conns-per-client", o.MaxConnsPerClient, "simultaneous HTTP connections one client address may hold (0: no cap)")
	fs.IntVar(&o.GCPercent, "gc-percent", o.GCPercent, "the garbage collector's GOGC (0: 40, or $GOGC when set; -1: off)")
	fs.IntVar(&o.LimitMiB, "memory-limit-mib", o.LimitMiB, "soft memory limit in MiB: the collector works harder near it (0: a quarter of the machine's memory, or $GOMEMLIMIT; -1: none)")
	fs.Int64Var(&o.Retention.MinFreeBytes, "min-free-bytes", o.Retention.MinFreeBytes, "cap of the --min-free-percent floor; with the percentage 0, the floor itself")
	return path
}

// checkCallbackURL accepts "" or an http(s) base address: a host, no
// user information, no path beyond "/", no query.
func checkCallbackURL(s string) error {
	if s == "" {
		return nil
	}
	const want = "want http://HOST[:PORT] or https://HOST[:PORT] as cameras reach Hearth, e.g. http://192.168.1.10:8080"
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New(want)
	case u.User != nil:
		return errors.New("no user name or password in the address: " + want) // and none echoed
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q: %s", s, want)
	}
	return nil
}

// checkHostName accepts a DNS name, optionally "*." + a DNS name, without
// port or scheme.
func checkHostName(h string) error {
	name := strings.TrimPrefix(h, "*.")
	if name == "" || len(name) > 253 || strings.ContainsAny(name, ":/@ ") {
		return fmt.Errorf("%q is not a host name (for example nvr.example.com or *.example.com)", h)
	}
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if label == "" || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return fmt.Errorf("%q is not a host name (for example nvr.example.com or *.example.com)", h)
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// applyConfigFile loads path (when not empty) and merges it under the flags
// that fs saw set. Call it after parsing and before Validate.
func applyConfigFile(fs *flag.FlagSet, path string, cfg *serveConfig, o *serviceOptions) error {
	set := setFlags(fs)
	if path == "" {
		impliedTLSMode(o, set)
		return nil
	}
	fc, err := loadConfig(path)
	if err != nil {
		return err
	}
	return fc.applyTo(cfg, o, set)
}

// loadConfig reads and strictly decodes a configuration file: an unknown key
// or a value of the wrong type is an error naming the key and its line.
func loadConfig(path string) (fileConfig, error) {
	fc := fileConfig{path: path}
	b, err := os.ReadFile(path)
	if err != nil {
		// The *PathError already names the path and the OS error.
		return fc, fmt.Errorf("read config: %w", err)
	}
	dec := toml.NewDecoder(bytes.NewReader(b)).DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return fc, configDecodeError(path, b, err)
	}
	fc.path = path
	fc.lines = keyLines(b)
	for _, c := range []struct {
		key      string
		v        *int64
		min, max int64
	}{
		{"webrtc.udp_port", ptr64(fc.WebRTC.UDPPort), 1, 65535},
		{"retention.continuous_days", ptr64(fc.Retention.ContinuousDays), 0, 1 << 20},
		{"retention.events_days", ptr64(fc.Retention.EventsDays), 0, 1 << 20},
		{"retention.min_free_percent", ptr64(fc.Retention.MinFreePercent), 0, 90},
		{"retention.min_free_bytes", fc.Retention.MinFreeBytes, 0, 1 << 62},
		{"http.max_conns_per_client", ptr64(fc.HTTP.MaxConnsPerClient), 0, 1 << 20},
		{"recording.camera_max_mbps", ptr64(fc.Recording.CameraMaxMbps), 0, 100_000},
		{"memory.gc_percent", ptr64(fc.Memory.GCPercent), -1, 1000},
		{"memory.limit_mib", ptr64(fc.Memory.LimitMiB), -1, 1 << 30},
	} {
		if c.v != nil && (*c.v < c.min || *c.v > c.max) {
			return fc, fmt.Errorf("config %s:%d: %s = %d is out of range (%d-%d)", path, fc.lines[c.key], c.key, *c.v, c.min, c.max)
		}
	}
	if fc.TLS.Mode != nil {
		var m tlsMode
		if err := m.UnmarshalText([]byte(*fc.TLS.Mode)); err != nil {
			return fc, fmt.Errorf("config %s:%d: tls.mode %q: want off, auto or files", path, fc.lines["tls.mode"], *fc.TLS.Mode)
		}
	}
	if fc.WebRTC.ICE != nil && !validICE(*fc.WebRTC.ICE) {
		return fc, fmt.Errorf("config %s:%d: webrtc.ice %q: want lan, loopback or all", path, fc.lines["webrtc.ice"], *fc.WebRTC.ICE)
	}
	if fc.WebRTC.HostIPs != nil {
		for _, ip := range *fc.WebRTC.HostIPs {
			if net.ParseIP(ip) == nil {
				return fc, fmt.Errorf("config %s:%d: webrtc.host_ips: %q is not an IP address", path, fc.lines["webrtc.host_ips"], ip)
			}
		}
	}
	if fc.OffsiteDirs != nil {
		for _, d := range *fc.OffsiteDirs {
			if !filepath.IsAbs(d) || filepath.Clean(d) == "/" {
				return fc, fmt.Errorf("config %s:%d: offsite_dirs: %q is not an absolute folder below /", path, fc.lines["offsite_dirs"], d)
			}
		}
	}
	if fc.AllowedHosts != nil {
		for _, h := range *fc.AllowedHosts {
			if err := checkHostName(h); err != nil {
				return fc, fmt.Errorf("config %s:%d: allowed_hosts: %v", path, fc.lines["allowed_hosts"], err)
			}
		}
	}
	if m := fc.MQTT.config(); m.BrokerURL != "" {
		// Validate's messages name no password.
		if err := m.Validate(); err != nil {
			return fc, fmt.Errorf("config %s:%d: [mqtt]: %v", path, fc.lines["mqtt.broker"], err)
		}
	}
	if v := fc.ONVIF.CallbackURL; v != nil {
		if err := checkCallbackURL(*v); err != nil {
			return fc, fmt.Errorf("config %s:%d: onvif.callback_url %v", path, fc.lines["onvif.callback_url"], err)
		}
	}
	if fc.Listen != nil {
		if _, _, err := net.SplitHostPort(*fc.Listen); err != nil {
			return fc, fmt.Errorf("config %s:%d: listen %q is not host:port", path, fc.lines["listen"], *fc.Listen)
		}
	}
	return fc, nil
}

func ptr64(p *int) *int64 {
	if p == nil {
		return nil
	}
	v := int64(*p)
	return &v
}

// configDecodeError turns the decoder's error into one line with the file,
// the line and the key.
func configDecodeError(path string, doc []byte, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		var parts []string
		for _, e := range strict.Errors {
			row, _ := e.Position()
			parts = append(parts, fmt.Sprintf("%s:%d: unknown key %q", path, row, strings.Join(e.Key(), ".")))
		}
		return fmt.Errorf("config %s", strings.Join(parts, "; "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if strings.Join(de.Key(), ".") == "log_level" && strings.Contains(msg, "slog:") {
			msg = "want debug, info, warn or error"
		}
		if m := typeMismatch.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("wrong type: got a TOML %s, want %s", m[1], tomlType(m[2]))
		}
		if k := strings.Join(de.Key(), "."); k != "" && !strings.Contains(msg, k) {
			msg = k + ": " + msg
		}
		return fmt.Errorf("config %s:%d: %s", path, row, msg)
	}
	return fmt.Errorf("config %s: %s", path, strings.TrimPrefix(err.Error(), "toml: "))
}

var typeMismatch = regexp.MustCompile(`^cannot decode TOML (\w+) into struct field \S+ of type (\S+)$`)

// tomlType names a Go field type the way the configuration file spells it.
func tomlType(goType string) string {
	switch goType {
	case "string", "main.tlsMode":
		return "a string"
	case "int", "int64":
		return "an integer"
	case "[]string":
		return "an array of strings"
	case "slog.Level":
		return "a string (debug, info, warn or error)"
	}
	if strings.HasPrefix(goType, "main.file") {
		return "a table"
	}
	return goType
}

// keyLines maps each "table.key" of a (valid) document to its line, for
// messages about values the decoder accepted but Hearth does not.
func keyLines(doc []byte) map[string]int {
	lines := map[string]int{}
	table := ""
	for i, l := range strings.Split(string(doc), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || l[0] == '#':
		case l[0] == '[':
			table = strings.Trim(strings.SplitN(l, "#", 2)[0], "[] \t")
		default:
			k, _, ok := strings.Cut(l, "=")
			if !ok {
				continue
			}
			k = strings.Trim(strings.TrimSpace(k), `"'`)
			if table != "" {
				k = table + "." + k
			}
			if _, seen := lines[k]; !seen {
				lines[k] = i + 1
			}
		}
	}
	return lines
}

// applyTo copies the values the file sets into cfg and o, except those whose
// flag (named in set) was given on the command line.
func (fc fileConfig) applyTo(cfg *serveConfig, o *serviceOptions, set map[string]bool) error {
	str := func(flag string, dst *string, v *string) {
		if v != nil && !set[flag] {
			*dst = *v
		}
	}
	str("listen", &cfg.Listen, fc.Listen)
	str("data", &cfg.DataDir, fc.Data)
	if fc.LogLevel != nil && !set["log-level"] {
		cfg.LogLevel = *fc.LogLevel
	}
	if fc.AllowedHosts != nil && !set["allowed-hosts"] {
		o.AllowedHosts = append([]string(nil), *fc.AllowedHosts...)
	}
	if fc.OffsiteDirs != nil && !set["offsite-dirs"] {
		o.OffsiteDirs = append([]string(nil), *fc.OffsiteDirs...)
	}
	if fc.TLS.Mode != nil && !set["tls"] {
		o.TLS.Mode = *fc.TLS.Mode
	}
	str("tls-cert", &o.TLS.CertFile, fc.TLS.Cert)
	str("tls-key", &o.TLS.KeyFile, fc.TLS.Key)
	str("tls-redirect-http", &o.TLS.RedirectHTTP, fc.TLS.RedirectHTTP)
	str("rtsp-listen", &o.RTSPListen, fc.RTSPListen)
	str("onvif-callback-url", &o.ONVIFCallbackURL, fc.ONVIF.CallbackURL)
	if fc.WebRTC.UDPPort != nil && !set["webrtc-udp-port"] {
		o.WebRTC.UDPPort = *fc.WebRTC.UDPPort
	}
	if fc.WebRTC.ICE != nil && !set["webrtc-ice"] {
		o.WebRTC.ICE = *fc.WebRTC.ICE
	}
	if fc.WebRTC.HostIPs != nil && !set["webrtc-host-ips"] {
		o.WebRTC.HostIPs = append([]string(nil), *fc.WebRTC.HostIPs...)
	}
	num := func(flag string, dst *int, v *int) {
		if v != nil && !set[flag] {
			*dst = *v
		}
	}
	num("retain-continuous-days", &o.Retention.ContinuousDays, fc.Retention.ContinuousDays)
	num("retain-events-days", &o.Retention.EventsDays, fc.Retention.EventsDays)
	num("min-free-percent", &o.Retention.MinFreePercent, fc.Retention.MinFreePercent)
	num("max-conns-per-client", &o.MaxConnsPerClient, fc.HTTP.MaxConnsPerClient)
	num("camera-max-mbps", &o.CameraMaxMbps, fc.Recording.CameraMaxMbps)
	num("gc-percent", &o.GCPercent, fc.Memory.GCPercent)
	num("memory-limit-mib", &o.LimitMiB, fc.Memory.LimitMiB)
	if fc.Retention.MinFreeBytes != nil && !set["min-free-bytes"] {
		o.Retention.MinFreeBytes = *fc.Retention.MinFreeBytes
	}
	o.MQTT = fc.MQTT.config()
	if fc.TLS.Mode != nil {
		set = maps.Clone(set)
		if set == nil {
			set = map[string]bool{}
		}
		set["tls"] = true // an explicit mode in the file is not implied away
	}
	impliedTLSMode(o, set)
	return nil
}

// config is the broker connection the file names; no broker (or an
// empty one, as in the example file) is no MQTT.
func (f fileMQTT) config() mqtt.Config {
	if f.Broker == nil || *f.Broker == "" {
		return mqtt.Config{}
	}
	val := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return mqtt.Config{BrokerURL: val(f.Broker), Username: val(f.Username), Password: val(f.Password),
		CAFile: val(f.CAFile), ClientID: val(f.ClientID)}
}

// impliedTLSMode makes a certificate and key without a mode mean "files".
func impliedTLSMode(o *serviceOptions, set map[string]bool) {
	if !set["tls"] && o.TLS.Mode == tlsOff && o.TLS.CertFile != "" && o.TLS.KeyFile != "" {
		o.TLS.Mode = tlsFiles
	}
}
