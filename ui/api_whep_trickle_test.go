package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// TestWHEPTrickle: a viewer sends its offer before gathering (no candidates
// in it) and PATCHes them afterwards. The viewer is an ICE-lite agent, which
// never sends connectivity checks: the server can reach it only through the
// trickled candidates, and frames of the asked camera arrive.
func TestWHEPTrickle(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	ana := f.login("ana")
	c, err := webrtctest.New(webrtctest.Options{WantID: string(f.camA1.ID), Lite: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	offer, err := c.OfferTrickle()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(offer, "a=candidate:") || !strings.Contains(offer, "a=ice-lite") {
		t.Fatalf("the offer carries candidates or is not ICE-lite:\n%s", offer)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := c.Post(ctx, f.ts.Client(), f.ts.URL+"/api/cameras/"+string(f.camA1.ID)+"/whep", http.Header{"Cookie": {ana.String()}}, offer)
	if err != nil || p.Status != http.StatusCreated {
		t.Fatalf("POST: %d %v %s", p.Status, err, p.Body)
	}
	if p.AcceptPatch != trickleType || p.ETag == "" || !strings.Contains(p.Body, "a=candidate:") {
		t.Fatalf("answer: Accept-Patch %q ETag %q; the server's candidates must be in its answer", p.AcceptPatch, p.ETag)
	}
	// Without the viewer's candidates nothing connects (a short look: the
	// lite viewer waits for checks that cannot come).
	for range 20 {
		if st := c.PC.ICEConnectionState(); st == pion.ICEConnectionStateConnected || st == pion.ICEConnectionStateCompleted {
			t.Fatalf("ICE %s before any candidate was trickled", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	frag, err := c.TrickleFragment(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r := f.do(http.MethodPatch, p.Location, []any{ana, http.Header{"Content-Type": {trickleType}, "If-Match": {p.ETag}}}, frag)
	if r.StatusCode != http.StatusNoContent || r.body != "" {
		t.Fatalf("PATCH: %d %s\n%s", r.StatusCode, r.body, frag)
	}
	if err := c.WaitFrames(20, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.WrongID != 0 || st.Keyframes < 1 {
		t.Fatalf("viewer: %+v", st)
	}
	// Once the session ends, its Location is gone for PATCH too.
	if r := f.do(http.MethodDelete, p.Location, []any{ana}, ""); r.StatusCode != http.StatusOK {
		t.Fatalf("DELETE: %d", r.StatusCode)
	}
	if r := f.do(http.MethodPatch, p.Location, []any{ana, http.Header{"Content-Type": {trickleType}}}, frag); r.StatusCode != http.StatusNotFound {
		t.Fatalf("PATCH after DELETE: %d", r.StatusCode)
	}
}

// TestWHEPTrickleStatuses: every answer of the PATCH route, on a running
// session and on sessions that are not the caller's.
func TestWHEPTrickleStatuses(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	ana := f.login("ana")
	c, err := webrtctest.New(webrtctest.Options{WantID: string(f.camA1.ID)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	offer, err := c.Offer()
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Post(context.Background(), f.ts.Client(), f.ts.URL+"/api/cameras/"+string(f.camA1.ID)+"/whep", http.Header{"Cookie": {ana.String()}}, offer)
	if err != nil || p.Status != http.StatusCreated || p.ETag == "" {
		t.Fatalf("POST: %d %v ETag %q %s", p.Status, err, p.ETag, p.Body)
	}
	loc, etag := p.Location, p.ETag
	var ufrag, pwd string
	for _, line := range strings.Split(c.PC.LocalDescription().SDP, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "a=ice-ufrag:"); ok && ufrag == "" {
			ufrag = v
		}
		if v, ok := strings.CutPrefix(line, "a=ice-pwd:"); ok && pwd == "" {
			pwd = v
		}
	}
	if ufrag == "" || pwd == "" {
		t.Fatal("no ufrag/pwd in the client's offer")
	}
	cand := func(port int) string {
		return fmt.Sprintf("a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host ufrag %s\r\n", port, ufrag)
	}
	good := "a=ice-ufrag:" + ufrag + "\r\na=ice-pwd:" + pwd + "\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n" + cand(40000) + "a=end-of-candidates\r\n"
	sdpfrag := http.Header{"Content-Type": {trickleType}}
	with := func(h http.Header, k, v string) http.Header {
		h = h.Clone()
		h.Set(k, v)
		return h
	}
	many := ""
	for i := range 65 {
		many += cand(41000 + i)
	}
	camA2 := strings.Replace(loc, string(f.camA1.ID), string(f.camA2.ID), 1)
	cases := []struct {
		name   string
		path   string
		cred   any
		header http.Header
		body   string
		want   int
	}{
		{"candidates", loc, ana, sdpfrag, good, http.StatusNoContent},
		{"end of candidates only, LF lines", loc, ana, sdpfrag, "a=ice-ufrag:" + ufrag + "\na=end-of-candidates\n", http.StatusNoContent},
		{"If-Match the ETag", loc, ana, with(sdpfrag, "If-Match", etag), good, http.StatusNoContent},
		{"If-Match *", loc, ana, with(sdpfrag, "If-Match", "*"), good, http.StatusNoContent},
		{"If-Match another tag", loc, ana, with(sdpfrag, "If-Match", `"ice-0000000000000000"`), good, http.StatusPreconditionFailed},
		{"application/sdp", loc, ana, with(sdpfrag, "Content-Type", "application/sdp"), good, http.StatusUnsupportedMediaType},
		{"JSON", loc, ana, nil, `{}`, http.StatusUnsupportedMediaType},
		{"not SDP", loc, ana, sdpfrag, "hello\r\n", http.StatusBadRequest},
		{"empty", loc, ana, sdpfrag, "\r\n", http.StatusBadRequest},
		{"bad candidate", loc, ana, sdpfrag, "a=candidate:garbage\r\n", http.StatusBadRequest},
		{"bad ufrag", loc, ana, sdpfrag, "a=ice-ufrag:a b\r\n" + cand(40001), http.StatusBadRequest},
		{"control character", loc, ana, sdpfrag, "a=mid:0\x00\r\n" + cand(40001), http.StatusBadRequest},
		{"too many candidates", loc, ana, sdpfrag, many, http.StatusBadRequest},
		{"too large", loc, ana, sdpfrag, strings.Repeat("a=x\r\n", 4000), http.StatusRequestEntityTooLarge},
		{"ICE restart", loc, ana, with(sdpfrag, "If-Match", "*"),
			"a=ice-ufrag:Zq9x\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40002 typ host\r\n", http.StatusUnprocessableEntity},
		{"candidate of another ufrag", loc, ana, sdpfrag, "a=candidate:1 1 udp 2130706431 127.0.0.1 40003 typ host ufrag Zq9x\r\n", http.StatusUnprocessableEntity},
		{"unknown session", "/api/cameras/" + string(f.camA1.ID) + "/whep/" + strings.Repeat("ab", 16), ana, sdpfrag, good, http.StatusNotFound},
		{"session on another camera's path", camA2, ana, sdpfrag, good, http.StatusNotFound},
		{"member of the household", loc, f.login("mo"), sdpfrag, good, http.StatusNotFound},
		{"member, wrong type", loc, f.login("mo"), nil, `{}`, http.StatusNotFound},
		{"other household", loc, f.login("bea"), sdpfrag, good, http.StatusNotFound},
		{"no credential", loc, nil, sdpfrag, good, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		opts := []any{}
		if tc.cred != nil {
			opts = append(opts, tc.cred)
		}
		if tc.header != nil {
			opts = append(opts, tc.header)
		}
		r := f.do(http.MethodPatch, tc.path, opts, tc.body)
		if r.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d; %s", tc.name, r.StatusCode, r.body, tc.want, endedRows(t, f))
		}
		if tc.want == http.StatusUnsupportedMediaType && r.Header.Get("Accept-Patch") != trickleType {
			t.Errorf("%s: Accept-Patch %q", tc.name, r.Header.Get("Accept-Patch"))
		}
	}
	// The session itself was not harmed by any of it.
	if err := c.WaitFrames(10, 15*time.Second); err != nil {
		t.Fatalf("%v; %s", err, endedRows(t, f))
	}
	if st := c.Stats(); st.WrongID != 0 {
		t.Fatalf("viewer: %+v", st)
	}
}

// endedRows describes the sessions that ended, for a failure message.
func endedRows(t *testing.T, f *liveFixture) string {
	audits, err := f.store.Audit(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range audits {
		if a.Result == "ended" {
			out = append(out, a.Detail)
		}
	}
	return fmt.Sprintf("ended sessions: %q", out)
}
