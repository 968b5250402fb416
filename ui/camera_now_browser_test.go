package ui

import (
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
}
