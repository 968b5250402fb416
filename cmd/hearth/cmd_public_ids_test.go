package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestAdminCommandsNamePublicIDs: the admin commands print households,
// users and tokens by their public IDs and accept them (as well as names),
// while a row number names nothing (issue 14, finding 3: the numbers count
// every household's rows, and no client sees them any more).
func TestAdminCommandsNamePublicIDs(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	const pw = "a long enough passphrase"
	publicID := regexp.MustCompile(`^[0-9a-f]{32}$`)
	field := func(out, pattern string) string {
		t.Helper()
		m := regexp.MustCompile(pattern).FindStringSubmatch(out)
		if m == nil || !publicID.MatchString(m[1]) {
			t.Fatalf("no public ID for %s in %q", pattern, out)
		}
		return m[1]
	}

	alpha := field(mustCLI(t, "", "household", "add", "Alpha", "--data", data), `household (\S+) "Alpha" created`)
	beta := field(mustCLI(t, "", "household", "add", "Beta", "--data", data), `household (\S+) "Beta" created`)
	if list := mustCLI(t, "", "household", "list", "--data", data); field(list, `(?m)^(\S+)\s+Alpha\s`) != alpha {
		t.Fatalf("household list does not show Alpha as %s:\n%s", alpha, list)
	}
	// --household takes the public ID as well as the name.
	out := mustCLI(t, pw+"\n", "user", "add", "ana", "--household", alpha, "--role", "owner", "--data", data)
	ana := field(out, `user (\S+) "ana" created`)
	if !strings.Contains(out, `owner of household `+alpha+` "Alpha"`) {
		t.Fatalf("user add: %q; want the household's public ID", out)
	}
	cam := addCamera(t, data, alpha, "Door", "rtsp://192.0.2.10/main")
	if list := mustCLI(t, "", "camera", "list", "--household", "Alpha", "--data", data); !regexp.MustCompile(cam + `\s+Door\s+` + alpha + `\s`).MatchString(list) {
		t.Fatalf("camera list does not name Alpha by %s:\n%s", alpha, list)
	}
	if list := mustCLI(t, "", "user", "list", "--household", alpha, "--data", data); field(list, `(?m)^(\S+)\s+ana\s+Alpha\s`) != ana {
		t.Fatalf("user list does not show ana as %s:\n%s", ana, list)
	}
	// A user is named by public ID or name.
	mustCLI(t, "", "user", "role", ana, "member", "--data", data)
	mustCLI(t, "", "token", "create", "--user", ana, "--data", data)
	_, errs, _ := cli(t, "", "token", "create", "--user", "ana", "--data", data)
	tok := field(errs, `token (\S+) for "ana"`)
	list := mustCLI(t, "", "token", "list", "--user", "ana", "--data", data)
	if field(list, `(?m)^(\S+)\s+ana\s`) == "" || !strings.Contains(list, tok) {
		t.Fatalf("token list for ana:\n%s\nwant %s, user named ana", list, tok)
	}
	if out := mustCLI(t, "", "token", "revoke", tok, "--data", data); out != "token "+tok+" revoked\n" {
		t.Fatalf("revoke: %q", out)
	}

	// Row numbers name nothing; neither does an unknown or upper-case
	// public ID.
	for _, args := range [][]string{
		{"household", "remove", "1"},
		{"user", "role", "1", "owner"},
		{"user", "role", strings.ToUpper(ana), "owner"},
		{"token", "revoke", tok}, // revoked above: gone
	} {
		if _, errs, code := cli(t, "", append(args, "--data", data)...); code != 1 || !strings.Contains(errs, "not found") {
			t.Fatalf("hearth %s: exit %d, %q; want not found", strings.Join(args, " "), code, errs)
		}
	}
	// An empty household goes by public ID.
	if out := mustCLI(t, "", "household", "remove", beta, "--data", data); out != "household "+beta+` "Beta" removed`+"\n" {
		t.Fatalf("household remove: %q", out)
	}
}
