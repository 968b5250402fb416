package main

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// exampleConfig is the documented configuration file that the .deb installs.
const exampleConfig = "../../packaging/hearth.toml"

func writeConfig(t *testing.T, doc string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hearth.toml")
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseServeWithConfig parses a serve command line the way serve.go wires
// the configuration file: --data, --listen and --log-level, then
// addServiceFlags, then applyConfigFile before validation. (It keeps the
// options apart from serveConfig so it compiles before and after serve.go
// gains its Service field; TestConfigServeWiring covers the real path.)
func parseServeWithConfig(t *testing.T, args ...string) (serveConfig, serviceOptions, error) {
	t.Helper()
	cfg := serveConfig{ShutdownTimeout: 5 * time.Second}
	opts := defaultServiceOptions()
	fs := newFlags("serve", env{stderr: io.Discard})
	fs.StringVar(&cfg.DataDir, "data", "./hearth-data", "")
	fs.StringVar(&cfg.Listen, "listen", ":8080", "")
	level := fs.String("log-level", "info", "")
	configPath := addServiceFlags(fs, &opts)
	if _, err := parseArgs(fs, args); err != nil {
		return cfg, opts, err
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, opts, err
	}
	if err := applyConfigFile(fs, *configPath, &cfg, &opts); err != nil {
		return cfg, opts, err
	}
	// serve.go's Validate checks these same options once they sit in cfg.
	return cfg, opts, opts.Validate()
}

func TestConfigExampleLoads(t *testing.T) {
	t.Parallel()
	fc, err := loadConfig(exampleConfig)
	if err != nil {
		t.Fatalf("the example configuration does not load: %v", err)
	}
	cfg := serveConfig{DataDir: "./hearth-data", Listen: "127.0.0.1:1"}
	opts := serviceOptions{}
	if err := fc.applyTo(&cfg, &opts, nil); err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/var/lib/hearth" || cfg.Listen != ":8080" || cfg.LogLevel != slog.LevelInfo {
		t.Errorf("example: data %q listen %q level %v", cfg.DataDir, cfg.Listen, cfg.LogLevel)
	}
	// The example documents the defaults: what it says is what Hearth does
	// without it.
	want := defaultServiceOptions()
	if !reflect.DeepEqual(opts, want) {
		t.Errorf("example values differ from the defaults:\n got %+v\nwant %+v", opts, want)
	}
	if err := opts.Validate(); err != nil {
		t.Errorf("example does not validate: %v", err)
	}

	// Every key the loader knows is documented in the example.
	doc, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	documented := keyLines(doc)
	for _, k := range configKeys(reflect.TypeFor[fileConfig](), "") {
		if _, ok := documented[k]; !ok {
			t.Errorf("key %s is not in %s", k, exampleConfig)
		}
	}
}

// configKeys lists the dotted TOML keys of a file configuration struct.
func configKeys(typ reflect.Type, prefix string) []string {
	var keys []string
	for f := range typ.Fields() {
		tag := f.Tag.Get("toml")
		if tag == "" || !f.IsExported() {
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, configKeys(f.Type, prefix+tag+".")...)
			continue
		}
		keys = append(keys, prefix+tag)
	}
	return keys
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope", "hearth.toml")
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		path string // when set, used instead of writing doc
		doc  string
		want []string // all must appear in the error
	}{
		{name: "unknown key", doc: "listen = \":8080\"\n\n[tls]\nmod = \"auto\"\n",
			want: []string{"hearth.toml:4", `unknown key "tls.mod"`}},
		{name: "unknown top-level key", doc: "# comment\ndatadir = \"/srv\"\n",
			want: []string{"hearth.toml:2", `unknown key "datadir"`}},
		{name: "unknown table", doc: "[recording]\ndays = 3\n",
			want: []string{"hearth.toml:", `unknown key "recording`}},
		{name: "wrong type string", doc: "listen = 8080\n",
			want: []string{"hearth.toml:1", "listen", "wrong type", "integer", "want a string"}},
		{name: "wrong type integer", doc: "[webrtc]\n\nudp_port = \"8189\"\n",
			want: []string{"hearth.toml:3", "webrtc.udp_port", "wrong type", "want an integer"}},
		{name: "wrong type list", doc: "[webrtc]\nhost_ips = \"192.0.2.1\"\n",
			want: []string{"hearth.toml:2", "webrtc.host_ips", "want an array of strings"}},
		{name: "wrong type table", doc: "tls = \"auto\"\n",
			want: []string{"hearth.toml:1", "tls", "want a table"}},
		{name: "bad onvif callback", doc: "[onvif]\n\ncallback_url = \"192.168.1.10:8080\"\n",
			want: []string{"hearth.toml:3", "onvif.callback_url", "http://HOST[:PORT]"}},
		{name: "bad ice", doc: "[webrtc]\nice = \"wan\"\n",
			want: []string{"hearth.toml:2", "webrtc.ice", "lan, loopback or all"}},
		{name: "bad allowed host", doc: "\nallowed_hosts = [\"nvr.example.com\", \"http://evil/\"]\n",
			want: []string{"hearth.toml:2", "allowed_hosts", "not a host name"}},
		{name: "bad offsite dir", doc: "\noffsite_dirs = [\"/mnt/backup\", \"backup\"]\n",
			want: []string{"hearth.toml:2", "offsite_dirs", "absolute folder"}},
		{name: "bad tls mode", doc: "[tls]\nmode = \"on\"\n",
			want: []string{"hearth.toml:2", "tls.mode", `"on"`, "off, auto or files"}},
		{name: "bad log level", doc: "\nlog_level = \"loud\"\n",
			want: []string{"hearth.toml:2", "log_level", "debug, info, warn or error"}},
		{name: "port out of range", doc: "[webrtc]\nudp_port = 70000\n",
			want: []string{"hearth.toml:2", "webrtc.udp_port", "out of range"}},
		{name: "bad host ip", doc: "[webrtc]\nhost_ips = [\"192.0.2.1\", \"nas.local\"]\n",
			want: []string{"hearth.toml:2", "webrtc.host_ips", `"nas.local"`}},
		{name: "bad listen", doc: "listen = \"8080\"\n",
			want: []string{"hearth.toml:1", "listen", "host:port"}},
		{name: "syntax", doc: "listen = \":8080\"\n[tls\n",
			want: []string{"hearth.toml:2"}},
		{name: "missing file", path: missing,
			want: []string{missing, "no such file or directory"}},
		{name: "directory", path: dir,
			want: []string{dir, "is a directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.path
			if p == "" {
				p = writeConfig(t, tc.doc)
			}
			_, err := loadConfig(p)
			if err == nil {
				t.Fatalf("loadConfig accepted %q", tc.doc)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, "main.") {
				t.Errorf("error %q is not one plain line", msg)
			}
		})
	}
}

func TestConfigFlagsOverrideFile(t *testing.T) {
	t.Parallel()
	p := writeConfig(t, `
listen = "127.0.0.1:9000"
data = "/from/file"
log_level = "debug"
allowed_hosts = ["nvr.example.com", "*.dyn.example.net"]
offsite_dirs = ["/mnt/backup"]
[tls]
mode = "auto"
redirect_http = ":9080"
[webrtc]
udp_port = 9189
host_ips = ["192.0.2.10", "2001:db8::10"]
ice = "all"
[retention]
continuous_days = 7
events_days = 60
min_free_percent = 10
min_free_bytes = 1000
[http]
max_conns_per_client = 200
[recording]
camera_max_mbps = 80
`)
	t.Run("file over defaults", func(t *testing.T) {
		t.Parallel()
		cfg, o, err := parseServeWithConfig(t, "--config", p)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Listen != "127.0.0.1:9000" || cfg.DataDir != "/from/file" || cfg.LogLevel != slog.LevelDebug {
			t.Errorf("cfg = %+v", cfg)
		}
		want := serviceOptions{
			AllowedHosts:      []string{"nvr.example.com", "*.dyn.example.net"},
			OffsiteDirs:       []string{"/mnt/backup"},
			TLS:               tlsOptions{Mode: tlsAuto, RedirectHTTP: ":9080"},
			WebRTC:            webrtcOptions{UDPPort: 9189, HostIPs: []string{"192.0.2.10", "2001:db8::10"}, ICE: iceAll},
			Retention:         retentionOptions{ContinuousDays: 7, EventsDays: 60, MinFreePercent: 10, MinFreeBytes: 1000},
			MaxConnsPerClient: 200,
			CameraMaxMbps:     80,
		}
		if !reflect.DeepEqual(o, want) {
			t.Errorf("options\n got %+v\nwant %+v", o, want)
		}
	})
	t.Run("flags over file", func(t *testing.T) {
		t.Parallel()
		_, _, err := parseServeWithConfig(t, "--config", p, "--tls", "off")
		if err == nil || !strings.Contains(err.Error(), "needs TLS") {
			t.Fatalf("--tls off with the file's redirect_http: err = %v, want a refusal", err)
		}
		cfg, o, err := parseServeWithConfig(t, "--listen", "127.0.0.1:7000", "--config", p, "--data", "/from/flag",
			"--log-level", "warn", "--tls", "off", "--tls-redirect-http", "", "--webrtc-udp-port", "7189",
			"--webrtc-host-ips", "192.0.2.99", "--retain-continuous-days", "3", "--min-free-bytes", "5",
			"--allowed-hosts", "cam.example.org", "--webrtc-ice", "loopback", "--max-conns-per-client", "0",
			"--offsite-dirs", "/media/usb, /srv/nas")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Listen != "127.0.0.1:7000" || cfg.DataDir != "/from/flag" || cfg.LogLevel != slog.LevelWarn {
			t.Errorf("cfg = %+v", cfg)
		}
		want := serviceOptions{
			AllowedHosts: []string{"cam.example.org"},
			OffsiteDirs:  []string{"/media/usb", "/srv/nas"},
			TLS:          tlsOptions{Mode: tlsOff},
			WebRTC:       webrtcOptions{UDPPort: 7189, HostIPs: []string{"192.0.2.99"}, ICE: iceLoopback},
			// Flags not given keep the file's values.
			Retention:         retentionOptions{ContinuousDays: 3, EventsDays: 60, MinFreePercent: 10, MinFreeBytes: 5},
			MaxConnsPerClient: 0, // the flag's "no cap" over the file's 200
			CameraMaxMbps:     80,
		}
		if !reflect.DeepEqual(o, want) {
			t.Errorf("options\n got %+v\nwant %+v", o, want)
		}
	})
	t.Run("no file", func(t *testing.T) {
		t.Parallel()
		cfg, o, err := parseServeWithConfig(t)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Listen != ":8080" || !reflect.DeepEqual(o, defaultServiceOptions()) {
			t.Errorf("defaults changed: %+v %+v", cfg, o)
		}
	})
	t.Run("cert and key imply files", func(t *testing.T) {
		t.Parallel()
		_, o, err := parseServeWithConfig(t, "--tls-cert", "/c.pem", "--tls-key", "/k.pem")
		if err != nil || o.TLS.Mode != tlsFiles {
			t.Errorf("mode %q, err %v", o.TLS.Mode, err)
		}
		fp := writeConfig(t, "[tls]\ncert = \"/c.pem\"\nkey = \"/k.pem\"\n")
		_, o, err = parseServeWithConfig(t, "--config", fp)
		if err != nil || o.TLS.Mode != tlsFiles {
			t.Errorf("from file: mode %q, err %v", o.TLS.Mode, err)
		}
	})
	t.Run("bad file is not a usage error", func(t *testing.T) {
		t.Parallel()
		_, _, err := parseServeWithConfig(t, "--config", writeConfig(t, "nope = 1\n"))
		var ue usageError
		if err == nil || errors.As(err, &ue) {
			t.Errorf("err = %v; want a failure (exit 1), not a usage error", err)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := defaultServiceOptions()
	for _, tc := range []struct {
		name string
		edit func(*serviceOptions)
		want string // "" means valid
	}{
		{"defaults", func(*serviceOptions) {}, ""},
		{"auto", func(o *serviceOptions) { o.TLS.Mode = tlsAuto }, ""},
		{"auto with redirect", func(o *serviceOptions) { o.TLS.Mode = tlsAuto; o.TLS.RedirectHTTP = ":80" }, ""},
		{"files without key", func(o *serviceOptions) { o.TLS.Mode = tlsFiles; o.TLS.CertFile = "c" }, "--tls-key"},
		{"cert with auto", func(o *serviceOptions) { o.TLS.Mode = tlsAuto; o.TLS.CertFile = "c"; o.TLS.KeyFile = "k" }, "--tls files"},
		{"redirect without tls", func(o *serviceOptions) { o.TLS.RedirectHTTP = ":80" }, "needs TLS"},
		{"redirect not host:port", func(o *serviceOptions) { o.TLS.Mode = tlsAuto; o.TLS.RedirectHTTP = "80" }, "host:port"},
		{"port 0 (any free port)", func(o *serviceOptions) { o.WebRTC.UDPPort = 0 }, ""},
		{"negative port", func(o *serviceOptions) { o.WebRTC.UDPPort = -1 }, "1-65535"},
		{"bad ip", func(o *serviceOptions) { o.WebRTC.HostIPs = []string{"x"} }, "not an IP"},
		{"negative days", func(o *serviceOptions) { o.Retention.EventsDays = -1 }, "negative"},
		{"percent", func(o *serviceOptions) { o.Retention.MinFreePercent = 95 }, "0-90"},
		{"negative connection cap", func(o *serviceOptions) { o.MaxConnsPerClient = -1 }, "--max-conns-per-client"},
		{"negative camera ceiling", func(o *serviceOptions) { o.CameraMaxMbps = -1 }, "--camera-max-mbps"},
		{"onvif callback", func(o *serviceOptions) { o.ONVIFCallbackURL = "https://nvr.lan:8443/" }, ""},
		{"onvif callback with a path", func(o *serviceOptions) { o.ONVIFCallbackURL = "http://192.168.1.10:8080/hearth" }, "--onvif-callback-url"},
		{"onvif callback with credentials", func(o *serviceOptions) { o.ONVIFCallbackURL = "http://u:p@192.168.1.10/" }, "no user name or password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			o.WebRTC.HostIPs = slices.Clone(ok.WebRTC.HostIPs)
			tc.edit(&o)
			err := o.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestConfigServeWiring runs "hearth serve --config" through run(): an
// unknown key fails the start, naming the key and its line.
func TestConfigServeWiring(t *testing.T) {
	t.Parallel()
	p := writeConfig(t, "listen = \"127.0.0.1:0\"\n[webrtc]\nudp_prot = 1\n")
	_, errs, code := cli(t, "", "serve", "--config", p, "--data", t.TempDir())
	if code != exitFailure || !strings.Contains(errs, "hearth.toml:3") || !strings.Contains(errs, `"webrtc.udp_prot"`) {
		t.Errorf("exit %d, stderr %q; want 1 naming the key and line", code, errs)
	}
}
