package h264enc

import (
	"os"
	"os/exec"
	"testing"
)

// requireTool skips the test when an external program is missing, except in
// CI (CI=true), where a missing peer is a failure: CI must install it.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found in PATH (required in CI): %v", name, err)
		}
		t.Skipf("%s not found in PATH: %v", name, err)
	}
	return p
}
