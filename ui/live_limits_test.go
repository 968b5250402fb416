package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// TestLiveLimitsAcrossWHEPAndMSE: WHEP and MSE sessions share one registry,
// so the per-user limit counts both: a user at the limit with WHEP sessions
// is refused an MSE session (503, the same answer as a refused WHEP offer),
// and at the limit with an MSE session is refused a WHEP one; once a
// session ends, the other kind is admitted.
func TestLiveLimitsAcrossWHEPAndMSE(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{MaxPerUser: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ana := f.login("ana")
	wsURL := "ws" + strings.TrimPrefix(f.ts.URL, "http") + "/api/cameras/" + string(f.camA2.ID) + "/mse"
	dialMSE := func() (*websocket.Conn, int) {
		t.Helper()
		c, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {ana.String()}}})
		if err != nil {
			if resp == nil {
				t.Fatalf("MSE dial: %v", err)
			}
			return nil, resp.StatusCode
		}
		c.SetReadLimit(8 << 20)
		return c, http.StatusSwitchingProtocols
	}

	// Two WHEP sessions: the limit.
	var locs []string
	for range 2 {
		_, status, loc, body := f.whep(f.camA1.ID, ana, webrtctest.Options{})
		if status != http.StatusCreated {
			t.Fatalf("WHEP: %d %s", status, body)
		}
		locs = append(locs, loc)
	}
	if _, status := dialMSE(); status != http.StatusServiceUnavailable {
		t.Fatalf("MSE at the limit with two WHEP sessions: %d, want 503", status)
	}
	// Another user is not counted against ana.
	if _, status, _, body := f.whep(f.camA2.ID, f.login("mo"), webrtctest.Options{}); status != http.StatusCreated {
		t.Fatalf("member's WHEP: %d %s", status, body)
	}

	// One WHEP session ends: MSE is admitted and streams.
	if r := f.do(http.MethodDelete, locs[0], []any{ana}, ""); r.StatusCode != http.StatusOK {
		t.Fatalf("DELETE: %d", r.StatusCode)
	}
	mse, status := dialMSE()
	if mse == nil {
		t.Fatalf("MSE after a WHEP session ended: %d", status)
	}
	defer mse.CloseNow()
	if typ, _, err := mse.Read(ctx); err != nil || typ != websocket.MessageText {
		t.Fatalf("MSE hello: %v %v", typ, err)
	}

	// One WHEP and one MSE: the limit again, for WHEP now.
	_, status, _, body := f.whep(f.camA1.ID, ana, webrtctest.Options{})
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "live sessions open") {
		t.Fatalf("WHEP at the limit with an MSE session: %d %s", status, body)
	}

	// The MSE session ends: its slot is freed and WHEP is admitted.
	if err := mse.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("MSE close: %v", err)
	}
	waitUntil(t, 5*time.Second, "the MSE session's slot freed", func() bool { return f.sessions.Count() == 2 })
	if _, status, _, body := f.whep(f.camA1.ID, ana, webrtctest.Options{}); status != http.StatusCreated {
		t.Fatalf("WHEP after the MSE session ended: %d %s", status, body)
	}

	// Both kinds wrote their audit rows through the registry.
	audits, err := f.store.Audit(ctx, 200)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, a := range audits {
		if a.Result == "ended" && a.UserID == f.ownerA.ID {
			kind, _, _ := strings.Cut(strings.TrimPrefix(a.Detail, "session="), " ")
			kinds[kind]++
		}
	}
	if kinds["whep"] != 1 || kinds["mse"] != 1 {
		t.Fatalf("audit rows of ended sessions by kind: %v, want one whep and one mse", kinds)
	}
}
