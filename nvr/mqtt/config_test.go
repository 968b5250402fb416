package mqtt_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr/mqtt"
)

// Bad broker settings are refused with a message that names the problem
// and never the password; a configuration printed or logged whole shows
// no password either.
func TestConfigValidateAndRedact(t *testing.T) {
	const pw = "pw-canary-3b9e"
	for _, c := range []struct {
		cfg  mqtt.Config
		want string
	}{
		{mqtt.Config{BrokerURL: "mqtt://127.0.0.1:1883"}, "want tcp or ssl"},
		{mqtt.Config{BrokerURL: "tcp://hearth:" + pw + "@127.0.0.1:1883"}, "not in the URL"},
		{mqtt.Config{BrokerURL: "tcp://127.0.0.1"}, "HOST:PORT"},
		{mqtt.Config{BrokerURL: "tcp://127.0.0.1:1883/x?p=" + pw}, "HOST:PORT"},
		{mqtt.Config{BrokerURL: "tcp://127.0.0.1:1883", Password: pw}, "needs a username"},
		{mqtt.Config{BrokerURL: "tcp://127.0.0.1:1883", CAFile: "/x.pem"}, "needs an ssl://"},
		{mqtt.Config{BrokerURL: "%zz" + pw}, "not a URL"},
	} {
		err := c.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), pw) {
			t.Errorf("Validate(%s): %v; want an error mentioning %q without the password", c.cfg.BrokerURL, err, c.want)
		}
	}
	if err := (mqtt.Config{BrokerURL: "ssl://broker.lan:8883", Username: "u", Password: pw}).Validate(); err != nil {
		t.Errorf("a good configuration: %v", err)
	}
	cfg := mqtt.Config{BrokerURL: "tcp://x:" + pw + "@127.0.0.1:1883/?" + pw, Username: "hearth", Password: pw}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "mqtt", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", struct{ M mqtt.Config }{cfg}), logged.String()} {
		if strings.Contains(s, pw) || !strings.Contains(s, "hearth") {
			t.Errorf("printed configuration %q: want the user without the password", s)
		}
	}
}
