package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hearthnvr/hearth/streams/testpeer"
)

// mqttBrokerPassword is the test broker's; it must reach the broker from
// the configuration file and appear nowhere in Hearth's output.
const mqttBrokerPassword = "e2e-broker-pw-71c4a"

// mosquitto is a real broker on loopback with one password user
// ("hearth"), and its clients (testpeer.Mosquitto).
type mosquitto struct {
	*testpeer.Mosquitto
	t   *testing.T
	dir string
}

// startMosquitto starts a broker for the test (stopped at its end) and
// waits until it listens.
func startMosquitto(t *testing.T) *mosquitto {
	t.Helper()
	return &mosquitto{Mosquitto: testpeer.StartMosquitto(t, "hearth", mqttBrokerPassword), t: t, dir: t.TempDir()}
}

// config writes Hearth's configuration file naming the broker and returns
// its path.
func (m *mosquitto) config() string {
	m.t.Helper()
	p := filepath.Join(m.dir, "hearth.toml")
	writeFile(m.t, p, fmt.Sprintf("[mqtt]\nbroker = %q\nusername = \"hearth\"\npassword = %q\n", m.URL(), mqttBrokerPassword))
	return p
}
