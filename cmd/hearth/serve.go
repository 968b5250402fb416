package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hearthnvr/hearth/cmd/internal/memtune"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/mqtt"
	"github.com/hearthnvr/hearth/nvr/notify"
	"github.com/hearthnvr/hearth/nvr/offsite"
	"github.com/hearthnvr/hearth/nvr/record"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/nvr/restream"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/webrtc"
	"github.com/hearthnvr/hearth/ui"
)

// serveConfig is the typed configuration of "hearth serve".
type serveConfig struct {
	DataDir  string
	Listen   string
	LogLevel slog.Level
	// ShutdownTimeout bounds graceful shutdown after SIGINT/SIGTERM.
	ShutdownTimeout time.Duration
	// Service is TLS, WebRTC and retention (config.go).
	Service serviceOptions
	// DBReserve is the space held in <data>/.reserve for the database and
	// released when the disk fills (recordstore.Reserve); 0 turns it off.
	DBReserve int64
	// Detectors and Thumbnailer are the media side of events (motion
	// detectors, thumbnails), adapted from streams/motion and
	// streams/thumbnail; nil: external triggers only, no thumbnails.
	Detectors   events.DetectorFactory
	Thumbnailer events.Thumbnailer
	// AnyFreeWebRTCPort lets the start take any free WebRTC port when the
	// configured one is in use (the demo without --webrtc-udp-port: a
	// newcomer's first run must not fail on another program's port).
	// serve keeps it off: a service's port is part of its firewall rules.
	AnyFreeWebRTCPort bool
	// Notify is notifications: links, the mail relay, the offline grace
	// (notify_config.go; flags only).
	Notify notifyOptions
}

// Validate checks the configuration before anything starts.
func (c serveConfig) Validate() error {
	if c.DataDir == "" {
		return usagef("--data must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return usagef("--listen %q is not host:port (for example :8080 or 127.0.0.1:8080)", c.Listen)
	}
	if c.DBReserve < 0 {
		return usagef("--db-reserve must not be negative")
	}
	if err := c.Notify.Validate(); err != nil {
		return err
	}
	return c.Service.Validate()
}

func parseServeFlags(name string, args []string, e env) (serveConfig, error) {
	cfg := serveConfig{ShutdownTimeout: 5 * time.Second, Service: defaultServiceOptions(), DBReserve: recordstore.DefaultReserveBytes}
	fs := newFlags(name, e)
	fs.StringVar(&cfg.DataDir, "data", "./hearth-data", "data directory (database and recordings)")
	fs.StringVar(&cfg.Listen, "listen", ":8080", "HTTP listen address")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	fs.Int64Var(&cfg.DBReserve, "db-reserve", cfg.DBReserve, "bytes held free for the database, released when the disk fills (0: off)")
	configPath := addServiceFlags(fs, &cfg.Service)
	cfg.Notify = defaultNotifyOptions()
	addNotifyFlags(fs, &cfg.Notify)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return cfg, err
	}
	if len(pos) != 0 {
		return cfg, usagef("%s takes no arguments, got %q", name, strings.Join(pos, " "))
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, usagef("--log-level %q: want debug, info, warn or error", *level)
	}
	if err := applyConfigFile(fs, *configPath, &cfg, &cfg.Service); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

func cmdServe(ctx context.Context, args []string, e env) error {
	cfg, err := parseServeFlags("serve", args, e)
	if err != nil {
		return err
	}
	if e.eventMedia != nil {
		cfg.Detectors, cfg.Thumbnailer = e.eventMedia()
	}
	return serve(ctx, cfg, e, nil)
}

// serve runs the NVR until ctx ends, then shuts down gracefully within
// cfg.ShutdownTimeout. ready, when set, runs once the server listens (the
// demo prints its logins there).
func serve(ctx context.Context, cfg serveConfig, e env, ready func(url string, webrtcPort int)) error {
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	// The runtime's memory knobs, before anything allocates much: GOGC 40
	// and a soft limit of a quarter of the machine (docs/performance.md,
	// "Footprint"). Said with the serving line: a start failure stays one
	// line.
	runtimeMemory := memtune.Apply(cfg.Service.memory()).String()

	// Bind first: a port in use is the most common start failure and must be
	// reported before anything else is touched.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, errors.Unwrap(err))
	}
	defer ln.Close()
	// One client address holds at most so many connections: a slow or
	// hostile client cannot take every file descriptor (issue 14).
	ln = ui.LimitConnsPerClient(ln, cfg.Service.MaxConnsPerClient, log.With("part", "http"))
	// The one WebRTC port (UDP, and TCP on the same number) is bound now
	// too, so a port in use stops the start with one clear line.
	rtc, err := listenWebRTC(cfg, e, log)
	if err != nil {
		return err
	}
	defer rtc.Close()

	a, err := openApp(ctx, cfg.DataDir, appOptions{log: log})
	if err != nil {
		return err
	}
	defer a.Close()

	ts, err := setupTLS(cfg.Service.TLS, cfg.DataDir, cfg.Service.WebRTC.HostIPs, time.Now, log)
	if err != nil {
		return err
	}
	scheme := "http"
	if ts != nil {
		scheme = "https"
		if ts.Fingerprint != "" {
			log.Info("self-signed TLS certificate; compare this with what the browser shows",
				"sha256", ts.Fingerprint, "cert", ts.CertPath)
		}
	}

	ing := ingest.NewIngest(ingest.IngestConfig{Cameras: a.store, Log: log})
	retention, err := newRetention(cfg, a, log)
	if err != nil {
		return err
	}
	reserveSize := cfg.DBReserve
	if reserveSize == 0 {
		reserveSize = -1 // nvr: negative turns the reserve off
	}
	reserve := recordstore.NewReserve(recordstore.ReserveConfig{Path: filepath.Join(cfg.DataDir, recordstore.ReserveFileName),
		Size: reserveSize, Log: log.With("part", "reserve")})
	// The off-site copy hears of each durable fragment from the recorder
	// and never makes it wait (nvr/offsite).
	// At start it catches up on what a killed run left uncopied, once
	// the recorder's recovery has made the index and files agree.
	recovered := make(chan struct{})
	copier := offsite.NewCopier(offsite.Config{Targets: a.store, Pin: nvr.NewOffsite(a.store, time.Now).PinHostKey,
		Index: a.store, RecordingsDir: filepath.Join(cfg.DataDir, recordstore.RecordingsDirName), Ready: recovered, Events: a.store,
		Log: log.With("part", "offsite")})
	recorder := record.NewRecorder(record.RecorderConfig{Cameras: a.store, Ingest: ing,
		Store: reserve.GuardStore(a.store), DataDir: cfg.DataDir, Offsite: copier,
		OnDiskFull: func() { reserve.Release(); retention.Emergency() },
		MaxBitrate: mbps(cfg.Service.CameraMaxMbps),
		Log:        log.With("part", "recorder")})
	if cfg.Detectors == nil && cfg.Thumbnailer == nil {
		m := newEventMedia(log.With("part", "events"))
		cfg.Detectors, cfg.Thumbnailer = m.detectors, m
	}
	// The MQTT queue exists before the events, whose hooks it is; without
	// a broker in the configuration it is not told (nil). The notifier is
	// told of every opened event; neither hook waits (notify.Service.Event
	// and the queue never block).
	var mqttQueue *mqtt.EventQueue
	var notifier *notify.Service
	onOpen := func(ev nvr.Event) { notifier.Event(ev) }
	var onClose func(nvr.Event)
	if cfg.Service.MQTT.BrokerURL != "" {
		mqttQueue = mqtt.NewEventQueue(0)
		onOpen = func(ev nvr.Event) {
			notifier.Event(ev)
			mqttQueue.Opened(ev)
		}
		onClose = mqttQueue.Closed
	}
	// Cameras without a pull point push their events to Hearth's own
	// listener: the configured address, else the route toward each camera
	// with this port and scheme.
	listenPort := 0
	if ta, ok := ln.Addr().(*net.TCPAddr); ok {
		listenPort = ta.Port
	}
	evs := events.NewEvents(events.EventsConfig{Store: a.store, Policy: a.policy, Cameras: a.store, Ingest: ing,
		Recorder: recorder, DataDir: cfg.DataDir, Detectors: cfg.Detectors, Thumbnailer: cfg.Thumbnailer,
		OnOpen: onOpen, OnClose: onClose, Log: log.With("part", "events"),
		CallbackURL: cfg.Service.ONVIFCallbackURL, CallbackScheme: scheme, CallbackPort: listenPort})
	notifier, health, vapid, err := newNotifier(cfg, a, evs, cameraStatus{ing, recorder}, retention, log)
	if err != nil {
		return err
	}
	var mqttSvc *mqtt.Service
	if mqttQueue != nil {
		mc := cfg.Service.MQTT
		mc.Log = log.With("part", "mqtt")
		mqttSvc, err = mqtt.New(mc, mqtt.Deps{Policy: a.policy, Integrations: a.store, Status: cameraStatus{ing, recorder},
			Events: evs, Cameras: a.directory, Queue: mqttQueue})
		if err != nil {
			return err
		}
	}
	setup := nvr.NewSetup(a.directory, time.Now)
	live := view.NewLiveSessions(a.policy, view.LiveConfig{Log: log.With("part", "live")})
	srv := ui.NewServer(ui.Config{SecureCookies: ts != nil, Hosts: ui.HostPolicy{Allowed: cfg.Service.AllowedHosts}, FFmpeg: ffmpegPath() != ""}, ui.Deps{Policy: a.policy, Auth: a.auth, Directory: a.directory,
		Status: cameraStatus{ing, recorder}, Setup: setup, Storage: retention, Events: evs, Log: log,
		Reviews:       nvr.NewReviews(a.store, a.policy, time.Now),
		Notifications: nvr.NewNotifications(a.store, a.policy, nil, nil), Notifier: notifier, VAPIDPublicKey: vapid.PublicKey(),
		EmailNotifications: cfg.Notify.SMTPAddr != "",
		Offsite:            nvr.NewOffsite(a.store, time.Now).WithLocalDirs(cfg.Service.OffsiteDirs), OffsiteStatus: copier,
		Playback: view.NewPlayback(a.store, filepath.Join(cfg.DataDir, recordstore.RecordingsDirName)),
		Live:     ing,
		WebRTC:   ui.WebRTCLive{Engine: rtc, Hubs: ing, Sessions: live},
		Shutters: nvr.NewShutters(a.store, time.Now),
		Shares:   nvr.NewShares(a.store, time.Now, nvr.Argon2Params{}),
		Viewing:  nvr.NewViewingLog(a.store),
		// A closed shutter pauses recording and detection at once rather
		// than at their next poll (the schedule is read at each poll).
		OnShutter: func() { recorder.Reconcile(); evs.Reconcile() }})
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnContext:       ui.ConnContext, // downloads bound their socket buffer (ui/download_guard.go)
	}
	if ts != nil {
		hs.TLSConfig = ts.Config
	}

	addr := ln.Addr().String()
	setupToken, err := setup.Begin(ctx)
	if err != nil {
		return err
	}
	if setupToken != "" {
		// The one-time link goes to the terminal (or journal) of whoever
		// started the service, never into the structured log; it works
		// once, for an hour. There is no default password.
		fmt.Fprintf(e.stdout, "No appliance admin yet. Within %v, create one at:\n  %s://%s/setup?token=%s\n(or run `hearth user add NAME --admin --data %s`)\n",
			nvr.SetupTokenLifetime, scheme, displayAddr(addr), setupToken, cfg.DataDir)
	}
	var rtspSrv *restream.Server
	if addr := cfg.Service.RTSPListen; addr != "" {
		rtspSrv, err = restream.Listen(restream.Config{Addr: addr, Policy: a.policy, Digest: a.store, Hubs: ing,
			Sessions: live, Log: log.With("part", "restream")})
		if err != nil {
			return err
		}
	}
	log.Info("hearth serving", "version", version, "url", scheme+"://"+displayAddr(addr), "data", cfg.DataDir,
		"webrtc_udp_tcp_port", rtc.Port(), "memory", runtimeMemory)
	if rtspSrv != nil {
		fmt.Fprintf(e.stdout, "RTSP restream: rtsp://%s/cam/CAMERA-ID (user name and a view token)\n", displayAddr(rtspSrv.Addr().String()))
		log.Info("rtsp restream serving", "addr", rtspSrv.Addr().String())
	}

	var wg sync.WaitGroup
	bgCtx, stopBackground := context.WithCancel(ctx)
	defer func() {
		stopBackground()
		wg.Wait()
		// Nothing records now: a camera removed within the last minutes
		// has its footage deleted at once, instead of after a grace that
		// only guards a running recorder's last write, so a graceful stop
		// leaves hearth check clean.
		fctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := retention.FinishRemovedCameras(fctx); err != nil {
			log.Warn("removed cameras' footage not deleted at shutdown; the next start finishes it", "err", err)
		}
	}()
	wg.Go(func() { sweepSessions(bgCtx, a, log) })
	// Stops after the HTTP server (this defer runs after Shutdown) and
	// drains, so no denial's row is lost on a clean stop.
	wg.Go(func() { _ = a.audits.Run(bgCtx) })
	wg.Go(func() { _ = ing.Run(bgCtx) })
	wg.Go(func() { _ = reserve.Run(bgCtx) })
	wg.Go(func() { _ = copier.Run(bgCtx) })
	wg.Go(func() {
		select {
		case <-recorder.Recovered():
			close(recovered)
		case <-bgCtx.Done():
		}
	})
	wg.Go(func() { _ = evs.Run(bgCtx) })
	wg.Go(func() { _ = notifier.Run(bgCtx) })
	wg.Go(func() { _ = health.Run(bgCtx) })
	if mqttSvc != nil {
		wg.Go(func() { _ = mqttSvc.Run(bgCtx) })
	}
	wg.Go(func() { _ = live.Run(bgCtx) })
	wg.Go(func() { _ = rtc.Run(bgCtx) })
	if rtspSrv != nil {
		wg.Go(func() { _ = rtspSrv.Run(bgCtx) })
	}
	wg.Go(func() {
		// Recovery runs first inside the recorder; retention waits for it
		// so the two never touch the same segment.
		if err := recorder.Run(bgCtx); err != nil && bgCtx.Err() == nil {
			log.Error("recorder not started", "err", err)
		}
	})
	wg.Go(func() {
		select {
		case <-recorder.Recovered():
			_ = retention.Run(bgCtx)
		case <-bgCtx.Done():
		}
	})
	if r := cfg.Service.TLS.RedirectHTTP; r != "" {
		rln, err := net.Listen("tcp", r)
		if err != nil {
			return fmt.Errorf("listen on %s (HTTP redirect): %w", r, errors.Unwrap(err))
		}
		rln = ui.LimitConnsPerClient(rln, cfg.Service.MaxConnsPerClient, log.With("part", "http-redirect"))
		wg.Go(func() {
			if err := serveRedirect(bgCtx, rln, addr, log); err != nil {
				log.Warn("http redirect stopped", "err", err)
			}
		})
	}

	if ready != nil {
		ready(scheme+"://"+displayAddr(addr), rtc.Port())
	}
	if e.onListen != nil {
		e.onListen(addr)
	}

	errc := make(chan error, 1)
	go func() {
		if ts != nil {
			errc <- hs.ServeTLS(ln, "", "")
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		// Long-lived responses are cut rather than holding the stop.
		_ = hs.Close()
		log.Warn("shutdown timed out; closed remaining connections", "err", err)
	}
	<-errc
	return nil
}

// mbps maps the camera rate ceiling onto nvr: 0 (no ceiling) is negative
// there, where 0 means the default.
func mbps(n int) float64 {
	if n == 0 {
		return -1
	}
	return float64(n) * 1e6
}

// iceFilter maps the webrtc.ice option to the engine's address filter.
func iceFilter(choice string) func(net.IP) bool {
	switch choice {
	case iceLoopback:
		return webrtc.LoopbackOnly
	case iceAll:
		return func(net.IP) bool { return true }
	}
	return nil // the interfaces' addresses, without loopback
}

// displayAddr turns ":8080" or "[::]:8080" into a clickable localhost URL host.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// sweepSessions deletes expired sessions hourly so the table does not grow
// without bound; an expired session is already refused on every request.
func sweepSessions(ctx context.Context, a *app, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.store.DeleteExpiredSessions(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("sweep expired sessions", "err", err)
		} else if n > 0 {
			log.Info("swept expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// newRetention maps the retention options onto record.Retention. In the
// configuration 0 days or 0 free means "no such limit"; in nvr 0 means the
// default and a negative value turns a rule off.
func newRetention(cfg serveConfig, a *app, log *slog.Logger) (*record.Retention, error) {
	o := cfg.Service.Retention
	days := func(n int) time.Duration {
		if n == 0 {
			return -1
		}
		return time.Duration(n) * 24 * time.Hour
	}
	orOff := func(n int64) int64 {
		if n == 0 {
			return -1
		}
		return n
	}
	return record.NewRetention(record.RetentionConfig{
		Store:          a.store,
		Dir:            filepath.Join(cfg.DataDir, recordstore.RecordingsDirName),
		Settings:       record.CamerasRetention{Cameras: a.store},
		Cameras:        a.store,
		Pins:           a.store, // pinned events keep their footage (db.DB.PinnedRanges)
		ContinuousAge:  days(o.ContinuousDays),
		EventAge:       days(o.EventsDays),
		MinFreePercent: float64(orOff(int64(o.MinFreePercent))),
		MinFreeBytes:   orOff(o.MinFreeBytes),
		VolumeOK:       func() error { _, err := recordstore.CheckVolume(cfg.DataDir); return err },
		Log:            log.With("part", "retention"),
	})
}

// cameraStatus joins ingest and recording state for the API.
type cameraStatus struct {
	ingest   *ingest.Ingest
	recorder *record.Recorder
}

func (c cameraStatus) Status(g nvr.CameraGrant) ingest.CameraStatus {
	st := c.ingest.Status(g)
	rs := c.recorder.Status(g)
	st.Recording = rs.State
	st.RecordingSince = rs.Since
	st.RecordingReason = rs.Reason
	return st
}

// listenWebRTC binds the one WebRTC port (UDP, and TCP on the same number).
// With cfg.AnyFreeWebRTCPort, a port in use is replaced by any free one and
// the terminal is told which; otherwise a port in use stops the start.
func listenWebRTC(cfg serveConfig, e env, log *slog.Logger) (*webrtc.Engine, error) {
	wc := webrtc.Config{Port: cfg.Service.WebRTC.UDPPort, HostIPs: cfg.Service.WebRTC.HostIPs,
		IPFilter: iceFilter(cfg.Service.WebRTC.ICE), Log: log.With("part", "webrtc")}
	rtc, err := webrtc.Listen(wc)
	if err == nil || !cfg.AnyFreeWebRTCPort || wc.Port == 0 || !errors.Is(err, syscall.EADDRINUSE) {
		return rtc, err
	}
	wc.Port = 0
	rtc, anyErr := webrtc.Listen(wc)
	if anyErr != nil {
		return nil, fmt.Errorf("%w (and no free port instead: %w)", err, anyErr)
	}
	fmt.Fprintf(e.stdout, "WebRTC port %d is in use by another program; using port %d instead (--webrtc-udp-port to choose).\n",
		cfg.Service.WebRTC.UDPPort, rtc.Port())
	return rtc, nil
}

// The subsystems meet only here: each declares what it needs of another,
// and these assertions keep the wiring above honest when one of them
// changes.
var (
	_ record.IngestSource  = (*ingest.Ingest)(nil)
	_ events.EventRecorder = (*record.Recorder)(nil)
	_ record.PinSource     = (*events.Events)(nil)
)
