package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/record"
)

// fakeStorage is a StorageAdmin with function fields.
type fakeStorage struct {
	status   func() record.RetentionStatus
	approved int
	passes   int
}

var _ StorageAdmin = (*fakeStorage)(nil)

func (f *fakeStorage) Status() record.RetentionStatus { return f.status() }
func (f *fakeStorage) ApproveNextPass()               { f.approved++ }
func (f *fakeStorage) Emergency()                     { f.passes++ }

func TestAdminStorage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := &fakeStorage{status: func() record.RetentionStatus {
		return record.RetentionStatus{LastPass: time.Now(), Trigger: "timer",
			Refused: "the pass would delete 90 % of recorded bytes", UsedBytes: 1 << 30,
			Cameras: []record.CameraRetentionStatus{{CameraID: f.camA1.ID, HouseholdID: f.homeA.ID, Bytes: 1 << 30, Segments: 10, RetainedDays: 3.5}}}
	}}
	// The fixture's server has no storage; make one that has.
	status := statusFunc(func(g nvr.CameraGrant) ingest.CameraStatus {
		if g.CameraID() == f.camA1.ID {
			return ingest.CameraStatus{Recording: record.RecordingStalled, RecordingReason: "no keyframe", RecordingSince: time.Unix(1e9, 0)}
		}
		return ingest.CameraStatus{Recording: record.RecordingActive}
	})
	f.srv = NewServer(Config{}, Deps{Policy: f.srv.policy, Auth: f.srv.auth, Directory: f.dir, Storage: st, Status: status, Now: f.clock})
	f.ts.Config.Handler = f.srv

	admin := f.login("root")
	r := f.get("/api/admin/storage", admin)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"refused":"the pass would delete 90 % of recorded bytes"`) ||
		!strings.Contains(r.body, `"retained_days":3.5`) || !strings.Contains(r.body, "/api/admin/storage/approve") {
		t.Fatalf("storage: %d %s", r.StatusCode, r.body)
	}
	if !strings.Contains(r.body, `"recording_stalled":1,`) ||
		!strings.Contains(r.body, `"stalled_cameras":[{"camera_id":"`+string(f.camA1.ID)+`","household_id":`) ||
		!strings.Contains(r.body, `"reason":"no keyframe","since":"2001-09-09T01:46:40Z"}]`) {
		t.Fatalf("storage: stalled cameras missing: %s", r.body)
	}
	// The camera's own answer says the same, with the reason.
	if r := f.get("/api/cameras/"+string(f.camA1.ID), f.login("ana")); r.StatusCode != http.StatusOK ||
		!strings.Contains(r.body, `"recording":"stalled","recording_since":"2001-09-09T01:46:40Z","recording_reason":"no keyframe"`) {
		t.Fatalf("camera: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, "/api/admin/storage/approve", []any{admin}, ""); r.StatusCode != http.StatusAccepted || st.approved != 1 || st.passes != 1 {
		t.Fatalf("approve: %d %s (approved %d, passes %d)", r.StatusCode, r.body, st.approved, st.passes)
	}
	// Owners are not appliance admins.
	owner := f.login("ana")
	for _, req := range []struct{ method, path string }{{"GET", "/api/admin/storage"}, {"POST", "/api/admin/storage/approve"}} {
		if r := f.do(req.method, req.path, []any{owner}, ""); r.StatusCode != http.StatusNotFound {
			t.Fatalf("%s %s as owner: %d", req.method, req.path, r.StatusCode)
		}
	}
	if st.approved != 1 {
		t.Fatalf("an owner approved a pass")
	}
	// Without recording, the routes say so.
	plain := httptest.NewServer(NewServer(Config{}, Deps{Policy: f.srv.policy, Auth: f.srv.auth, Directory: f.dir, Now: f.clock}))
	defer plain.Close()
	req, _ := http.NewRequest("GET", plain.URL+"/api/admin/storage", nil)
	req.AddCookie(admin)
	resp, err := plain.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("storage without recording: %d", resp.StatusCode)
	}
}

// TestCameraPageSaysRetentionWillNotFit: the owner's camera page says
// when the space the household may fill holds fewer days of its footage
// than the camera keeps (14 days of continuous footage by default), and
// says nothing when it fits or when too little is recorded to tell.
func TestCameraPageSaysRetentionWillNotFit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const gib = int64(1) << 30
	var st record.RetentionStatus
	f.srv = NewServer(Config{}, Deps{Policy: f.srv.policy, Auth: f.srv.auth, Directory: f.dir, Now: f.clock,
		Storage: &fakeStorage{status: func() record.RetentionStatus { return st }}})
	f.ts.Config.Handler = f.srv
	ana := f.login("ana")
	page := func() string {
		t.Helper()
		r := f.get("/settings/cameras/"+string(f.camA1.ID), ana)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("camera page: %d", r.StatusCode)
		}
		return r.body
	}
	// 2 days recorded take 10 GiB; 30 GiB usable hold about 6.
	st = record.RetentionStatus{UsedBytes: 10 * gib, DiskTotalBytes: 64 * gib, DiskFreeBytes: 25 * gib, MinFreeBytes: 5 * gib,
		Cameras:    []record.CameraRetentionStatus{{CameraID: f.camA1.ID, HouseholdID: f.homeA.ID, Bytes: 10 * gib, RetainedDays: 2}},
		Households: []record.HouseholdRetentionStatus{{HouseholdID: f.homeA.ID, Bytes: 10 * gib}}}
	if body := page(); !strings.Contains(body, `data-testid="retention-fit"`) ||
		!strings.Contains(body, "holds about 6 days of its footage") || !strings.Contains(body, "before 30 days") {
		t.Fatalf("no note that 6 days fit where 30 are kept: %s", body)
	}
	st.DiskFreeBytes = 200 * gib
	if body := page(); strings.Contains(body, `data-testid="retention-fit"`) {
		t.Fatalf("a note although 42 days fit")
	}
	st.DiskFreeBytes = 25 * gib
	st.Cameras[0].RetainedDays = 0.02 // half an hour: no rate yet
	if body := page(); strings.Contains(body, `data-testid="retention-fit"`) {
		t.Fatalf("a note from half an hour of footage")
	}
}
