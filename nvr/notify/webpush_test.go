package notify_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/notify"
)

// requireNodePeer checks node and the pinned npm web-push / http_ece in
// testdata/node (.ci/deps runs `npm ci` there); missing is a failure.
func requireNodePeer(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed to decrypt web push independently (.ci/deps)")
	}
	for _, m := range []string{"http_ece", "web-push"} {
		if _, err := os.Stat(filepath.Join("testdata", "node", "node_modules", m, "package.json")); err != nil {
			t.Fatalf("npm %s is missing: run `npm ci` in nvr/notify/testdata/node (.ci/deps does): %v", m, err)
		}
	}
	return node
}

type nodeVerdict struct {
	Plaintext string            `json:"plaintext"`
	Header    map[string]string `json:"header"`
	Claims    map[string]any    `json:"claims"`
	JWTOK     bool              `json:"jwt_ok"`
}

// TestWebPush: a push message to a browser subscription, sent through a
// loopback "push service" (the browsers' are unreachable here), is
// decrypted by npm http_ece and its VAPID JWT verified by node's crypto:
// it names the event's camera and opens the camera page at the moment.
func TestWebPush(t *testing.T) {
	t.Parallel()
	node := requireNodePeer(t)
	keyPath := filepath.Join(t.TempDir(), "vapid.pem")
	vapid, err := notify.LoadVAPID(keyPath, "mailto:admin@nvr.lan")
	if err != nil {
		t.Fatal(err)
	}
	again, err := notify.LoadVAPID(keyPath, "mailto:admin@nvr.lan")
	if err != nil || again.PublicKey() != vapid.PublicKey() {
		t.Fatalf("the VAPID key is not kept: %v", err)
	}
	s := newSite(t, func(c *notify.Config) { c.VAPID = vapid })
	push := newReceiver(t)
	ua, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	keys, _ := json.Marshal(notify.PushKeys{P256dh: base64.RawURLEncoding.EncodeToString(ua.PublicKey().Bytes()),
		Auth: base64.RawURLEncoding.EncodeToString(auth)})
	s.subscribe(s.ownerA, nvr.ChannelWebPush, push.srv.URL+"/wpush/v2/abc", string(keys), nvr.NotifyTrigger)
	ev := s.trigger(s.camA1, "doorbell")
	s.trigger(s.camB, "doorbell") // another home's: must not reach ana's browser
	waitFor(t, 10*time.Second, "the push", func() bool { return len(push.all()) >= 1 })
	got := push.all()[0]
	if got.Header.Get("Content-Encoding") != "aes128gcm" || got.Header.Get("TTL") == "" || got.Header.Get("Urgency") != "high" {
		t.Fatalf("push headers %v", got.Header)
	}
	in, _ := json.Marshal(map[string]string{"body": base64.StdEncoding.EncodeToString(got.Body),
		"ua_private": base64.RawURLEncoding.EncodeToString(ua.Bytes()), "auth": base64.RawURLEncoding.EncodeToString(auth),
		"authorization": got.Header.Get("Authorization")})
	cmd := exec.Command(node, "testdata/node/decrypt.js")
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node could not decrypt or verify: %v\n%s", err, stderr)
	}
	var v nodeVerdict
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("node said %q: %v", out, err)
	}
	if !v.JWTOK || v.Header["alg"] != "ES256" || v.Claims["aud"] != push.srv.URL || v.Claims["sub"] != "mailto:admin@nvr.lan" {
		t.Fatalf("VAPID: %+v", v)
	}
	if exp, _ := v.Claims["exp"].(float64); time.Until(time.Unix(int64(exp), 0)) > 24*time.Hour || time.Until(time.Unix(int64(exp), 0)) < time.Hour {
		t.Errorf("VAPID exp %v", v.Claims["exp"])
	}
	var p notify.PushPayload
	if err := json.Unmarshal([]byte(v.Plaintext), &p); err != nil {
		t.Fatalf("plaintext %q: %v", v.Plaintext, err)
	}
	if p.CameraID != s.camA1.ID || p.EventID != ev.ID || p.Title != "doorbell at Front door" ||
		!strings.HasPrefix(p.URL, "https://nvr.lan/cameras/"+string(s.camA1.ID)+"?t=") {
		t.Fatalf("payload %+v", p)
	}
	waitFor(t, 10*time.Second, "both events dispatched", func() bool { return s.svc.Stats().Sent == 1 && s.svc.Queued() == 0 })
	if n := len(push.all()); n != 1 {
		t.Fatalf("ana's browser got %d pushes, want only her camera's", n)
	}
}
