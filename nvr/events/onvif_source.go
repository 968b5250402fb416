package events

import (
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"time"
	"unicode"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/onvif"
)

// A camera whose event source is "camera" or "both" has its own analytics
// (motion, person, vehicle, animal, line crossing, tamper) read over ONVIF:
// one subscription per camera, renewed while it lives, its notifications
// classified (onvif.Classify) and recorded through the same lifecycle as
// Hearth's detector and triggers. The subscription is a pull point
// wherever the camera offers one: Hearth asks, and the camera answers,
// so nothing about Hearth's own address has to be right. A camera that
// says it has none (onvif.PullPointSupported), or whose
// CreatePullPointSubscription answers a SOAP fault other than "not
// authorized", is subscribed with base notification and pushes its
// events to Hearth instead (onvif_push.go). Motion becomes a motion
// event; the others trigger events labelled with what the camera saw
// (the store knows the kinds motion and trigger).

const (
	onvifPullWait   = 10 * time.Second // one PullMessages long poll
	onvifTerm       = 2 * time.Minute  // subscription lifetime asked for (EventsConfig.ONVIFTerm), renewed at half
	onvifBackoffMax = 30 * time.Second
	onvifPullLimit  = 32
)

// onvifKey is what a camera's subscription depends on; a change restarts it.
type onvifKey struct {
	url, user string
	password  [32]byte // a digest: a changed password restarts, no copy kept here
	localOK   bool
}

// onvifKeyOf returns c's key and whether its camera events are wanted now.
func onvifKeyOf(c nvr.Camera, now time.Time) (onvifKey, bool) {
	user, pw := c.ONVIFCredentials()
	k := onvifKey{url: c.ONVIFURL, user: user, password: sha256.Sum256([]byte(pw.Reveal())), localOK: c.LocalOK}
	want := c.Enabled && c.ONVIFURL != "" && !c.Detection.NoEvents && c.Detection.Source.UsesCamera() &&
		!c.Shutter.PausesRecordingAt(now)
	return k, want
}

// reconcileONVIF keeps one pull point subscription per camera whose
// event source includes the camera's own, restarting it when its address
// or credentials change.
func (e *Events) reconcileONVIF(ctx context.Context, cams map[nvr.CameraID]nvr.Camera) {
	now := e.cfg.Now()
	e.onvifRuns.reconcile(ctx, cams, func(c nvr.Camera) (onvifKey, bool) { return onvifKeyOf(c, now) }, e.cameraEvents)
}

// cameraEvents reads camera c's events until ctx ends, subscribing again
// after a failure with exponential backoff and full jitter.
func (e *Events) cameraEvents(ctx context.Context, c nvr.Camera) {
	log := e.cfg.Log.With("camera", string(c.ID))
	backoff := time.Second
	for ctx.Err() == nil {
		start := time.Now()
		err := e.subscribeCameraEvents(ctx, c)
		if ctx.Err() != nil {
			return
		}
		// The client's errors name the operation and the address, never
		// the credentials.
		log.Warn("camera events", "err", err)
		if time.Since(start) > onvifBackoffMax {
			backoff = time.Second // it worked for a while
		}
		t := time.NewTimer(rand.N(backoff) + 100*time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, onvifBackoffMax)
	}
}

// subscribeCameraEvents is one subscription's life: a pull point when
// the camera offers one, else base notification (push).
func (e *Events) subscribeCameraEvents(ctx context.Context, c nvr.Camera) error {
	user, pw := c.ONVIFCredentials()
	cl, err := onvif.New(onvif.Config{URL: c.ONVIFURL, Username: user, Password: pw.Reveal(), CheckAddr: nvr.CheckAddrFor(c.LocalOK)})
	if err != nil {
		return err
	}
	defer cl.Close()
	if _, err := cl.SyncTime(ctx); err != nil && !errors.Is(err, onvif.ErrUnauthorized) {
		return err
	}
	// Whatever else fails in asking is left to CreatePullPoint's own
	// answer; refused credentials fail both ways alike.
	pull, err := cl.PullPointSupported(ctx)
	if errors.Is(err, onvif.ErrUnauthorized) || ctx.Err() != nil {
		return err
	}
	if err != nil {
		pull = true
	}
	if pull {
		sub, err := cl.CreatePullPoint(ctx, e.cfg.ONVIFTerm)
		var fault *onvif.Fault
		switch {
		case err == nil:
			return e.pullCameraEvents(ctx, c, sub)
		case !errors.As(err, &fault):
			return err
		}
		e.cfg.Log.Info("camera refused a pull point; trying base notification", "camera", string(c.ID), "err", err)
	}
	return e.pushCameraEvents(ctx, c, cl)
}

// pullCameraEvents reads a pull point until ctx ends or the camera fails.
func (e *Events) pullCameraEvents(ctx context.Context, c nvr.Camera, sub *onvif.Subscription) error {
	defer func() {
		// Bounded: the camera drops it at its termination time anyway.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = sub.Unsubscribe(uctx)
	}()
	// Renewed at half its term, well before the camera drops it; a long
	// poll no longer than that, so the renewal is never late.
	renewEvery := e.cfg.ONVIFTerm / 2
	wait := min(onvifPullWait, renewEvery)
	renewed := time.Now()
	for ctx.Err() == nil {
		if time.Since(renewed) >= renewEvery {
			if err := sub.Renew(ctx, e.cfg.ONVIFTerm); err != nil {
				return err
			}
			renewed = time.Now()
		}
		ns, err := sub.Pull(ctx, wait, onvifPullLimit)
		if err != nil {
			return err
		}
		e.cameraNotifications(ctx, c, ns)
	}
	return ctx.Err()
}

// cameraNotifications records what camera c said, pulled or pushed alike:
// each notification classified, and those that mean something to a
// recorder recorded through the lifecycle.
func (e *Events) cameraNotifications(ctx context.Context, c nvr.Camera, ns []onvif.Notification) {
	for _, n := range ns {
		d, ok := onvif.Classify(n)
		if !ok {
			continue
		}
		if _, err := e.record(ctx, cameraActivity(c.ID, d, e.cfg.Now())); err != nil && ctx.Err() == nil {
			e.cfg.Log.Warn("record camera event", "camera", string(c.ID), "err", err)
		}
	}
}

// cameraActivity maps a camera's detection to the lifecycle's activity,
// stamped with Hearth's clock (the camera's may be off). Motion is a
// motion event; what else the camera saw is a trigger labelled with it.
func cameraActivity(cam nvr.CameraID, d onvif.Detection, now time.Time) activity {
	a := activity{cam: cam, kind: nvr.EventMotion, at: now, until: now, moving: d.Active, stop: !d.Active}
	if d.Kind != onvif.KindMotion {
		a.kind = nvr.EventTrigger
		a.label = d.Kind
		if d.Label != "" {
			a.label += " (" + d.Label + ")"
		}
		a.label = cleanLabel(a.label)
	}
	if d.Instant {
		a.until = now.Add(time.Second) // a crossing is a moment; the post roll does the rest
	}
	return a
}

// cleanLabel keeps a label the camera named within what a label may be:
// printable characters, at most nvr.MaxLabelLen of them.
func cleanLabel(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if len(out) == nvr.MaxLabelLen {
			break
		}
		if unicode.IsPrint(r) {
			out = append(out, r)
		}
	}
	return string(out)
}
