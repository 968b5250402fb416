package ui

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// TestPTZAPI: POST /api/cameras/{id}/ptz moves simcam's head for the
// camera's household owners and members; a viewer, the appliance admin
// (another household's camera) and household B answer 404; bad commands
// 400; a camera without an ONVIF address says so; commands beyond the
// per-camera burst are refused with 503 (the fixture's clock stands still,
// so no token comes back). The camera page shows the controls to those
// allowed, on cameras with an ONVIF address only.
func TestPTZAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sim := startONVIFSimcam(t, "admin", "ptz-pw")
	cam := must(nvrtest.Operator(f.dir).AddCamera(context.Background(), nvr.NewCamera{HouseholdID: f.homeA.ID, Name: "Driveway",
		MainURL: sim.URL(1), ONVIFURL: "http://" + sim.ONVIFAddr(), Username: "admin", Password: nvr.NewSecret("ptz-pw"), LocalOK: true}))(t)
	path := "/api/cameras/" + string(cam.ID) + "/ptz"
	ana := f.login("ana")
	if r := f.do(http.MethodPost, path, []any{ana}, `{"action":"move","pan":1}`); r.StatusCode != http.StatusOK {
		t.Fatalf("owner move: %d %s", r.StatusCode, r.body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if pan, _, _ := sim.PTZPosition(); pan > 0.05 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pan, _, _ := sim.PTZPosition(); pan <= 0.05 {
		t.Fatalf("the head did not move: pan %v", pan)
	}
	if dx, _ := sim.Camera(1).ViewOffset(); dx >= 0 {
		t.Errorf("the picture did not move: offset %d", dx)
	}
	mo := f.login("mo")
	if r := f.do(http.MethodPost, path, []any{mo}, `{"action":"stop"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("member stop: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, path, []any{mo}, `{"action":"presets"}`); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"presets":[]`) {
		t.Errorf("presets: %d %s", r.StatusCode, r.body)
	}
	// Save where the head is, move away, go back to it.
	r := f.do(http.MethodPost, path, []any{mo}, `{"action":"save","name":"Gate"}`)
	var saved struct {
		Presets []struct{ Token, Name string } `json:"presets"`
	}
	if r.StatusCode != http.StatusOK || json.Unmarshal([]byte(r.body), &saved) != nil || len(saved.Presets) != 1 || saved.Presets[0].Name != "Gate" || saved.Presets[0].Token == "" {
		t.Fatalf("save preset: %d %s", r.StatusCode, r.body)
	}
	gate, _, _ := sim.PTZPosition()
	if r := f.do(http.MethodPost, path, []any{mo}, `{"action":"presets"}`); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"name":"Gate"`) {
		t.Errorf("presets after saving: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, path, []any{ana}, `{"action":"move","pan":-1}`); r.StatusCode != http.StatusOK {
		t.Fatalf("owner move back: %d %s", r.StatusCode, r.body)
	}
	waitCond := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("%s: not within 20 s", what)
			}
		}
	}
	waitCond("the head moved away from Gate", func() bool { pan, _, _ := sim.PTZPosition(); return pan < gate-0.05 })
	if r := f.do(http.MethodPost, path, []any{ana}, `{"action":"goto","preset":"`+saved.Presets[0].Token+`"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("goto Gate: %d %s", r.StatusCode, r.body)
	}
	waitCond("the head back at Gate", func() bool { pan, _, _ := sim.PTZPosition(); return math.Abs(pan-gate) < 0.01 })
	for _, u := range []string{"vic", "root", "bea"} {
		if r := f.do(http.MethodPost, path, []any{f.login(u)}, `{"action":"stop"}`); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d %s, want 404", u, r.StatusCode, r.body)
		}
	}
	for _, bad := range []string{`{"action":"spin"}`, `{"action":"move","pan":5}`, `{"action":"goto"}`,
		`{"action":"save"}`, `{"action":"save","name":"   "}`, `{"action":"save","name":"` + strings.Repeat("x", 33) + `"}`} {
		if r := f.do(http.MethodPost, path, []any{ana}, bad); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, r.StatusCode, r.body)
		}
	}
	if r := f.do(http.MethodPost, "/api/cameras/"+string(f.camA1.ID)+"/ptz", []any{ana}, `{"action":"stop"}`); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "no ONVIF address") {
		t.Errorf("camera without ONVIF: %d %s", r.StatusCode, r.body)
	}
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		r := f.do(http.MethodPost, path, []any{ana}, `{"action":"stop"}`)
		limited = r.StatusCode == http.StatusServiceUnavailable && strings.Contains(r.body, "slow down")
	}
	if !limited {
		t.Error("20 commands at one instant were all let through")
	}
	page := f.get("/cameras/"+string(cam.ID), ana)
	if !strings.Contains(page.body, `data-testid="ptz"`) {
		t.Errorf("owner's camera page lacks the PTZ controls")
	}
	if page := f.get("/cameras/"+string(f.camA1.ID), ana); strings.Contains(page.body, `data-testid="ptz"`) {
		t.Errorf("a camera without ONVIF shows PTZ controls")
	}
}
