package ui

import (
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/record"
)

func TestEstimateRetentionDays(t *testing.T) {
	t.Parallel()
	const gib = 1 << 30
	tests := []struct {
		name string
		st   record.RetentionStatus
		want float64
	}{
		{"nothing recorded", record.RetentionStatus{DiskFreeBytes: 100 * gib}, 0},
		{"half full", record.RetentionStatus{UsedBytes: 10 * gib, DiskFreeBytes: 12 * gib, MinFreeBytes: 2 * gib,
			Cameras: []record.CameraRetentionStatus{{RetainedDays: 3}, {RetainedDays: 2}}}, 6},
		{"full", record.RetentionStatus{UsedBytes: 10 * gib, DiskFreeBytes: 1 * gib, MinFreeBytes: 2 * gib,
			Cameras: []record.CameraRetentionStatus{{RetainedDays: 4}}}, 4},
		{"byte budget", record.RetentionStatus{UsedBytes: 10 * gib, DiskFreeBytes: 100 * gib, MinFreeBytes: 2 * gib, MaxBytes: 20 * gib,
			Cameras: []record.CameraRetentionStatus{{RetainedDays: 3, ContinuousAge: -1}}}, 6},
		{"age limit", record.RetentionStatus{UsedBytes: 10 * gib, DiskFreeBytes: 100 * gib, MinFreeBytes: 2 * gib,
			Cameras: []record.CameraRetentionStatus{{RetainedDays: 3, ContinuousAge: 5 * 24 * time.Hour}, {RetainedDays: 1, ContinuousAge: 4 * 24 * time.Hour}}}, 5},
		{"one camera without an age limit", record.RetentionStatus{UsedBytes: 10 * gib, DiskFreeBytes: 100 * gib, MinFreeBytes: 2 * gib,
			Cameras: []record.CameraRetentionStatus{{RetainedDays: 3, ContinuousAge: 5 * 24 * time.Hour}, {RetainedDays: 1, ContinuousAge: -1}}}, 32.4},
	}
	for _, tt := range tests {
		if got := estimateRetentionDays(tt.st); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: %v days, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSystemPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := &fakeStorage{status: func() record.RetentionStatus {
		return record.RetentionStatus{UsedBytes: 3 << 30, DiskFreeBytes: 9 << 30, DiskTotalBytes: 20 << 30,
			Refused: "the clock stepped back", Cameras: []record.CameraRetentionStatus{{CameraID: f.camA1.ID, RetainedDays: 2}}}
	}}
	f.ts.Close()
	// One camera streams while its recorder indexes nothing.
	status := statusFunc(func(g nvr.CameraGrant) ingest.CameraStatus {
		if g.CameraID() == f.camA1.ID {
			return ingest.CameraStatus{State: "streaming", Recording: record.RecordingStalled, RecordingReason: "index refuses writes"}
		}
		return ingest.CameraStatus{State: "streaming", Recording: record.RecordingActive}
	})
	f.srv = NewServer(Config{}, Deps{Policy: nvr.NewPolicy(f.store, f.clock, nil),
		Auth: nvr.NewAuth(f.store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock}), Directory: f.dir, Storage: st, Status: status, Now: f.clock})
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)
	r := f.get("/settings/admin/system", f.login("root"))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("system page: %d", r.StatusCode)
	}
	for id, want := range map[string]string{
		"storage-used": "3.0 GiB", "storage-free": "9.0 GiB of 20.0 GiB", "storage-retention": "about 8.0 days",
		"storage-refused": "the clock stepped back", "health-stalled": "1 of 3 cameras stream but record nothing",
	} {
		if got := strings.Join(strings.Fields(testID(t, r.body, id).Text()), " "); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if n := testID(t, r.body, "health-camera").Length(); n != 3 {
		t.Errorf("health rows: %d, want every camera (3)", n)
	}
	var recording []string
	testID(t, r.body, "health-recording").Each(func(_ int, s *goquery.Selection) {
		recording = append(recording, strings.Join(strings.Fields(s.Text()), " "))
	})
	if !slices.Contains(recording, "stalled index refuses writes") || !slices.Contains(recording, "recording") {
		t.Errorf("recording column %q, want the stalled camera with its reason", recording)
	}
	if !strings.Contains(testID(t, r.body, "health-memory").Text(), "heap") {
		t.Errorf("no memory figures")
	}
	if strings.Contains(r.body, f.canaryPw) {
		t.Fatalf("system page shows a camera password")
	}
}

// The admin's camera list removes a camera: no page had a way to, so a
// camera added by mistake (or a dead one) stayed until someone ran
// `hearth camera remove`. The button calls the admin route, asks first and
// says the recordings go too.
func TestAdminCameraListRemoves(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	root := f.login("root")
	r := f.get("/settings/admin/cameras", root)
	var url, confirm string
	testID(t, r.body, "camera-row").Each(func(_ int, s *goquery.Selection) {
		if s.AttrOr("data-camera-id", "") == string(f.camA1.ID) {
			b := s.Find(`[data-testid="camera-remove"]`)
			url, confirm = b.AttrOr("data-delete", ""), b.AttrOr("data-confirm", "")
		}
	})
	if url != "/api/admin/cameras/"+string(f.camA1.ID) || !strings.Contains(confirm, f.camA1.Name) || !strings.Contains(confirm, "recordings") {
		t.Fatalf("remove button: %q, confirm %q", url, confirm)
	}
	if testID(t, r.body, "cameras").Find("[data-result]").Length() != 1 {
		t.Fatalf("no place for the answer of Remove in the list")
	}
	// The camera's own settings page removes it too, by the camera route
	// the owners and the admin share, and goes back to the list it came
	// from.
	for user, back := range map[string]string{"ana": "/settings/cameras", "root": "/settings/admin/cameras"} {
		page := f.get("/settings/cameras/"+string(f.camA1.ID), f.login(user))
		b := testID(t, page.body, "camera-remove")
		if b.AttrOr("data-delete", "") != "/api/cameras/"+string(f.camA1.ID) || b.AttrOr("data-redirect", "") != back ||
			!strings.Contains(b.AttrOr("data-confirm", ""), "recordings") {
			t.Errorf("camera page as %s: remove button %q, back to %q, confirm %q", user,
				b.AttrOr("data-delete", ""), b.AttrOr("data-redirect", ""), b.AttrOr("data-confirm", ""))
		}
	}
	if d := f.do(http.MethodDelete, url, []any{root}, ""); d.StatusCode != http.StatusNoContent {
		t.Fatalf("remove: %d %s", d.StatusCode, d.body)
	}
	if strings.Contains(f.get("/settings/admin/cameras", root).body, string(f.camA1.ID)) {
		t.Fatalf("removed camera still listed")
	}
}

// The admin's accounts table sets a new password for an account: someone
// who forgot theirs had no way back but `hearth user passwd` on the
// appliance's shell, though PATCH /api/admin/users/{id} takes a password.
func TestAdminSetsAPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	root := f.login("root")
	var api, method string
	testID(t, f.get("/settings/admin", root).body, "account-row").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Find("td").First().Text()) == "ana" {
			form := s.Find(`[data-testid="account-password-form"]`)
			if form.Find(`input[name="password"][type="password"][minlength="8"]`).Length() == 1 {
				api, method = form.AttrOr("data-api", ""), form.AttrOr("data-method", "")
			}
		}
	})
	if api != "/api/admin/users/"+f.ownerA.PublicID || method != http.MethodPatch {
		t.Fatalf("ana's password form: %s %q", method, api)
	}
	if r := f.do(http.MethodPatch, api, []any{root}, `{"password":"short"}`); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "at least 8") {
		t.Fatalf("short password: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPatch, api, []any{root}, `{"password":"a new passphrase"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("set password: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, "/api/login", nil, `{"username":"ana","password":"a new passphrase"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("ana signs in with the new password: %d %s", r.StatusCode, r.body)
	}
}

// TestRollLimitsMatchTheServer: the camera form lets a person type the
// pre- and post-roll the server takes, no less: the post-roll field
// stopped at 300 seconds while the server takes an hour.
func TestRollLimitsMatchTheServer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.get("/settings/cameras/"+string(f.camA1.ID), f.login("ana"))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("camera settings: %d", r.StatusCode)
	}
	for name, limit := range map[string]time.Duration{"pre_roll_s": nvr.MaxPreRoll, "post_roll_s": nvr.MaxPostRoll} {
		m := regexp.MustCompile(`name="` + name + `"[^>]* max="(\d+)"`).FindStringSubmatch(r.body)
		if m == nil || m[1] != strconv.Itoa(int(limit.Seconds())) {
			t.Errorf("%s field's max %v, want the server's %v s", name, m, limit.Seconds())
		}
	}
}
