package events

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/onvif"
)

// A camera without a pull point pushes its events (WS-BaseNotification):
// Hearth subscribes with a consumer address, NotifyPath followed by a
// capability, a fresh random 128-bit secret per subscription that only
// the camera's supervisor holds, in memory. The camera POSTs wsnt:Notify
// there; the HTTP layer hands the body to Notify, which parses it and
// queues it to that supervisor, which records it exactly as pulled
// messages are (cameraNotifications). The capability is the only
// credential (a camera cannot log in), so it dies with the subscription:
// a failed renewal, a camera removed or changed, Hearth stopping.

// NotifyPath is the path prefix of the push endpoint: cameras POST to
// NotifyPath + capability.
const NotifyPath = "/onvif/notify/"

const (
	// pushQueue bounds the Notify bodies waiting for a supervisor; a
	// camera pushing faster than they are recorded is answered 503.
	pushQueue = 16
	// MaxNotifyBody is the largest Notify body read (onvif.MaxBody): the
	// HTTP layer stops reading past it.
	MaxNotifyBody = onvif.MaxBody
)

// pushTargets maps live capabilities to the supervisor of their camera.
// It keys by the capability's SHA-256, so the secret itself is kept only
// by the supervisor that made it. Safe for concurrent use.
type pushTargets struct {
	mu   sync.Mutex
	byID map[[32]byte]pushTarget
}

type pushTarget struct {
	cam nvr.CameraID
	ch  chan []onvif.Notification
}

func newPushTargets() *pushTargets { return &pushTargets{byID: map[[32]byte]pushTarget{}} }

func (p *pushTargets) add(capability string, t pushTarget) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byID[sha256.Sum256([]byte(capability))] = t
}

func (p *pushTargets) remove(capability string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.byID, sha256.Sum256([]byte(capability)))
}

func (p *pushTargets) lookup(capability string) (pushTarget, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.byID[sha256.Sum256([]byte(capability))]
	return t, ok
}

// deliver queues ns to capability's supervisor without waiting. The send
// happens under the lock remove takes, so nothing reaches a supervisor
// that has dropped its capability.
func (p *pushTargets) deliver(capability string, ns []onvif.Notification) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.byID[sha256.Sum256([]byte(capability))]
	if !ok {
		return nvr.ErrNotFound
	}
	select {
	case t.ch <- ns:
		return nil
	default:
		return nvr.Errorf("camera notification", nvr.KindUnavailable, "too many notifications waiting")
	}
}

// newCapability returns a fresh 128-bit secret, hex-encoded.
func newCapability() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// HasCapability reports whether capability names a live push
// subscription, so the HTTP layer can refuse an unknown one (404) before
// it reads a body.
func (e *Events) HasCapability(capability string) bool {
	_, ok := e.push.lookup(capability)
	return ok
}

// Notify takes a camera's wsnt:Notify POSTed to NotifyPath+capability:
// it parses body (bounded and checked as any camera answer) and queues
// its notifications to the camera's supervisor, which records them.
// Errors: KindNotFound for an unknown or ended capability, KindTooLarge
// for a body over 1 MiB, KindInvalid for anything but a Notify,
// KindUnavailable when the camera's queue is full. The messages say
// nothing of the camera.
func (e *Events) Notify(capability string, body []byte) error {
	if !e.HasCapability(capability) {
		return nvr.ErrNotFound
	}
	if len(body) > MaxNotifyBody {
		return nvr.Errorf("camera notification", nvr.KindTooLarge, "larger than 1 MiB")
	}
	ns, err := onvif.ParseNotify(body)
	if err != nil {
		return &nvr.Error{Op: "camera notification", Kind: nvr.KindInvalid, Msg: "not a WS-BaseNotification Notify", Err: err}
	}
	return e.push.deliver(capability, ns)
}

// callbackBase is Hearth's HTTP address as the camera at cameraHost
// reaches it: CallbackURL when configured, else the local address the
// kernel routes toward the camera with the port Hearth listens on.
func (e *Events) callbackBase(ctx context.Context, cameraHost string) (string, error) {
	if u := e.cfg.CallbackURL; u != "" {
		return strings.TrimSuffix(u, "/"), nil
	}
	if e.cfg.CallbackPort == 0 {
		return "", errors.New("no address for the camera to push its events to: set [onvif] callback_url")
	}
	ip, err := onvif.LocalAddrFor(ctx, cameraHost)
	if err != nil {
		return "", err
	}
	scheme := e.cfg.CallbackScheme
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + net.JoinHostPort(ip.String(), strconv.Itoa(e.cfg.CallbackPort)), nil
}

// pushCameraEvents is one base subscription's life: a capability made and
// registered, the camera subscribed to push to it, renewed every
// half its term, and what the camera pushes recorded until ctx ends or
// a renewal fails. On return the capability is dropped and the camera
// unsubscribed.
func (e *Events) pushCameraEvents(ctx context.Context, c nvr.Camera, cl *onvif.Client) error {
	base, err := e.callbackBase(ctx, cl.Host())
	if err != nil {
		return err
	}
	capability := newCapability()
	ch := make(chan []onvif.Notification, pushQueue)
	e.push.add(capability, pushTarget{cam: c.ID, ch: ch})
	defer e.push.remove(capability)
	sub, err := cl.Subscribe(ctx, base+NotifyPath+capability, e.cfg.ONVIFTerm)
	if err != nil {
		return redactCapability(fmt.Errorf("subscribe (push): %w", err), capability)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = sub.Unsubscribe(uctx)
	}()
	e.cfg.Log.Info("camera events pushed: the camera has no pull point", "camera", string(c.ID), "callback", base+NotifyPath+"[capability]")
	renew := time.NewTicker(e.cfg.ONVIFTerm / 2)
	defer renew.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-renew.C:
			if err := sub.Renew(ctx, e.cfg.ONVIFTerm); err != nil {
				return redactCapability(fmt.Errorf("renew (push): %w", err), capability)
			}
		case ns := <-ch:
			e.cameraNotifications(ctx, c, ns)
		}
	}
}

// capabilityError hides a capability a camera's answer may echo (a
// fault's reason) from the logs the error reaches.
type capabilityError struct {
	err        error
	capability string
}

func (e *capabilityError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.capability, "[capability]")
}

func (e *capabilityError) Unwrap() error { return e.err }

func redactCapability(err error, capability string) error {
	return &capabilityError{err: err, capability: capability}
}
