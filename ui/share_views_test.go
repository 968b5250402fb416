package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// TestShareViewsTakenByMediaOnly: a live link's view is taken when its
// media starts, not when it is asked for. The share page retries every few
// seconds while the camera is not streaming; each try took a view, so a
// link sent while the camera was restarting was used up before it showed
// anything.
func TestShareViewsTakenByMediaOnly(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	ctx := context.Background()
	link := f.makeShare(f.login("ana"), string(f.camA1.ID), `{"kind":"live","max_views":1}`)
	post := func() (int, *webrtctest.Client) {
		t.Helper()
		c, err := webrtctest.New(webrtctest.Options{WantID: string(f.camA1.ID)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		status, _, body, err := c.WHEP(ctx, f.ts.Client(), f.ts.URL+link.URL+"whep", nil)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusCreated && status != http.StatusServiceUnavailable && status != http.StatusNotFound {
			t.Fatalf("share WHEP: %d %s", status, body)
		}
		return status, c
	}
	views := func() int {
		t.Helper()
		r := f.get("/api/links", f.login("ana"))
		for _, l := range decode[struct {
			Links []shareJSON `json:"links"`
		}](t, r.body).Links {
			if l.ID == link.ID {
				return l.Views
			}
		}
		t.Fatalf("link %s not listed: %s", link.ID, r.body)
		return 0
	}

	off, on := false, true
	if _, err := nvrtest.Operator(f.dir).EditCamera(ctx, f.camA1.ID, nvr.CameraChanges{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	// Until the ingest has let the camera go, the owner's own live view
	// (which takes none of the link's views) still starts.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, status, loc, _ := f.whep(f.camA1.ID, f.login("ana"), webrtctest.Options{})
		if status == http.StatusServiceUnavailable {
			break
		}
		if loc != "" {
			f.do(http.MethodDelete, loc, []any{f.login("ana")}, "")
		}
		if time.Now().After(deadline) {
			t.Fatalf("the owner's live view still answers %d 20 s after the camera was disabled", status)
		}
	}
	for i := range 3 {
		if status, _ := post(); status != http.StatusServiceUnavailable {
			t.Fatalf("try %d while the camera is disabled: %d, want 503", i, status)
		}
	}
	if n := views(); n != 0 {
		t.Fatalf("%d views taken by tries while the camera was not streaming", n)
	}

	if _, err := nvrtest.Operator(f.dir).EditCamera(ctx, f.camA1.ID, nvr.CameraChanges{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	var c *webrtctest.Client
	for deadline := time.Now().Add(20 * time.Second); c == nil; {
		if time.Now().After(deadline) {
			t.Fatal("the link's live view did not start within 20 s of the camera's return")
		}
		if status, cl := post(); status == http.StatusCreated {
			c = cl
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := c.WaitFrames(5, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := views(); n != 1 {
		t.Fatalf("%d views after one live view, want 1", n)
	}
	if status, _ := post(); status != http.StatusNotFound {
		t.Fatalf("a second live view of a 1-view link: %d, want 404", status)
	}
	// Opened again, the link's page says it is used up instead of offering
	// a player that would be refused; the household's list says so too.
	page := f.get(link.URL)
	if page.StatusCode != http.StatusOK || !strings.Contains(testID(t, page.body, "share-used-up").Text(), "allowed 1 view") ||
		testID(t, page.body, "share-video").Length() != 0 {
		t.Fatalf("the used-up link's page: %d %s", page.StatusCode, page.body)
	}
	if got := testID(t, f.get("/settings/links", f.login("ana")).body, "link-row").Text(); !strings.Contains(got, "1 of 1, used up") {
		t.Errorf("the list's row: %q", got)
	}
}
