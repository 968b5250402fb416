package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAdminCommandSaysItStartedANewDataDirectory: an admin command run
// without --data, away from the server's directory, made a new, empty
// Hearth in ./hearth-data, printed "created" and exited 0, and the running
// server never saw the household (a household's first week). The command
// still works (it is how a first setup begins), and says where it started
// one; on the next command, with the database there, it says nothing.
func TestAdminCommandSaysItStartedANewDataDirectory(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "elsewhere")
	_, errs, code := cli(t, "", "household", "add", "Rivera family", "--data", data)
	if code != 0 || !strings.Contains(errs, "started a new, empty data directory at "+data) || !strings.Contains(errs, "--data "+data) {
		t.Fatalf("first command on a new directory: exit %d, stderr %q; want it to say where it started one", code, errs)
	}
	if _, errs, code := cli(t, "", "household", "list", "--data", data); code != 0 || errs != "" {
		t.Fatalf("second command: exit %d, stderr %q; want nothing said", code, errs)
	}
}

// TestUserListSaysNoRoleOutsideAHousehold: a role is within a household;
// the appliance admin, in none, was listed as a "member" (of nothing).
func TestUserListSaysNoRoleOutsideAHousehold(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	added := mustCLI(t, "a long enough passphrase\n", "user", "add", "root", "--admin", "--data", data)
	if !strings.Contains(added, "(appliance admin, in no household)") {
		t.Errorf("user add: %s", added)
	}
	list := mustCLI(t, "", "user", "list", "--data", data)
	if !regexp.MustCompile(`(?m)^\S+\s+root\s+-\s+-\s+true\s+false\s*$`).MatchString(list) {
		t.Fatalf("user list:\n%s\nwant root with no household and no role, admin", list)
	}
}
