package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// A camera's event settings on its settings page: the JSON API (what
// settings.js posts), the plain form post (no script), and who may do it.

const triangleZones = `[{"name":"drive","polygon":[[0.1,0.2],[0.9,0.2],[0.5,0.95]]},{"name":"clock","mask":true,"polygon":[[0,0],[0.3,0],[0.3,0.1],[0,0.1]]}]`

func storedDetection(t *testing.T, f *fixture, id nvr.CameraID) nvr.Detection {
	t.Helper()
	c, err := f.store.Camera(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Detection
}

func formHeader() http.Header {
	return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
}

func TestCameraDetectionSaveAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	path := "/api/cameras/" + string(f.camA1.ID)
	// Zones as an array (API clients) and as JSON text (the form's textarea).
	for _, zones := range []string{triangleZones, strconvQuote(triangleZones)} {
		body := `{"detector":"pixel","sensitivity":80,"events_enabled":false,"zones":` + zones + `}`
		r := f.do(http.MethodPatch, path, []any{ana}, body)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("save: %d %s", r.StatusCode, r.body)
		}
		got := decode[adminCameraResponse](t, r.body).Detection
		if got.Detector != nvr.DetectorPixel || got.Sensitivity != 80 || got.EventsEnabled || len(got.Zones) != 2 {
			t.Fatalf("answer: %+v", got)
		}
		d := storedDetection(t, f, f.camA1.ID)
		zs, err := d.ParsedZones()
		if err != nil || d.Detector != nvr.DetectorPixel || d.Sensitivity != 80 || !d.NoEvents || len(zs) != 2 ||
			zs[0].Name != "drive" || zs[0].Mask || zs[0].Polygon[2] != [2]float64{0.5, 0.95} || !zs[1].Mask {
			t.Fatalf("stored: %+v %v", d, err)
		}
	}
	// Each field alone leaves the others; "[]" clears the zones.
	if r := f.do(http.MethodPatch, path, []any{ana}, `{"events_enabled":true,"zones":"[]"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("events on: %d %s", r.StatusCode, r.body)
	}
	if d := storedDetection(t, f, f.camA1.ID); d.NoEvents || d.Detector != nvr.DetectorPixel || d.Sensitivity != 80 || d.Zones != "[]" {
		t.Fatalf("after events on: %+v", d)
	}
	// The settings page shows what is stored.
	page := f.get("/settings/cameras/"+string(f.camA1.ID), ana)
	form := testID(t, page.body, "detection-form")
	if form.Find(`[data-testid="detector"] option[selected]`).AttrOr("value", "") != "pixel" ||
		form.Find(`[data-testid="sensitivity"]`).AttrOr("value", "") != "80" ||
		form.Find(`[data-testid="events-enabled"][checked]`).Length() != 1 ||
		strings.TrimSpace(form.Find(`[data-testid="zones-json"]`).Text()) != "[]" ||
		form.Find(`[data-testid="zone-editor"]`).AttrOr("data-snapshot", "") != "/api/cameras/"+string(f.camA1.ID)+"/snapshot" ||
		form.AttrOr("data-api", "") != path || form.AttrOr("data-method", "") != "PATCH" {
		t.Fatalf("page form: %s", form.Text())
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// invalidDetection are values nvr refuses, each with (part of) its message.
var invalidDetection = []struct {
	name, detector, sensitivity, zones, msg string
}{
	{"detector", "magic", "50", "[]", "motion detector must be auto, bitstream, pixel or off"},
	{"sensitivity 0", "auto", "0", "[]", "motion sensitivity must be 1 to 100"},
	{"sensitivity 101", "auto", "101", "[]", "motion sensitivity must be 1 to 100"},
	{"zones not JSON", "auto", "50", `[{"name":"x",`, "zones must be a JSON array"},
	{"zones an object", "auto", "50", `{"name":"x"}`, "zones must be a JSON array"},
	{"point outside", "auto", "50", `[{"name":"x","polygon":[[0,0],[1.5,0],[1,1]]}]`, "zone points must be within 0..1"},
	{"two points", "auto", "50", `[{"name":"x","polygon":[[0,0],[1,1]]}]`, "a zone needs 3 to 32 points"},
	{"no name", "auto", "50", `[{"name":"","polygon":[[0,0],[1,0],[1,1]]}]`, "a zone name must be"},
	{"too many zones", "auto", "50", "[" + strings.Repeat(`{"name":"z","polygon":[[0,0],[1,0],[1,1]]},`, 16) +
		`{"name":"z","polygon":[[0,0],[1,0],[1,1]]}]`, "at most 16 zones"},
}

func TestCameraDetectionInvalidAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	before := storedDetection(t, f, f.camA1.ID)
	for _, tc := range invalidDetection {
		t.Run(tc.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"detector":%q,"sensitivity":%s,"zones":%s}`, tc.detector, tc.sensitivity, strconvQuote(tc.zones))
			r := f.do(http.MethodPatch, "/api/cameras/"+string(f.camA1.ID), []any{ana}, body)
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(decode[errorBody](t, r.body).Error, tc.msg) {
				t.Fatalf("%d %s, want 400 %q", r.StatusCode, r.body, tc.msg)
			}
			if got := storedDetection(t, f, f.camA1.ID); got != before {
				t.Fatalf("refused save changed the camera: %+v", got)
			}
		})
	}
}

// TestCameraDetectionFormPost is the page without script: a refused save
// answers 400 with the page, the message next to the form and every field
// as it was sent; a good one redirects back and says so.
func TestCameraDetectionFormPost(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	path := "/settings/cameras/" + string(f.camA1.ID) + "/detection"
	before := storedDetection(t, f, f.camA1.ID)
	for _, tc := range invalidDetection {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"detector": {tc.detector}, "sensitivity": {tc.sensitivity}, "zones": {tc.zones}}
			r := f.do(http.MethodPost, path, []any{ana, formHeader()}, form.Encode())
			if r.StatusCode != http.StatusBadRequest {
				t.Fatalf("%d, want 400", r.StatusCode)
			}
			d := testID(t, r.body, "detection-form")
			res := d.Find(`[data-testid="detection-result"]`)
			if !strings.Contains(res.Text(), tc.msg) || !res.HasClass("error") {
				t.Fatalf("result %q (class %q), want %q", res.Text(), res.AttrOr("class", ""), tc.msg)
			}
			if got := d.Find(`[data-testid="zones-json"]`).Text(); got != tc.zones {
				t.Fatalf("zones field %q, want the input %q", got, tc.zones)
			}
			if got := d.Find(`[data-testid="sensitivity"]`).AttrOr("value", ""); got != tc.sensitivity {
				t.Fatalf("sensitivity field %q, want %q", got, tc.sensitivity)
			}
			selected := d.Find(`[data-testid="detector"] option[selected]`).AttrOr("value", "")
			if want := tc.detector; slices.Contains([]string{"auto", "bitstream", "pixel", "off"}, want) && selected != want {
				t.Fatalf("detector %q, want %q", selected, want)
			}
			if d.Find(`[data-testid="events-enabled"][checked]`).Length() != 0 {
				t.Fatalf("events box ticked, but it was sent unticked")
			}
			if got := storedDetection(t, f, f.camA1.ID); got != before {
				t.Fatalf("refused save changed the camera: %+v", got)
			}
		})
	}
	form := url.Values{"detector": {"bitstream"}, "sensitivity": {"65"}, "zones": {triangleZones}, "events_enabled": {"on"}}
	r := f.do(http.MethodPost, path, []any{ana, formHeader()}, form.Encode())
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/settings/cameras/"+string(f.camA1.ID)+"?saved=detection") {
		t.Fatalf("good save: %d to %q: %s", r.StatusCode, loc, r.body)
	}
	d := storedDetection(t, f, f.camA1.ID)
	if zs, _ := d.ParsedZones(); d.Detector != nvr.DetectorBitstream || d.Sensitivity != 65 || d.NoEvents || len(zs) != 2 {
		t.Fatalf("stored: %+v", d)
	}
	page := f.get(r.Header.Get("Location"), ana)
	if got := testID(t, page.body, "detection-result").Text(); got != "Saved." {
		t.Fatalf("after the redirect: %q", got)
	}
	// Unticked events box: events off.
	form.Del("events_enabled")
	if r := f.do(http.MethodPost, path, []any{ana, formHeader()}, form.Encode()); r.StatusCode != http.StatusSeeOther || !storedDetection(t, f, f.camA1.ID).NoEvents {
		t.Fatalf("events off: %d", r.StatusCode)
	}
}

// TestCameraDetectionAccess: only who may configure the camera sees and
// saves its event settings; anyone else gets the same 404 as for a camera
// that does not exist, and nothing changes.
func TestCameraDetectionAccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	body := `{"sensitivity":99}`
	form := url.Values{"detector": {"off"}, "sensitivity": {"99"}, "zones": {"[]"}}.Encode()
	for _, tc := range []struct {
		user string
		cam  nvr.Camera
	}{
		{"ana", f.camB1}, // a foreign household's camera
		{"bea", f.camA1}, // the other way round
		{"vic", f.camA1}, // a viewer, assigned to the camera
		{"mo", f.camA1},  // a member
		{"vic", f.camA2}, // a viewer, not assigned
		{"ana", nvr.Camera{ID: nvr.NewCameraID()}}, // no such camera
	} {
		c := f.login(tc.user)
		before := storedDetection(t, f, f.camA1.ID)
		for name, r := range map[string]response{
			"page":  f.get("/settings/cameras/"+string(tc.cam.ID), c),
			"form":  f.do(http.MethodPost, "/settings/cameras/"+string(tc.cam.ID)+"/detection", []any{c, formHeader()}, form),
			"patch": f.do(http.MethodPatch, "/api/cameras/"+string(tc.cam.ID), []any{c}, body),
		} {
			if r.StatusCode != http.StatusNotFound || (name != "patch" && testID(t, r.body, "error-page").Length() != 1) {
				t.Errorf("%s %s on %s: %d, want 404", tc.user, name, tc.cam.Name, r.StatusCode)
			}
			if tc.cam.Name != "" && strings.Contains(r.body, tc.cam.Name) {
				t.Errorf("%s %s: the answer names the camera", tc.user, name)
			}
		}
		if got := storedDetection(t, f, f.camA1.ID); got != before {
			t.Fatalf("%s changed camera A1: %+v", tc.user, got)
		}
		if tc.user != "ana" {
			if got := storedDetection(t, f, f.camB1.ID); got.Sensitivity == 99 {
				t.Fatalf("%s changed camera B1", tc.user)
			}
		}
	}
	if got := storedDetection(t, f, f.camB1.ID); got.Sensitivity == 99 || got.Detector == nvr.DetectorOff {
		t.Fatalf("camera B1 changed: %+v", got)
	}
	// The admin may configure any camera.
	root := f.login("root")
	if r := f.do(http.MethodPatch, "/api/cameras/"+string(f.camB1.ID), []any{root}, body); r.StatusCode != http.StatusOK {
		t.Fatalf("admin: %d %s", r.StatusCode, r.body)
	}
}

// TestCameraSnapshotRoute: the still the zone editor draws on is served
// under the live-view grant; here nothing streams, so the granted answer is
// 503 with a reason, and everyone else gets 404.
func TestCameraSnapshotRoute(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		user string
		cam  nvr.CameraID
		want int
	}{
		{"ana", f.camA1.ID, http.StatusServiceUnavailable},
		{"vic", f.camA1.ID, http.StatusServiceUnavailable},
		{"vic", f.camA2.ID, http.StatusNotFound},
		{"ana", f.camB1.ID, http.StatusNotFound},
	} {
		r := f.get("/api/cameras/"+string(tc.cam)+"/snapshot", f.login(tc.user))
		if r.StatusCode != tc.want {
			t.Errorf("%s snapshot of %s: %d %s, want %d", tc.user, tc.cam, r.StatusCode, r.body, tc.want)
		}
		if tc.want == http.StatusServiceUnavailable && decode[errorBody](t, r.body).Error == "" {
			t.Errorf("503 without a reason")
		}
	}
}

func approx(a, b float64) bool { return math.Abs(a-b) <= 0.01 }

// TestDetectorRunningSaysWhy: zones drawn for a camera whose Automatic
// detector is frame sizes (no sub stream, or no ffmpeg) were ignored
// without a word. The camera's page says which detector runs, and warns
// that zones have no effect with it, and why.
func TestDetectorRunningSaysWhy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	page := "/settings/cameras/" + string(f.camA1.ID)
	running := func() (string, string) {
		t.Helper()
		s := testID(t, f.get(page, ana).body, "detector-running")
		return strings.Join(strings.Fields(s.Text()), " "), s.AttrOr("class", "")
	}
	set := func(body string) {
		t.Helper()
		if r := f.do(http.MethodPatch, "/api/cameras/"+string(f.camA1.ID), []any{ana}, body); r.StatusCode != http.StatusOK {
			t.Fatalf("PATCH %s: %d %s", body, r.StatusCode, r.body)
		}
	}
	set(`{"sub_url":"","detector":"auto","zones":` + triangleZones + `}`)
	for _, tc := range []struct {
		ffmpeg          bool
		body, want, cls string
	}{
		{true, `{"detector":"auto"}`, "Running now: frame sizes, because this camera has no sub stream to analyse. Zones and masks have no effect with it: to use them, add its sub stream above or choose Picture analysis (it then decodes the main stream, at more CPU).", "warning"},
		{false, `{"detector":"auto"}`, "Running now: frame sizes, because ffmpeg is not installed on the appliance. Zones and masks have no effect with it.", "warning"},
		{true, `{"detector":"pixel"}`, "Running now: picture analysis. Zones and masks apply.", "muted"},
		{false, `{"detector":"pixel"}`, "Running now: frame sizes, because ffmpeg is not installed on the appliance. Zones and masks have no effect with it.", "warning"},
		{true, `{"detector":"bitstream"}`, "Running now: frame sizes. Zones and masks have no effect with it.", "warning"},
		{true, `{"sub_url":"rtsp://192.0.2.10/sub","detector":"auto"}`, "Running now: picture analysis. Zones and masks apply.", "muted"},
	} {
		f.srv.cfg.FFmpeg = tc.ffmpeg
		set(tc.body)
		if got, cls := running(); got != tc.want || cls != tc.cls {
			t.Errorf("ffmpeg %v, %s: %q (%s), want %q (%s)", tc.ffmpeg, tc.body, got, cls, tc.want, tc.cls)
		}
	}
	// Without zones the words only inform.
	set(`{"detector":"bitstream","zones":"[]"}`)
	if got, cls := running(); cls != "muted" {
		t.Errorf("no zones: %q (%s), want muted", got, cls)
	}
	set(`{"detector":"off"}`)
	if n := testID(t, f.get(page, ana).body, "detection").Find(`[data-testid="detector-running"]`).Length(); n != 0 {
		t.Errorf("detector off: %d running lines, want none", n)
	}
}
