package main

import (
	"strings"
	"testing"
)

// TestMQTTCommands: hearth mqtt add, list and remove, their refusals with
// clear messages and exit codes, and that the integration is its token:
// revoking it with hearth token revoke removes the integration too. No
// command prints a token.
func TestMQTTCommands(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	mustCLI(t, "", "household", "add", "Bravo", "--data", data)
	mustCLI(t, sitePassword+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	mustCLI(t, sitePassword+"\n", "user", "add", "bo", "--household", "Bravo", "--role", "owner", "--data", data)

	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no token user", []string{"mqtt", "add", "Alpha"}, exitUsage, "--token-user"},
		{"no household", []string{"mqtt", "add", "--token-user", "ana"}, exitUsage, "usage"},
		{"unknown household", []string{"mqtt", "add", "Nowhere", "--token-user", "ana"}, exitFailure, "Nowhere"},
		{"user of another household", []string{"mqtt", "add", "Alpha", "--token-user", "bo"}, exitFailure, "not a member"},
		{"wildcard prefix", []string{"mqtt", "add", "Alpha", "--token-user", "ana", "--prefix", "a/+/b"}, exitFailure, "wildcards"},
		{"unknown command", []string{"mqtt", "publish"}, exitUsage, "unknown mqtt command"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, errs, code := cli(t, "", append(c.args, "--data", data)...)
			if code != c.code || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errs, c.code, c.want)
			}
		})
	}

	out := mustCLI(t, "", "mqtt", "add", "Alpha", "--token-user", "ana", "--data", data)
	out += mustCLI(t, "", "mqtt", "add", "Bravo", "--token-user", "bo", "--discovery-prefix", "bravo-ha", "--data", data)
	if strings.Contains(out, "hth_") {
		t.Errorf("mqtt add printed a token: %s", out)
	}
	if _, errs, code := cli(t, "", "mqtt", "add", "Alpha", "--token-user", "ana", "--discovery-prefix", "x", "--data", data); code != exitFailure || !strings.Contains(errs, "already has") {
		t.Errorf("second integration of Alpha: exit %d %q", code, errs)
	}
	if _, errs, code := cli(t, "", "token", "create", "--user", "ana", "--scope", "mqtt", "--data", data); code != exitUsage {
		t.Errorf("token create --scope mqtt: exit %d %q; only mqtt add makes that scope", code, errs)
	}
	list := mustCLI(t, "", "mqtt", "list", "--data", data)
	if !strings.Contains(list, "Alpha") || !strings.Contains(list, "bravo-ha") || !strings.Contains(list, "ana") {
		t.Fatalf("mqtt list: %s", list)
	}

	mustCLI(t, "", "mqtt", "remove", "Alpha", "--data", data)
	if _, errs, code := cli(t, "", "mqtt", "remove", "Alpha", "--data", data); code != exitFailure || !strings.Contains(errs, "no MQTT integration") {
		t.Errorf("removing it again: exit %d %q", code, errs)
	}
	// Bravo's integration ends with its token.
	var tokenID string
	for _, line := range strings.Split(mustCLI(t, "", "token", "list", "--user", "bo", "--data", data), "\n") {
		// SCOPE comes before CREATED (two fields), LAST USED and EXPIRES.
		if f := strings.Fields(line); len(f) > 5 && f[len(f)-5] == "mqtt" {
			tokenID = f[0]
		}
	}
	if tokenID == "" {
		t.Fatal("token list shows no mqtt token of bo")
	}
	mustCLI(t, "", "token", "revoke", tokenID, "--data", data)
	if list := mustCLI(t, "", "mqtt", "list", "--data", data); strings.Contains(list, "Bravo") {
		t.Errorf("integration listed after its token was revoked: %s", list)
	}
}
