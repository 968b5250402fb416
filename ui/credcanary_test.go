package ui

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestStoredCredentialsStayWithTheirHost: a camera's stored credentials
// are never offered to another host, by the connection test or after a
// PATCH of its URLs, whichever challenge (Basic, Digest, both) the other
// host sends; the answers say so. Credential canaries on loopback stand
// for the other hosts (127.0.0.1 on another port, or as "localhost", is
// another host); the admin tests, as an owner may not reach loopback, and
// the credential path is the same for both.
func TestStoredCredentialsStayWithTheirHost(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const pw = "STORED-secret-41"
	sim := startSimcam(t, "cam", pw)
	root := f.login("root")
	cam := f.addCamera(f.homeA.ID, "Door", "rtsp://cam:"+pw+"@"+sim.Addr()+"/cam/1")
	id := string(cam.ID)
	call := func(method, path, body string) string {
		t.Helper()
		r := f.do(method, path, []any{root}, body)
		if r.StatusCode != http.StatusOK || strings.Contains(r.body, pw) {
			t.Fatalf("%s %s %s: %d %s", method, path, body, r.StatusCode, r.body)
		}
		return r.body
	}

	// Its own host: the stored credentials work (the control).
	if res := decode[probeResponse](t, call(http.MethodPost, "/api/cameras/test", `{"camera_id":"`+id+`"}`)); !res.OK || res.Notice != "" {
		t.Fatalf("stored camera on its own host: %+v", res)
	}

	for _, tc := range []struct {
		name string
		cfg  testpeer.CanaryConfig
	}{{"digest", testpeer.CanaryConfig{Digest: true}}, {"basic", testpeer.CanaryConfig{Basic: true}}, {"both", testpeer.CanaryConfig{}}} {
		canary := testpeer.NewCredentialCanary(t, tc.cfg)
		for _, url := range []string{canary.URL("x"), canary.URLOn("localhost", "x")} {
			body := call(http.MethodPost, "/api/cameras/test", `{"camera_id":"`+id+`","url":"`+url+`"}`)
			if res := decode[probeResponse](t, body); res.OK || res.Notice != noticeProbeOtherHost {
				t.Errorf("%s: test towards %s answered %s", tc.name, url, body)
			}
		}
		// Credentials written in the URL are the ones sent, never the stored.
		call(http.MethodPost, "/api/cameras/test", `{"camera_id":"`+id+`","url":"`+strings.Replace(canary.URL("y"), "rtsp://", "rtsp://typed:x@", 1)+`"}`)
		if canary.Requests() == 0 || canary.OfferedUser("cam") || !canary.OfferedUser("typed") {
			t.Fatalf("%s: %d requests, offered %+v", tc.name, canary.Requests(), canary.Authorizations())
		}
	}

	// A PATCH of the main URL to another host clears the credentials and
	// says so; the test connection that follows goes there without them.
	canary := testpeer.NewCredentialCanary(t, testpeer.CanaryConfig{})
	saved := decode[adminCameraResponse](t, call(http.MethodPatch, "/api/cameras/"+id, `{"main_url":"`+canary.URL("main")+`"}`))
	if saved.HasCredentials || !slices.Equal(saved.Notices, []string{nvr.NoticeCredentialsCleared}) ||
		!strings.HasPrefix(saved.Status, "Saved. Note: the main stream URL now names another host") {
		t.Fatalf("PATCH main_url to another host answered %+v", saved)
	}
	if c := must(f.store.Camera(context.Background(), cam.ID))(t); c.Username != "" || c.Password.IsSet() {
		t.Fatal("the credentials outlived their host")
	}
	call(http.MethodPost, "/api/cameras/test", `{"camera_id":"`+id+`"}`)
	// Moving back does not bring them back either.
	call(http.MethodPatch, "/api/cameras/"+id, `{"main_url":"`+sim.URL(1)+`"}`)
	if res := decode[probeResponse](t, call(http.MethodPost, "/api/cameras/test", `{"camera_id":"`+id+`"}`)); res.OK || res.ErrorClass != ingest.ProbeAuth {
		t.Fatalf("back on the old host without credentials: %+v", res)
	}
	if canary.Requests() == 0 || canary.Offered() {
		t.Fatalf("after the PATCH: %d requests, offered %+v", canary.Requests(), canary.Authorizations())
	}

	// New credentials entered with a URL: kept, and a sub URL on another
	// host is told it gets none.
	saved = decode[adminCameraResponse](t, call(http.MethodPatch, "/api/cameras/"+id,
		`{"main_url":"`+sim.URL(1)+`","username":"cam","password":"`+pw+`","sub_url":"`+canary.URL("sub")+`"}`))
	if !saved.HasCredentials || !slices.Equal(saved.Notices, []string{nvr.NoticeSubOtherHost}) {
		t.Fatalf("PATCH with new credentials and a sub on another host answered %+v", saved)
	}
	if r := f.do(http.MethodPatch, "/api/cameras/"+id, []any{root}, `{"sub_url":"`+strings.Replace(canary.URL("sub"), "rtsp://", "rtsp://u:p@", 1)+`"}`); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "another host") {
		t.Fatalf("sub URL with credentials for another host: %d %s", r.StatusCode, r.body)
	}
}

// TestCameraEditPageSaysCredentialsBelongToTheirHost: a camera with stored
// credentials says on its settings page what a URL on another host does
// to them; one without says nothing.
func TestCameraEditPageSaysCredentialsBelongToTheirHost(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	for _, tc := range []struct {
		cam  nvr.Camera
		want int
	}{{f.camA1, 1}, {f.camA2, 0}} { // camA1 has credentials, camA2 none
		r := f.get("/settings/cameras/"+string(tc.cam.ID), ana)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tc.cam.Name, r.StatusCode)
		}
		note := testID(t, r.body, "credential-host-note")
		if note.Length() != tc.want || (tc.want == 1 && !strings.Contains(note.Text(), "another host")) {
			t.Errorf("%s: %d notes %q, want %d", tc.cam.Name, note.Length(), note.Text(), tc.want)
		}
	}
}
