package main

import (
	"log/slog"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/notify"
)

// newNotifier wires notifications: the service that decides and sends
// each message, and the health watcher that reports cameras going
// offline, coming back, stalling, and storage running low.
func newNotifier(cfg serveConfig, a *app, events *nvr.Events, status cameraStatus, retention *nvr.Retention,
	log *slog.Logger) (*notify.Service, *notify.HealthWatcher, error) {
	o := cfg.Notify
	smtp, err := o.smtp()
	if err != nil {
		return nil, nil, err
	}
	svc := notify.New(notify.Config{Store: a.store, Policy: a.policy, Events: events, SMTP: smtp,
		BaseURL: strings.TrimSuffix(o.BaseURL, "/"), Log: log.With("part", "notify")})
	hw := notify.NewHealthWatcher(notify.HealthConfig{
		Sources: notify.HealthSources{Cameras: a.store, Monitor: a.policy, Status: status, Storage: retention},
		Report:  svc.Health, Grace: o.OfflineGrace})
	return svc, hw, nil
}
