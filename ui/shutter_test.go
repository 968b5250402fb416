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

// TestShutterEndsViewing runs the privacy shutter against real sessions: a
// member's running WHEP session (a real pion peer) ends within 1 s of the
// shutter closing; while closed, live, clips and thumbnails answer 404 to
// every principal (owner, member, viewer, view token, admin, another
// household), the camera stays listed and says so, and the recorder
// indexes no new fragment; after opening, all of it works again and
// recording resumes.
func TestShutterEndsViewing(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{}, true)
	ctx := context.Background()
	cam := f.camA1
	ev := f.addEvent(cam.ID, nvr.EventMotion, f.now.Add(-time.Hour), "porch", []byte("alpha-thumbnail"))

	tokView, _ := must2(nvrtest.Operator(f.dir).CreateToken(ctx, f.ownerA.ID, "ha", nvr.ScopeView, 0))(t)
	principals := []struct {
		name string
		cred any
	}{
		{"owner", f.login("ana")},
		{"member", f.login("mo")},
		{"viewer", f.login("vic")},
		{"view token", bearer(tokView)},
		{"admin", f.login("root")},
		{"other household", f.login("bea")},
	}
	mayView := map[string]bool{"owner": true, "member": true, "viewer": true, "view token": true}
	mo := principals[1].cred.(*http.Cookie)

	// Footage to clip: wait until the recorder indexed some.
	frags := func() int {
		fr, err := f.store.FragmentsBetween(ctx, cam.ID, "main", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return len(fr)
	}
	waitFor(t, 20*time.Second, "first fragments indexed", func() bool { return frags() >= 2 })
	fr, err := f.store.FragmentsBetween(ctx, cam.ID, "main", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	clipPath := "/api/cameras/" + string(cam.ID) + "/clip.mp4?start=" + fr[0].Start.UTC().Format(time.RFC3339Nano) +
		"&end=" + fr[0].Start.Add(2*time.Second).UTC().Format(time.RFC3339Nano)
	thumbPath := "/api/events/" + string(ev.ID) + "/thumbnail"

	// checkAll asks every principal for live, a clip and the thumbnail.
	checkAll := func(closed bool) {
		t.Helper()
		for _, p := range principals {
			want := http.StatusNotFound
			if mayView[p.name] && !closed {
				want = http.StatusOK
			}
			for _, path := range []string{clipPath, thumbPath} {
				if r := f.get(path, p.cred); r.StatusCode != want {
					t.Errorf("closed=%v %s GET %s: %d, want %d", closed, p.name, strings.Split(path, "?")[0], r.StatusCode, want)
				}
			}
			wantLive := http.StatusNotFound
			if mayView[p.name] && !closed {
				wantLive = http.StatusCreated
			}
			c, status, loc, body := f.whep(cam.ID, p.cred, webrtctest.Options{WantID: string(cam.ID)})
			if status != wantLive {
				t.Errorf("closed=%v %s WHEP: %d %s, want %d", closed, p.name, status, body, wantLive)
			}
			if status == http.StatusCreated {
				f.do(http.MethodDelete, loc, []any{p.cred}, "")
			}
			c.Close()
		}
	}
	checkAll(false)

	// A running session of the member.
	c, status, _, body := f.whep(cam.ID, mo, webrtctest.Options{WantID: string(cam.ID)})
	if status != http.StatusCreated {
		t.Fatalf("WHEP: %d %s", status, body)
	}
	if err := c.WaitFrames(5, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	// The viewer may not switch it; the member closes it.
	if r := f.do(http.MethodPost, "/api/cameras/"+string(cam.ID)+"/shutter", []any{principals[2].cred}, `{"closed":true}`); r.StatusCode != http.StatusNotFound {
		t.Fatalf("viewer closing: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, "/api/cameras/"+string(cam.ID)+"/shutter", []any{bearer(tokView)}, `{"closed":true}`); r.StatusCode != http.StatusNotFound {
		t.Fatalf("view token closing: %d %s", r.StatusCode, r.body)
	}
	start := time.Now()
	r := f.do(http.MethodPost, "/api/cameras/"+string(cam.ID)+"/shutter", []any{mo}, `{"closed":true}`)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"closed":true`) {
		t.Fatalf("close: %d %s", r.StatusCode, r.body)
	}
	select {
	case <-c.Closed():
	case <-time.After(10 * time.Second):
		t.Fatal("session not ended 10 s after the shutter closed")
	}
	clocktest.Promptly(t, "session ended at the shutter's close", time.Since(start), time.Second)

	// Listed, and saying why there is no picture.
	list := decode[struct {
		Cameras []cameraResponse `json:"cameras"`
	}](t, f.get("/api/cameras", principals[2].cred).body)
	found := false
	for _, cr := range list.Cameras {
		if cr.ID == cam.ID {
			found = true
			if cr.Shutter == nil || !cr.Shutter.Closed || cr.Words == nil || cr.Words.Headline != "Privacy shutter closed" {
				t.Errorf("closed camera listed as %+v, words %+v", cr.Shutter, cr.Words)
			}
		}
	}
	if !found {
		t.Fatal("the closed camera is no longer listed")
	}
	checkAll(true)

	// Recording paused: once the recorder noticed (its open segment is
	// closed), no fragment is indexed for several GOPs (1 s each).
	waitFor(t, 10*time.Second, "recording stops", func() bool {
		before := frags()
		time.Sleep(1500 * time.Millisecond)
		return frags() == before
	})
	paused := frags()
	time.Sleep(3 * time.Second)
	if n := frags(); n != paused {
		t.Fatalf("%d fragments indexed while the shutter was closed", n-paused)
	}

	// The timeline's periods show the open one.
	hist := decode[struct {
		Periods []shutterPeriodResponse `json:"periods"`
	}](t, f.get("/api/cameras/"+string(cam.ID)+"/shutter", principals[2].cred).body)
	if len(hist.Periods) != 1 || hist.Periods[0].Cause != nvr.ShutterByHand || hist.Periods[0].End != nil {
		t.Fatalf("periods while closed: %+v", hist.Periods)
	}

	// Open: viewing works again for those who may view, recording resumes.
	if r := f.do(http.MethodPost, "/api/cameras/"+string(cam.ID)+"/shutter", []any{mo}, `{"closed":false}`); r.StatusCode != http.StatusOK {
		t.Fatalf("open: %d %s", r.StatusCode, r.body)
	}
	checkAll(false)
	waitFor(t, 20*time.Second, "recording resumes", func() bool { return frags() > paused })

	hist = decode[struct {
		Periods []shutterPeriodResponse `json:"periods"`
	}](t, f.get("/api/cameras/"+string(cam.ID)+"/shutter", principals[2].cred).body)
	if len(hist.Periods) != 1 || hist.Periods[0].End == nil {
		t.Fatalf("periods after opening: %+v", hist.Periods)
	}
	// Both switches are on record with their author.
	audits := must(f.store.Audit(ctx, 500))(t)
	var got []string
	for _, e := range audits {
		if strings.HasPrefix(e.Action, "shutter-") {
			got = append(got, e.Action+"/"+e.Result)
			if e.UserID != f.memberA.ID || e.CameraID != cam.ID {
				t.Errorf("audit row %+v: want the member and the camera", e)
			}
		}
	}
	if strings.Join(got, ",") != "shutter-open/ok,shutter-close/ok" {
		t.Fatalf("shutter audit rows (newest first): %v", got)
	}
}

// TestShutterAPIInput: bad input is a clear 400, an open inside the
// schedule's window a 409 naming when it opens, keep_recording needs the
// owner, and the routes are in the sweep with their actions.
func TestShutterAPIInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	path := "/api/cameras/" + string(f.camA1.ID) + "/shutter"
	ana, mo := f.login("ana"), f.login("mo")
	for _, body := range []string{`{}`, `{"schedule":"7-22"}`, `{"schedule":"07:00-07:00"}`, `{"closed":"yes"}`, `not json`} {
		if r := f.do(http.MethodPost, path, []any{mo}, body); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "error") {
			t.Errorf("body %s: %d %s, want 400", body, r.StatusCode, r.body)
		}
	}
	// A schedule around the fixture's clock.
	now := f.clock()
	win := nvr.DailyWindow{Start: (now.Hour()*60 + now.Minute() + 1440 - 60) % 1440, End: (now.Hour()*60 + now.Minute() + 60) % 1440}
	if r := f.do(http.MethodPost, path, []any{mo}, `{"schedule":"`+win.String()+`"}`); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"closed":true`) {
		t.Fatalf("schedule: %d %s", r.StatusCode, r.body)
	}
	r := f.do(http.MethodPost, path, []any{mo}, `{"closed":false}`)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "schedule keeps it closed until") {
		t.Fatalf("open inside the window: %d %s", r.StatusCode, r.body)
	}
	// Closed (by the schedule) without keep-recording: a trigger captures
	// nothing, not even a thumbnail.
	trig := "/api/cameras/" + string(f.camA1.ID) + "/events"
	if r := f.do(http.MethodPost, trig, []any{ana}, `{"label":"doorbell"}`); r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "privacy shutter") {
		t.Fatalf("trigger while closed: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, path, []any{mo}, `{"keep_recording":true}`); r.StatusCode != http.StatusNotFound {
		t.Fatalf("member setting keep_recording: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, path, []any{ana}, `{"keep_recording":true}`); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"keep_recording":true`) {
		t.Fatalf("owner setting keep_recording: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, trig, []any{ana}, `{"label":"doorbell"}`); r.StatusCode >= 300 {
		t.Fatalf("trigger while closed with keep-recording: %d %s", r.StatusCode, r.body)
	}
	if r := f.get(path+"?start=2025-01-02T00:00:00Z&end=2025-01-01T00:00:00Z", mo); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("reversed range: %d %s", r.StatusCode, r.body)
	}
	want := map[string]nvr.Action{
		"GET /api/cameras/{id}/shutter":  nvr.ActionViewCamera,
		"POST /api/cameras/{id}/shutter": nvr.ActionSwitchShutter,
	}
	for _, rt := range f.srv.Routes() {
		if a, ok := want[rt.Pattern]; ok {
			if rt.Policy != PolicyCamera || rt.Action != a {
				t.Errorf("%s: policy %s action %v", rt.Pattern, rt.Policy, rt.Action)
			}
			delete(want, rt.Pattern)
		}
	}
	if len(want) != 0 {
		t.Fatalf("routes missing from the sweep: %v", want)
	}
}

// waitFor polls cond until it holds or limit passes.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestShutterOnCameraPage: the camera page offers the shutter button to
// whoever the policy lets switch it (owner, member), not to a viewer; a
// closed shutter reads "Privacy shutter closed" with an Open button, and
// everyone gets the one-player page whose timeline (review.js) draws the
// closed periods; the old strip under it is gone.
func TestShutterOnCameraPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	path := "/cameras/" + string(f.camA1.ID)
	for _, tc := range []struct {
		user string
		want int
	}{{"ana", 1}, {"mo", 1}, {"vic", 0}} {
		r := f.get(path, f.login(tc.user))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tc.user, r.StatusCode)
		}
		d := doc(t, r.body)
		if n := d.Find(`[data-testid="shutter-toggle"]`).Length(); n != tc.want {
			t.Errorf("%s: %d shutter buttons, want %d", tc.user, n, tc.want)
		}
		if d.Find(`[data-testid="timeline"][data-timeline]`).Length() != 1 || d.Find(`video`).Length() != 1 {
			t.Errorf("%s: want one player and the timeline", tc.user)
		}
		if d.Find(`script[src$="/review.js"]`).Length() != 1 || d.Find(`[data-testid="shutter-strip"]`).Length() != 0 {
			t.Errorf("%s: the timeline's script missing, or the old strip still there", tc.user)
		}
	}
	mo := f.login("mo")
	if r := f.do(http.MethodPost, "/api/cameras/"+string(f.camA1.ID)+"/shutter", []any{mo}, `{"closed":true}`); r.StatusCode != http.StatusOK {
		t.Fatalf("close: %d %s", r.StatusCode, r.body)
	}
	d := doc(t, f.get(path, mo).body)
	btn := d.Find(`[data-testid="shutter-toggle"]`)
	if btn.AttrOr("data-closed", "") != "true" || !strings.Contains(btn.Text(), "Open privacy shutter") {
		t.Fatalf("closed shutter's button: %q closed=%q", btn.Text(), btn.AttrOr("data-closed", ""))
	}
	if h := d.Find(`[data-testid="status-headline"]`).Text(); h != "Privacy shutter closed" {
		t.Fatalf("headline %q", h)
	}
}
