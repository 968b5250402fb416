package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/notify"
)

// notifyOptions configures notifications: where links in messages point,
// the mail relay, and when a silent camera is announced offline.
type notifyOptions struct {
	// BaseURL is how people reach this appliance, for the link in each
	// message ("" : no link).
	BaseURL string
	// SMTP relay; the password comes from a file, never a flag (flags end
	// up in shell history and /proc/*/cmdline).
	SMTPAddr, SMTPFrom, SMTPUser, SMTPSecurity, SMTPPasswordFile string
	// OfflineGrace is how long a camera may send no frames before it is
	// announced offline.
	OfflineGrace time.Duration
}

func defaultNotifyOptions() notifyOptions {
	return notifyOptions{SMTPSecurity: notify.SMTPStartTLS, OfflineGrace: notify.DefaultOfflineGrace}
}

func addNotifyFlags(fs *flag.FlagSet, o *notifyOptions) {
	fs.StringVar(&o.BaseURL, "public-url", o.BaseURL, "how people reach this appliance (e.g. https://nvr.lan:8080), for the link in notifications")
	fs.StringVar(&o.SMTPAddr, "smtp-addr", o.SMTPAddr, "mail relay for e-mail notifications, host:port (empty: no e-mail)")
	fs.StringVar(&o.SMTPFrom, "smtp-from", o.SMTPFrom, "sender address of e-mail notifications")
	fs.StringVar(&o.SMTPUser, "smtp-user", o.SMTPUser, "user name at the mail relay (empty: no login)")
	fs.StringVar(&o.SMTPPasswordFile, "smtp-password-file", o.SMTPPasswordFile, "file holding the mail relay password")
	fs.StringVar(&o.SMTPSecurity, "smtp-security", o.SMTPSecurity, "starttls (port 587), tls (port 465) or none (a relay on this machine only)")
	fs.DurationVar(&o.OfflineGrace, "offline-grace", o.OfflineGrace, "a camera sending no frames this long is announced offline")
}

// Validate checks the options.
func (o notifyOptions) Validate() error {
	if o.BaseURL != "" {
		u, err := url.Parse(o.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return usagef("--public-url %q: want http(s)://host[:port][/path]", o.BaseURL)
		}
	}
	// 0 (a configuration made in code, the demo's) is the default.
	if o.OfflineGrace != 0 && (o.OfflineGrace < 5*time.Second || o.OfflineGrace > 24*time.Hour) {
		return usagef("--offline-grace %v: want 5s to 24h", o.OfflineGrace)
	}
	if o.SMTPAddr == "" {
		if o.SMTPFrom != "" || o.SMTPUser != "" || o.SMTPPasswordFile != "" {
			return usagef("--smtp-from, --smtp-user and --smtp-password-file need --smtp-addr")
		}
		return nil
	}
	if err := (notify.SMTPConfig{Addr: o.SMTPAddr, From: o.SMTPFrom, Security: o.SMTPSecurity}).Validate(); err != nil {
		return usagef("%v", err)
	}
	if (o.SMTPUser == "") != (o.SMTPPasswordFile == "") {
		return usagef("--smtp-user and --smtp-password-file go together")
	}
	return nil
}

// smtp reads the password file and returns the relay settings.
func (o notifyOptions) smtp() (notify.SMTPConfig, error) {
	c := notify.SMTPConfig{Addr: o.SMTPAddr, From: o.SMTPFrom, Username: o.SMTPUser, Security: o.SMTPSecurity}
	if o.SMTPPasswordFile != "" {
		b, err := os.ReadFile(o.SMTPPasswordFile)
		if err != nil {
			return c, fmt.Errorf("read --smtp-password-file: %w", err)
		}
		c.Password = nvr.NewSecret(strings.TrimRight(string(b), "\r\n"))
	}
	return c, nil
}
