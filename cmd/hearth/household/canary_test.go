package household

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/streams/testpeer"
)

// canary is a credential canary (testpeer.CredentialCanary: a real RTSP
// server that answers 401 with Basic and Digest challenges) on its own
// port, which to Hearth is another host than any camera's. Nobody ever
// enters credentials for it, so any Authorization header it receives is
// a credential offered to a host it was not entered for
// (ARCHITECTURE.md invariant 8).
type canary struct {
	cc *testpeer.CredentialCanary
}

func startCanary(t *testing.T) *canary {
	t.Helper()
	return &canary{cc: testpeer.NewCredentialCanary(t, testpeer.CanaryConfig{})}
}

// url is an RTSP URL on the canary's host, without credentials.
func (c *canary) url(path string) string { return c.cc.URL(path) }

// leaks describes every credential the canary was offered; secrets are
// the camera passwords the simulation entered, named when one arrives in
// clear (Basic).
func (c *canary) leaks(secrets []string) []string {
	var out []string
	for _, a := range c.cc.Authorizations() {
		what := fmt.Sprintf("%s for user %q: %s", a.Method, a.Username, a.Raw)
		for _, s := range secrets {
			if a.Password != "" && strings.Contains(a.Password, s) {
				what += " (a stored camera password, in clear)"
			}
		}
		out = append(out, what)
	}
	return out
}

// requests is how many requests the canary was sent.
func (c *canary) requests() int { return c.cc.Requests() }

func (c *canary) String() string { return "canary " + c.cc.Addr() }
