package main

import (
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/notify"
	"github.com/hearthnvr/hearth/nvr/record"
)

// newNotifier wires notifications: the service that decides and sends
// each message, and the health watcher that reports cameras going
// offline, coming back, stalling, and storage running low.
func newNotifier(cfg serveConfig, a *app, evs *events.Events, status cameraStatus, retention *record.Retention,
	log *slog.Logger) (*notify.Service, *notify.HealthWatcher, *notify.VAPID, error) {
	o := cfg.Notify
	smtp, err := o.smtp()
	if err != nil {
		return nil, nil, nil, err
	}
	// The web push key is made once and kept with the data: subscriptions
	// are bound to it, so a new key would silence every device.
	vapid, err := notify.LoadVAPID(filepath.Join(cfg.DataDir, vapidKeyFile), vapidSubject(o))
	if err != nil {
		return nil, nil, nil, err
	}
	svc := notify.New(notify.Config{Store: a.store, Policy: a.policy, Events: evs, SMTP: smtp, VAPID: vapid,
		BaseURL: strings.TrimSuffix(o.BaseURL, "/"), Log: log.With("part", "notify")})
	hw := notify.NewHealthWatcher(notify.HealthConfig{
		Sources: notify.HealthSources{Cameras: a.store, Monitor: a.policy, Status: status, Storage: retention, Events: a.store},
		Report:  svc.Health, Grace: o.OfflineGrace, Log: log.With("part", "health")})
	return svc, hw, vapid, nil
}

// vapidKeyFile holds the appliance's web push (VAPID) private key, 0600.
const vapidKeyFile = "vapid.pem"

// vapidSubject is who push services may contact about this sender
// (RFC 8292 "sub"): the appliance's https URL, else the mail sender.
func vapidSubject(o notifyOptions) string {
	switch {
	case strings.HasPrefix(o.BaseURL, "https://"):
		return strings.TrimSuffix(o.BaseURL, "/")
	case o.SMTPFrom != "":
		return "mailto:" + o.SMTPFrom
	}
	return "mailto:admin@localhost"
}
