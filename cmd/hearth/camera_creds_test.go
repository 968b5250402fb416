package main

import (
	"strings"
	"testing"
)

// TestCameraCredentialsCLI: a camera password never goes on the command
// line (a URL holding one is refused, exit 2, without echoing it); it is
// read from standard input with --rtsp-user; and a new host given with
// --main clears the stored credentials and says so. In-process, < 1 s.
func TestCameraCredentialsCLI(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	const secret = "CANARY-cli-pw"
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	refused := [][]string{
		{"camera", "add", "c", "--household", "Alpha", "--main", "rtsp://admin:" + secret + "@192.0.2.10/main"},
		{"camera", "add", "c", "--household", "Alpha", "--main", "rtsp://192.0.2.10/main", "--sub", "rtsp://admin:" + secret + "@192.0.2.10/sub"},
		{"camera", "add", "c", "--household", "Alpha", "--main", "rtsp://admin:" + secret + "/x@192.0.2.10/main"},
		{"camera", "add", "c", "--household", "Alpha", "--main", "rtsp://admin:" + secret + " x@192.0.2.10/main"},
	}
	for _, args := range refused {
		out, errs, code := cli(t, "", append(args, "--data", data)...)
		if code != 2 || !strings.Contains(errs, "--rtsp-user") || strings.Contains(out+errs, secret) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and a hint at --rtsp-user, without the password", args, code, out, errs)
		}
	}
	if out := mustCLI(t, "", "camera", "list", "--data", data); strings.Contains(out, "192.0.2.10") {
		t.Fatalf("a refused camera was added: %s", out)
	}

	out := mustCLI(t, secret+"\n", "camera", "add", "Door", "--household", "Alpha", "--main", "rtsp://192.0.2.10/main",
		"--rtsp-user", "admin", "--data", data)
	m := cameraIDRe.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "credentials stored") {
		t.Fatalf("add with --rtsp-user: %q", out)
	}
	id := m[1]
	if _, errs, code := cli(t, "", "camera", "edit", id, "--main", "rtsp://admin:"+secret+"@192.0.2.11/main", "--data", data); code != 2 || strings.Contains(errs, secret) {
		t.Fatalf("edit with a password in the URL: exit %d, %q", code, errs)
	}
	// Same host, another spelling: the credentials stay, and nothing is said.
	if out := mustCLI(t, "", "camera", "edit", id, "--main", "rtsp://192.0.2.10:554/main2", "--data", data); !strings.Contains(out, "credentials stored") || strings.Contains(out, "note:") {
		t.Fatalf("edit on the same host: %q", out)
	}
	// Another host: cleared, and said.
	out = mustCLI(t, "", "camera", "edit", id, "--main", "rtsp://192.0.2.11/main", "--data", data)
	if !strings.Contains(out, "no credentials") || !strings.Contains(out, "note: the main stream URL now names another host") {
		t.Fatalf("edit to another host: %q", out)
	}
	if out := mustCLI(t, "new-pw\n", "camera", "edit", id, "--main", "rtsp://192.0.2.12/main", "--rtsp-user", "root", "--data", data); !strings.Contains(out, "credentials stored") || strings.Contains(out, "note:") {
		t.Fatalf("edit to another host with new credentials: %q", out)
	}
	if out := mustCLI(t, "", "camera", "edit", id, "--sub", "rtsp://192.0.2.99/sub", "--data", data); !strings.Contains(out, "note: the sub stream URL names another host") {
		t.Fatalf("sub on another host: %q", out)
	}
}
