package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestBrowserFindViaONVIF: in headless Chromium, on the add-camera form,
// "Find via ONVIF" with the camera's address and credentials shows vendor,
// model, codec and resolution of main and sub and fills both stream
// fields with simcam's addresses; the camera is then added with them. A
// wrong password says so and fills nothing.
func TestBrowserFindViaONVIF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const secret = "CANARY-onvif-browser"
	sim := startONVIFSimcam(t, "admin", secret)
	b := browsertest.Start(t)
	browserLogin(t, b, f.ts.URL, "root")
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/settings/admin/cameras"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="onvif-find"]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid="onvif-address-input"]`), "http://"+sim.ONVIFAddr()),
		chromedp.SetValue(chromedp.CSS(`#cam-user`), "admin"),
		chromedp.SetValue(chromedp.CSS(`#cam-pass`), "wrong"),
		chromedp.Click(chromedp.CSS(`[data-testid="onvif-find-button"]`)),
	)
	waitJS(t, b, `document.querySelector('[data-testid="onvif-result"]').textContent.includes('refused')`, 20*time.Second)
	if v := evalT[string](t, b, `document.querySelector('#cam-main').value`); v != "" {
		t.Fatalf("a refused probe filled the main stream: %q", v)
	}
	browse(t, b,
		chromedp.SetValue(chromedp.CSS(`#cam-pass`), secret),
		chromedp.Click(chromedp.CSS(`[data-testid="onvif-find-button"]`)),
	)
	waitJS(t, b, `document.querySelector('[data-testid="onvif-result"]').textContent.includes('credentials work')`, 20*time.Second)
	text := evalT[string](t, b, `document.querySelector('[data-testid="onvif-result"]').textContent`)
	for _, want := range []string{"Acme Cam 9", "Main stream H264 640×368", "sub stream H264 512×288"} {
		if !strings.Contains(text, want) {
			t.Errorf("result %q lacks %q", text, want)
		}
	}
	if strings.Contains(text, secret) {
		t.Fatal("the page shows the password")
	}
	if v := evalT[string](t, b, `document.querySelector('#cam-main').value`); v != sim.URL(1) {
		t.Errorf("main stream field = %q, want %q", v, sim.URL(1))
	}
	if v := evalT[string](t, b, `document.querySelector('#cam-sub').value`); v != sim.URL(2) {
		t.Errorf("sub stream field = %q, want %q", v, sim.URL(2))
	}
	if v := evalT[string](t, b, `document.querySelector('#cam-onvif-url').value`); v != "http://"+sim.ONVIFAddr() {
		t.Errorf("ONVIF address field = %q", v)
	}
	// The camera offers its own detections: they are taken too, without
	// the household knowing to switch Events from (they were ignored).
	if v := evalT[string](t, b, `document.querySelector('#cam-event-source').value`); v != "both" || !strings.Contains(text, "Its own detections are taken as events too") {
		t.Errorf("events from %q after the probe (%q), want both, said", v, text)
	}
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="camera-add-form"] button[type="submit"]`)))
	waitJS(t, b, `[...document.querySelectorAll('[data-testid="camera-row"] code')].some((c) => c.textContent === `+jsString(sim.URL(1))+`)`, 20*time.Second)
	cams, err := f.store.Cameras(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	saved := false
	for _, c := range cams {
		if c.MainURL == sim.URL(1) {
			saved = c.ONVIFURL == "http://"+sim.ONVIFAddr()+"/onvif/device_service" && c.Detection.Source == nvr.EventSourceBoth && c.SubURL == sim.URL(2)
		}
	}
	if !saved {
		t.Errorf("the added camera lacks its ONVIF address or event source: %+v", cams)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// TestBrowserPTZButtons: in headless Chromium, the owner's camera page
// shows the PTZ buttons for a camera with an ONVIF address; pressing
// "pan right" moves simcam's head and its picture, and Stop says so.
func TestBrowserPTZButtons(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sim := startONVIFSimcam(t, "admin", "ptz-browser-pw")
	cam := must(nvrtest.Operator(f.dir).AddCamera(context.Background(), nvr.NewCamera{HouseholdID: f.homeA.ID, Name: "Driveway",
		MainURL: sim.URL(1), ONVIFURL: "http://" + sim.ONVIFAddr(), Username: "admin", Password: nvr.NewSecret("ptz-browser-pw"), LocalOK: true}))(t)
	b := browsertest.Start(t)
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/cameras/"+string(cam.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="ptz-right"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="ptz-right"]`)),
	)
	waitJS(t, b, `document.querySelector('[data-testid="ptz-message"]').textContent === 'Moving.'`, 20*time.Second)
	// simcam starts with no presets: an empty list is not shown.
	waitJS(t, b, `document.querySelector('[data-testid="ptz-presets"]').hidden`, 20*time.Second)
	// The message goes when the move ends.
	waitJS(t, b, `document.querySelector('[data-testid="ptz-message"]').textContent === ''`, 20*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if pan, _, _ := sim.PTZPosition(); pan > 0.02 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pan, _, _ := sim.PTZPosition(); pan <= 0.02 {
		t.Fatalf("the head did not move: pan %v", pan)
	}
	if dx, _ := sim.Camera(1).ViewOffset(); dx >= 0 {
		t.Errorf("the picture did not move: offset %d", dx)
	}
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="ptz-stop"]`)))
	waitJS(t, b, `document.querySelector('[data-testid="ptz-message"]').textContent === 'Stopped.'`, 20*time.Second)

	// Save this position under a name: it joins the presets list.
	browse(t, b,
		chromedp.SetValue(chromedp.CSS(`[data-testid="ptz-preset-name"]`), "Gate"),
		chromedp.Click(chromedp.CSS(`[data-testid="ptz-save"]`)))
	waitJS(t, b, `document.querySelector('[data-testid="ptz-message"]').textContent === 'Saved “Gate”.'`, 20*time.Second)
	if n := evalT[int](t, b, `[...document.querySelectorAll('[data-testid="ptz-presets"] option')].filter((o) => o.textContent === 'Gate').length`); n != 1 {
		t.Errorf("the presets list has %d options named Gate, want 1", n)
	}
}

// TestBrowserPickDiscoveredCamera: the appliance admin, in headless
// Chromium, presses "Search the network" on the add-camera form; simcam's
// WS-Discovery responder answers the multicast probe (in a network
// namespace of the test's own, whose loopback carries multicast), the
// camera appears as a button naming its model and address, picking it
// fills the ONVIF address, and with its password "Find via ONVIF" fills
// both streams.
func TestBrowserPickDiscoveredCamera(t *testing.T) {
	if !testpeer.RunInNetns(t, "TestBrowserPickDiscoveredCamera") {
		return
	}
	f := newFixture(t)
	const secret = "CANARY-onvif-discovered"
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Username: "admin", Password: secret,
		Cameras: []simcam.CameraConfig{{ID: "aaaaaaaaaaaaaaaa0000000000000001", Width: 640, Height: 368},
			{ID: "bbbbbbbbbbbbbbbb0000000000000002", Width: 512, Height: 288}},
		ONVIF: &simcam.ONVIFConfig{Addr: "127.0.0.1:0", DiscoveryMulticast: "lo", Manufacturer: "Acme", Model: "Cam 9"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	b := browsertest.Start(t)
	browserLogin(t, b, f.ts.URL, "root")
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/settings/admin/cameras"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="onvif-scan-button"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="onvif-scan-button"]`)),
	)
	waitJS(t, b, `document.querySelectorAll('[data-testid="onvif-found-item"]').length > 0`, 30*time.Second)
	item := evalT[string](t, b, `document.querySelector('[data-testid="onvif-found-item"]').textContent`)
	if !strings.Contains(item, "Cam 9") || !strings.Contains(item, sim.ONVIFAddr()) {
		t.Fatalf("found camera reads %q, want its model and address %s", item, sim.ONVIFAddr())
	}
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="onvif-found-item"]`)))
	want := "http://" + sim.ONVIFAddr() + "/onvif/device_service"
	if v := evalT[string](t, b, `document.querySelector('[data-testid="onvif-address-input"]').value`); v != want {
		t.Fatalf("picking the camera put %q in the address, want %q", v, want)
	}
	browse(t, b,
		chromedp.SetValue(chromedp.CSS(`#cam-user`), "admin"),
		chromedp.SetValue(chromedp.CSS(`#cam-pass`), secret),
		chromedp.Click(chromedp.CSS(`[data-testid="onvif-find-button"]`)),
	)
	waitJS(t, b, `document.querySelector('[data-testid="onvif-result"]').textContent.includes('credentials work')`, 20*time.Second)
	if v := evalT[string](t, b, `document.querySelector('#cam-main').value`); v != sim.URL(1) {
		t.Errorf("main stream field = %q, want %q", v, sim.URL(1))
	}
	if v := evalT[string](t, b, `document.querySelector('#cam-sub').value`); v != sim.URL(2) {
		t.Errorf("sub stream field = %q, want %q", v, sim.URL(2))
	}
}

// TestBrowserTestConnection: "Test connection" on the add-camera form says
// what went wrong in words (not "Failed (auth): …", the API's class), never
// shows the password typed, and names codec and size once it connects.
func TestBrowserTestConnection(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const secret = "CANARY-test-connection"
	sim := startSimcam(t, "cam", secret)
	b := browsertest.Start(t)
	browserLogin(t, b, f.ts.URL, "root")
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/settings/admin/cameras"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="camera-test"]`)),
		chromedp.SetValue(chromedp.CSS(`#cam-main`), sim.URL(1)),
		chromedp.SetValue(chromedp.CSS(`#cam-user`), "cam"),
		chromedp.SetValue(chromedp.CSS(`#cam-pass`), "wrong-one"),
		chromedp.Click(chromedp.CSS(`[data-testid="camera-test"]`)),
	)
	const result = `document.querySelector('[data-testid="probe-result"]').textContent`
	waitJS(t, b, result+`.startsWith('Failed')`, 20*time.Second)
	if got := evalT[string](t, b, result); got != "Failed: the camera refused the user name or password." {
		t.Errorf("wrong password: %q", got)
	}
	browse(t, b,
		chromedp.SetValue(chromedp.CSS(`#cam-pass`), secret),
		chromedp.Click(chromedp.CSS(`[data-testid="camera-test"]`)),
	)
	waitJS(t, b, result+`.startsWith('Connected')`, 20*time.Second)
	if got := evalT[string](t, b, result); !strings.HasPrefix(got, "Connected: H264 ") {
		t.Errorf("right password: %q", got)
	}
	if strings.Contains(evalT[string](t, b, `document.body.innerText`), secret) {
		t.Fatal("the page shows the camera password")
	}
}
