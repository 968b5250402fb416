package ui

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// settableStatus reports every camera in the state a test sets.
type settableStatus struct {
	st atomic.Pointer[ingest.CameraStatus]
}

func (s *settableStatus) set(state string) {
	s.st.Store(&ingest.CameraStatus{State: state, Streams: []ingest.StreamStatus{{Stream: "main", State: state}}})
}

func (s *settableStatus) Status(nvr.CameraGrant) ingest.CameraStatus { return *s.st.Load() }

// TestCameraSettingsSayWhatIsWrong: the grid said "Camera refused the
// password — enter it again in its settings", and the settings page said
// nothing of it, before or after Save. It says what the camera is doing
// now, in the grid's words with "below" for "in its settings", and follows
// the camera once the password is put right.
func TestCameraSettingsSayWhatIsWrong(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	status := &settableStatus{}
	status.set("auth-failed")
	f.srv.status = status
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/cameras/"+string(f.camA1.ID)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="camera-now"]`)))
	if got := evalT[string](t, b, `document.querySelector('[data-testid="camera-now"]').textContent.trim().replace(/\s+/g, ' ')`); got != "offline Camera refused the password. Enter the camera's password again below." {
		t.Fatalf("the page says %q", got)
	}
	status.set("streaming")
	waitJS(t, b, `document.querySelector('[data-now-words]').textContent === 'Streaming' && document.querySelector('[data-now-badge]').textContent === 'streaming'`, 15*time.Second)

	// A rename shows in the page's heading at once: it kept the old name
	// until a reload.
	browse(t, b, chromedp.SetValue(chromedp.CSS(`#cam-name`), "Porch"),
		chromedp.Click(chromedp.CSS(`[data-testid="camera-edit-form"] button[type="submit"]`)))
	waitJS(t, b, `document.querySelector('.settings-body > h1').textContent === 'Camera: Porch' && document.title === 'Camera: Porch · Hearth'`, 10*time.Second)
}

// TestHealthShowsOnlyCurrentFailures: the admin's Storage and health page
// showed a camera's last failure beside "Streaming", long after it had
// reconnected; it reads as a fault of now. The failure shows while the
// camera is down.
func TestHealthShowsOnlyCurrentFailures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	status := &settableStatus{}
	f.srv.status = status
	root := f.login("root")
	for _, c := range []struct {
		state  string
		detail bool
	}{{"unreachable", true}, {"streaming", false}} {
		status.st.Store(&ingest.CameraStatus{State: c.state, Streams: []ingest.StreamStatus{{Stream: "main", State: c.state,
			LastError: "camera unreachable: dial tcp 192.0.2.10:554: connect: connection refused"}}})
		page := f.get("/settings/admin/system", root)
		if n := testID(t, page.body, "health-detail").Length(); (n > 0) != c.detail {
			t.Errorf("%s: %d failure details shown, want them: %v", c.state, n, c.detail)
		}
	}
}

// TestSaveKeepsTheOtherFormsEdits: a camera's settings page has two forms,
// each with its own Save. Saving "Events and motion" read the page again
// and silently dropped a retention typed in the form above ("Saved.", and
// the old value back). Now that Save leaves the page as it is and says the
// other form is not saved; its own Save then keeps both.
func TestSaveKeepsTheOtherFormsEdits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(1280, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/cameras/"+string(f.camA1.ID)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="detection-form"]`)))
	typeInto := func(testid, value string) {
		t.Helper()
		evalT[bool](t, b, `(() => { const i = document.querySelector('[data-testid="`+testid+`"]'); i.value = '`+value+`';
			i.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	}
	typeInto("retain-continuous", "7")
	typeInto("sensitivity", "70")
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="detection-form"] button[type="submit"]`)))
	waitJS(t, b, `/^Saved\. Your changes in the camera's settings above are not saved yet: press its Save button\.$/.test(document.querySelector('[data-testid="detection-form"] [data-result]').textContent)`, 10*time.Second)
	if v := evalT[string](t, b, `document.querySelector('[data-testid="retain-continuous"]').value`); v != "7" {
		t.Fatalf("the retention typed above is %q after saving the form below, want it kept", v)
	}
	c, err := f.store.Camera(context.Background(), f.camA1.ID)
	if err != nil || c.Detection.Sensitivity != 70 || c.RetainContinuous == 7*24*time.Hour {
		t.Fatalf("after the detection Save: sensitivity %d, retention %v (%v)", c.Detection.Sensitivity, c.RetainContinuous, err)
	}
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="camera-edit-form"] button[type="submit"]`)))
	waitFor(t, 10*time.Second, "the retention saved by its own form", func() bool {
		c, err := f.store.Camera(context.Background(), f.camA1.ID)
		return err == nil && c.RetainContinuous == 7*24*time.Hour && c.Detection.Sensitivity == 70
	})
}
