package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// SignatureHeader carries the webhook body's HMAC-SHA256 under the
// channel's secret, as "sha256=" and 64 lowercase hex digits. The
// receiver computes HMAC-SHA256(secret, raw body) and compares in
// constant time; the body's sent_at bounds replays.
const SignatureHeader = "X-Hearth-Signature"

// WebhookPayload is the JSON body of a webhook message (version 1).
type WebhookPayload struct {
	Type    string         `json:"type"` // "hearth.notification"
	Version int            `json:"version"`
	Kind    nvr.NotifyKind `json:"kind"`
	Title   string         `json:"title"`
	Body    string         `json:"body"`
	URL     string         `json:"url,omitempty"`
	At      time.Time      `json:"at"`
	SentAt  time.Time      `json:"sent_at"`
	Camera  *WebhookCamera `json:"camera,omitempty"`
	Event   *WebhookEvent  `json:"event,omitempty"`
	// Thumbnail is the event's JPEG, base64 (JSON's []byte), when the
	// rule asked for one.
	Thumbnail []byte `json:"thumbnail_jpeg,omitempty"`
}

// WebhookCamera names the camera of a message.
type WebhookCamera struct {
	ID   nvr.CameraID `json:"id"`
	Name string       `json:"name"`
}

// WebhookEvent names the event of a message.
type WebhookEvent struct {
	ID    nvr.EventID `json:"id"`
	Label string      `json:"label,omitempty"`
	Start time.Time   `json:"start"`
}

type webhook struct{ http httpClients }

func (w webhook) send(ctx context.Context, ch nvr.NotifyChannel, m Message) error {
	p := WebhookPayload{Type: "hearth.notification", Version: 1, Kind: m.Kind, Title: m.Title, Body: m.Body,
		URL: m.URL, At: m.At.UTC(), SentAt: time.Now().UTC(), Thumbnail: m.Thumb}
	if m.CameraID != "" {
		p.Camera = &WebhookCamera{ID: m.CameraID, Name: m.CameraName}
	}
	if m.EventID != "" {
		p.Event = &WebhookEvent{ID: m.EventID, Label: m.Label, Start: m.At.UTC()}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return permanent(fmt.Errorf("encode webhook: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ch.Target, bytes.NewReader(body))
	if err != nil {
		return permanent(fmt.Errorf("webhook request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Hearth-Notify/1")
	if ch.Secret.IsSet() {
		req.Header.Set(SignatureHeader, Sign([]byte(ch.Secret.Reveal()), body))
	}
	return w.http.do(ctx, ch, req)
}

// Sign returns the SignatureHeader value of body under key.
func Sign(key, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
