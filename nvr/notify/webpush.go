package notify

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Web push: the payload is encrypted for the browser's subscription keys
// with RFC 8291 (aes128gcm, RFC 8188) and the request to the browser
// vendor's push service is signed with the appliance's VAPID key
// (RFC 8292, an ES256 JWT). Everything here is the standard library.
// The push service sees only the ciphertext, its size and the VAPID
// claims; the payload names the camera and time, never carries the
// thumbnail (push payloads are small, and the picture stays behind the
// appliance's login: the notification opens the camera page).

// PushSubscription is what a browser's PushManager.subscribe() returns,
// as JSON: the endpoint (the channel's target) and its keys (the
// channel's secret).
type PushSubscription struct {
	Endpoint string   `json:"endpoint"`
	Keys     PushKeys `json:"keys"`
}

// PushKeys are the subscription's public key (P-256, uncompressed) and
// authentication secret (16 bytes), base64url.
type PushKeys struct {
	P256dh string `json:"p256dh"`
	Auth   string `json:"auth"`
}

// ParsePushKeys checks the keys of a subscription.
func ParsePushKeys(k PushKeys) (*ecdh.PublicKey, []byte, error) {
	pub, err := b64(k.P256dh)
	if err != nil {
		return nil, nil, fmt.Errorf("p256dh: %w", err)
	}
	key, err := ecdh.P256().NewPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("p256dh: %w", err)
	}
	auth, err := b64(k.Auth)
	if err != nil || len(auth) != 16 {
		return nil, nil, errors.New("auth must be 16 bytes, base64url")
	}
	return key, auth, nil
}

func b64(s string) ([]byte, error) {
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.URLEncoding.DecodeString(s)
}

// recordSize is the aes128gcm record size Hearth announces; one record
// holds every payload it sends (they are well under 4 KiB).
const recordSize = 4096

// EncryptPush encrypts plaintext for a subscription (RFC 8291 §3.4): a
// fresh ECDH key pair and salt per message, one record ending with the
// 0x02 delimiter.
func EncryptPush(plaintext []byte, ua *ecdh.PublicKey, authSecret []byte) ([]byte, error) {
	if len(plaintext)+1+16 > recordSize {
		return nil, errors.New("push payload too large")
	}
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	shared, err := as.ECDH(ua)
	if err != nil {
		return nil, err
	}
	asPub, uaPub := as.PublicKey().Bytes(), ua.Bytes()
	// IKM = HKDF(salt=auth_secret, ikm=ecdh_secret, info="WebPush: info"||0||ua||as, 32)
	info := append(append([]byte("WebPush: info\x00"), uaPub...), asPub...)
	prkKey, err := hkdf.Extract(sha256.New, shared, authSecret)
	if err != nil {
		return nil, err
	}
	ikm, err := hkdf.Expand(sha256.New, prkKey, string(info), 32)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Write(salt)
	_ = binary.Write(&out, binary.BigEndian, uint32(recordSize))
	out.WriteByte(byte(len(asPub)))
	out.Write(asPub)
	out.Write(gcm.Seal(nil, nonce, append(plaintext, 0x02), nil))
	return out.Bytes(), nil
}

// VAPID is the appliance's push identity: one P-256 key, made once and
// kept in the data directory, so subscriptions survive restarts.
type VAPID struct {
	key     *ecdsa.PrivateKey
	subject string // "mailto:…" or the appliance's https URL
}

// LoadVAPID reads the key at path, making it (0600, O_EXCL) the first
// time. subject names the sender to the push services.
func LoadVAPID(path, subject string) (*VAPID, error) {
	if b, err := os.ReadFile(path); err == nil {
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("vapid key %s: not PEM", path)
		}
		k, err := x509.ParseECPrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("vapid key %s: %w", path, err)
		}
		return &VAPID{key: k, subject: subject}, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read vapid key: %w", err)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process made it first
			return LoadVAPID(path, subject)
		}
		return nil, fmt.Errorf("write vapid key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write vapid key: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write vapid key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write vapid key: %w", err)
	}
	return &VAPID{key: k, subject: subject}, nil
}

// PublicKey is the applicationServerKey a browser subscribes with:
// the uncompressed point, base64url without padding.
func (v *VAPID) PublicKey() string {
	pub, _ := v.key.PublicKey.ECDH()
	return base64.RawURLEncoding.EncodeToString(pub.Bytes())
}

// Authorization is the RFC 8292 header for a request to endpoint: an ES256
// JWT for the endpoint's origin, valid 12 hours, and the public key.
func (v *VAPID) Authorization(endpoint string, now time.Time) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`))
	claims, err := json.Marshal(map[string]any{"aud": u.Scheme + "://" + u.Host, "exp": now.Add(12 * time.Hour).Unix(), "sub": v.subject})
	if err != nil {
		return "", err
	}
	signing := header + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, v.key, digest[:])
	if err != nil {
		return "", err
	}
	// JWS ES256 is r||s, each 32 bytes big-endian, not ASN.1.
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	jwt := signing + "." + base64.RawURLEncoding.EncodeToString(sig)
	return "vapid t=" + jwt + ", k=" + v.PublicKey(), nil
}

// PushPayload is the JSON the service worker receives (ui/static/sw.js).
type PushPayload struct {
	Kind     nvr.NotifyKind `json:"kind"`
	Title    string         `json:"title"`
	Body     string         `json:"body"`
	URL      string         `json:"url"` // the camera page at the moment, relative when no --public-url
	CameraID nvr.CameraID   `json:"camera,omitempty"`
	EventID  nvr.EventID    `json:"event,omitempty"`
	At       time.Time      `json:"at"`
}

type webPush struct {
	http  httpClients
	vapid *VAPID
}

func (p webPush) send(ctx context.Context, ch nvr.NotifyChannel, m Message) error {
	if p.vapid == nil {
		return permanent(errors.New("web push is not set up on this appliance"))
	}
	var keys PushKeys
	if err := json.Unmarshal([]byte(ch.Secret.Reveal()), &keys); err != nil {
		return permanent(fmt.Errorf("push subscription keys: %w", err))
	}
	ua, auth, err := ParsePushKeys(keys)
	if err != nil {
		return permanent(err)
	}
	link := m.URL
	if link == "" && m.CameraID != "" {
		link = "/cameras/" + string(m.CameraID) + "?t=" + url.QueryEscape(m.At.UTC().Format(time.RFC3339))
	}
	body, err := json.Marshal(PushPayload{Kind: m.Kind, Title: m.Title, Body: m.Body, URL: link, CameraID: m.CameraID,
		EventID: m.EventID, At: m.At.UTC()})
	if err != nil {
		return permanent(err)
	}
	enc, err := EncryptPush(body, ua, auth)
	if err != nil {
		return permanent(err)
	}
	authz, err := p.vapid.Authorization(ch.Target, time.Now())
	if err != nil {
		return permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ch.Target, bytes.NewReader(enc))
	if err != nil {
		return permanent(fmt.Errorf("push request: %w", err))
	}
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("TTL", strconv.Itoa(24*3600))
	urgency := "normal"
	if m.Kind == nvr.NotifyMotion || m.Kind == nvr.NotifyTrigger || m.Kind == nvr.NotifyOffline {
		urgency = "high"
	}
	req.Header.Set("Urgency", urgency)
	req.Header.Set("Authorization", authz)
	return p.http.do(ctx, ch, req)
}
