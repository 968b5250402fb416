package testpeer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// inNetns is set in the child that runs a test inside its own network
// namespace.
const inNetns = "HEARTH_TEST_NETNS"

// RunInNetns runs test name (the caller) again, in a new network namespace
// whose loopback carries multicast (the host's lo does not, and a test
// must not send to the real LAN). It reports whether the caller is that
// child, which then runs the test's body; the parent only reports the
// child's outcome. Needs unshare (util-linux), ip (iproute2) and root or
// user namespaces: a missing one is Missing (a failure under CI).
func RunInNetns(t *testing.T, name string) bool {
	t.Helper()
	if os.Getenv(inNetns) == "1" {
		return true
	}
	unshare := Require(t, "unshare")
	if _, err := exec.LookPath("ip"); err != nil {
		Missing(t, "ip (iproute2) not found: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	script := `ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec "$@"`
	cmd := exec.CommandContext(ctx, unshare, "--net", "sh", "-c", script, "sh", os.Args[0], "-test.run", "^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), inNetns+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil && strings.Contains(out.String(), "unshare failed") {
		Missing(t, "cannot create a network namespace (needs root or user namespaces): %s", out.String())
	}
	if err == nil && strings.Contains(out.String(), "--- SKIP: "+name) {
		// The child skipped for a missing peer; under CI=true it fails instead.
		t.Skipf("%s skipped in its network namespace:\n%s", name, out.String())
	}
	if err != nil || !strings.Contains(out.String(), "--- PASS: "+name) {
		t.Fatalf("%s in a network namespace: %v\n%s", name, err, out.String())
	}
	t.Logf("ran in a network namespace:\n%s", out.String())
	return false
}
