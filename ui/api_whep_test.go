package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// TestWHEPLive: an owner and an assigned viewer watch a camera over WHEP;
// every frame carries that camera's SEI stamp; DELETE on the Location ends
// the session, and its audit row records who, which camera and the bytes.
func TestWHEPLive(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	for _, who := range []string{"ana", "vic"} {
		c, status, loc, body := f.whep(f.camA1.ID, f.login(who), webrtctest.Options{WantID: string(f.camA1.ID), Audio: true})
		if status != http.StatusCreated || !strings.HasPrefix(loc, "/api/cameras/"+string(f.camA1.ID)+"/whep/") {
			t.Fatalf("%s: status %d location %q body %s", who, status, loc, body)
		}
		if err := c.WaitFrames(30, 15*time.Second); err != nil {
			t.Fatalf("%s: %v", who, err)
		}
		if st := c.Stats(); st.WrongID != 0 || st.Keyframes < 1 {
			t.Fatalf("%s: %+v", who, st)
		}
		// Someone else in the household cannot end it.
		if r := f.do(http.MethodDelete, loc, []any{f.login("mo")}, ""); r.StatusCode != http.StatusNotFound {
			t.Fatalf("member deleting %s's session: %d", who, r.StatusCode)
		}
		r := f.do(http.MethodDelete, loc, []any{f.login(who)}, "")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: DELETE: %d %s", who, r.StatusCode, r.body)
		}
		select {
		case <-c.Closed():
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: session still open after DELETE", who)
		}
		if r := f.do(http.MethodDelete, loc, []any{f.login(who)}, ""); r.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: second DELETE: %d", who, r.StatusCode)
		}
	}
	if n := f.sessions.Count(); n != 0 {
		t.Fatalf("%d sessions left", n)
	}
	audits, err := f.store.Audit(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	ended := 0
	for _, a := range audits {
		if a.Result == "ended" && strings.Contains(a.Detail, "session=whep stream=main") && a.CameraID == f.camA1.ID {
			ended++
			if a.Action != "view-live" || !strings.Contains(a.Detail, "start=") || strings.Contains(a.Detail, "bytes=0 ") ||
				!strings.Contains(a.Detail, "reason=closed") {
				t.Errorf("audit row %+v", a)
			}
		}
	}
	if ended != 2 {
		t.Fatalf("%d session audit rows, want 2", ended)
	}
}

// TestWHEPDenied: no credential, a revoked token, another household's user
// and a viewer without the camera get 401/404 and no answer (no media).
func TestWHEPDenied(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	ctx := context.Background()
	tok, info, err := nvrtest.Operator(f.dir).CreateToken(ctx, f.ownerA.ID, "phone", nvr.ScopeView, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := nvrtest.Operator(f.dir).RevokeToken(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		cam    nvr.CameraID
		cred   any
		status int
	}{
		{"no credential", f.camA1.ID, nil, http.StatusUnauthorized},
		{"revoked token", f.camA1.ID, bearer(tok), http.StatusUnauthorized},
		{"other household", f.camA1.ID, f.login("bea"), http.StatusNotFound},
		{"viewer without the camera", f.camA2.ID, f.login("vic"), http.StatusNotFound},
		{"unknown camera", nvr.NewCameraID(), f.login("ana"), http.StatusNotFound},
	}
	for _, tc := range cases {
		c, status, loc, body := f.whep(tc.cam, tc.cred, webrtctest.Options{})
		if status != tc.status || loc != "" || isSDP(body) {
			t.Errorf("%s: status %d location %q body %q; want %d and no answer", tc.name, status, loc, body, tc.status)
		}
		time.Sleep(100 * time.Millisecond)
		if st := c.Stats(); st.Packets != 0 || st.Bytes != 0 {
			t.Errorf("%s: media received: %+v", tc.name, st)
		}
	}
	if f.engine.Sessions() != 0 || f.sessions.Count() != 0 {
		t.Fatalf("sessions opened: engine %d registry %d", f.engine.Sessions(), f.sessions.Count())
	}
	// Not SDP: 415, after the grant.
	r := f.do(http.MethodPost, "/api/cameras/"+string(f.camA1.ID)+"/whep", []any{f.login("ana")}, `{}`)
	if r.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("JSON body: %d", r.StatusCode)
	}
	// Trickle ICE on a session that does not exist: the same 404.
	r = f.do(http.MethodPatch, "/api/cameras/"+string(f.camA1.ID)+"/whep/x", []any{f.login("ana")}, `{}`)
	if r.StatusCode != http.StatusNotFound {
		t.Fatalf("PATCH: %d", r.StatusCode)
	}
}

// TestWHEPLimits: past the per-user and per-camera limits, 503 with a
// message; a freed slot is usable again.
func TestWHEPLimits(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{MaxPerCamera: 3, MaxPerUser: 2})
	ana := f.login("ana")
	var locs []string
	for range 2 {
		_, status, loc, body := f.whep(f.camA1.ID, ana, webrtctest.Options{})
		if status != http.StatusCreated {
			t.Fatalf("status %d %s", status, body)
		}
		locs = append(locs, loc)
	}
	_, status, _, body := f.whep(f.camA2.ID, ana, webrtctest.Options{})
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "live sessions open") {
		t.Fatalf("third session of one user: %d %s", status, body)
	}
	if _, status, _, body := f.whep(f.camA1.ID, f.login("mo"), webrtctest.Options{}); status != http.StatusCreated {
		t.Fatalf("member: %d %s", status, body)
	}
	_, status, _, body = f.whep(f.camA1.ID, f.login("vic"), webrtctest.Options{})
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "viewers") {
		t.Fatalf("fourth viewer of a camera: %d %s", status, body)
	}
	if r := f.do(http.MethodDelete, locs[0], []any{ana}, ""); r.StatusCode != http.StatusOK {
		t.Fatalf("DELETE: %d", r.StatusCode)
	}
	if _, status, _, body := f.whep(f.camA1.ID, f.login("vic"), webrtctest.Options{}); status != http.StatusCreated {
		t.Fatalf("after a slot freed: %d %s", status, body)
	}
}

// TestWHEPRevocation: each revocation ends a running session within 1 s.
func TestWHEPRevocation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		viewer string
		revoke func(f *liveFixture) error
	}{
		{"user deleted", "mo", func(f *liveFixture) error {
			return nvrtest.Operator(f.dir).RemoveUser(context.Background(), f.memberA.ID)
		}},
		{"user disabled", "mo", func(f *liveFixture) error {
			return nvrtest.Operator(f.dir).SetDisabled(context.Background(), f.memberA.ID, true)
		}},
		{"viewer unassigned", "vic", func(f *liveFixture) error {
			return nvrtest.Operator(f.dir).UnassignCamera(context.Background(), f.viewerA.ID, f.camA1.ID)
		}},
		{"camera moved", "ana", func(f *liveFixture) error {
			return nvrtest.Operator(f.dir).MoveCamera(context.Background(), f.camA1.ID, f.homeB.ID)
		}},
		{"camera deleted", "ana", func(f *liveFixture) error {
			return nvrtest.Operator(f.dir).RemoveCamera(context.Background(), f.camA1.ID)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newLiveFixture(t, view.LiveConfig{})
			c, status, _, body := f.whep(f.camA1.ID, f.login(tc.viewer), webrtctest.Options{WantID: string(f.camA1.ID)})
			if status != http.StatusCreated {
				t.Fatalf("status %d %s", status, body)
			}
			if err := c.WaitFrames(5, 15*time.Second); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := tc.revoke(f); err != nil {
				t.Fatal(err)
			}
			select {
			case <-c.Closed():
			case <-time.After(10 * time.Second):
				t.Fatal("session not ended 10 s after revocation")
			}
			clocktest.Promptly(t, tc.name+": session ended", time.Since(start), time.Second)
			if st := c.Stats(); st.WrongID != 0 {
				t.Fatalf("viewer: %+v", st)
			}
		})
	}
}
