package nvr

import (
	"context"
	"strconv"
	"time"
)

// errSharePasscode answers a link that needs its passcode, or got a wrong
// one. Only the holder of a live link's secret ever sees it.
var errSharePasscode = &Error{Op: "open share link", Kind: KindUnauthorized, Msg: "this link needs its passcode"}

// ShareLink decides a request made with a share link's secret: the link
// is looked up by the secret's digest and decided against its row, its
// creator and its camera as they are now (decideShareUse), with the
// proof of the passcode when the link has one (the passcode itself, or
// the unlock a right passcode earned: ShareUnlock). count marks a use that
// starts a media session or a download: a link without views left is
// refused, and the caller takes the view with UseShareView once the media
// is ready, before handing any out, so a camera that is not streaming or
// a clip that cannot be made uses none. Unknown, malformed, expired,
// revoked, used-up and out-of-scope links all answer the same
// ErrNotFound. Every decision about an existing link is audited under
// the principal "link:N". The grant is for the link's camera only, and a
// clip link's grant carries its range (CameraGrant.Window), which
// playback clamps every read to.
func (pol *Policy) ShareLink(ctx context.Context, secret string, proof ShareProof, a Action, count bool) (CameraGrant, ShareLink, error) {
	if pol.shares == nil || !IsShareSecret(secret) {
		return CameraGrant{}, ShareLink{}, ErrNotFound
	}
	acc, err := pol.shares.ShareAccessByDigest(ctx, HashToken(secret))
	if ErrorKind(err) == KindNotFound {
		return CameraGrant{}, ShareLink{}, ErrNotFound
	}
	if err != nil {
		return CameraGrant{}, ShareLink{}, Wrap("open share link", err)
	}
	now := pol.now()
	acc.Camera.ShutterClosed = acc.Camera.Exists && acc.Camera.Camera.Shutter.ClosedAt(now)
	l := acc.Link
	subj := Subject{Principal: shareLinkPrincipal(l), User: acc.Creator, CredentialValid: true}
	if !decideShareUse(acc, a, now) {
		pol.auditShare(ctx, subj, l, a, "denied", "")
		return CameraGrant{}, ShareLink{}, ErrNotFound
	}
	// A browser that gave the right passcode shows its unlock, and is not
	// slowed by someone else's guessing.
	if l.HasPasscode() && !shareUnlocked(secret, l, proof.Unlock) {
		// The link is the account and its own "address": every holder of
		// the secret is the same anonymous party, and one link's guessing
		// must not slow another link.
		key := "share-link:" + strconv.FormatInt(l.ID, 10)
		if wait := pol.shareLimiter.Wait(key, key); wait > 0 {
			return CameraGrant{}, ShareLink{}, &Error{Op: "open share link", Kind: KindUnavailable,
				Msg: "too many wrong passcodes; try again later", RetryAfter: wait}
		}
		passcode := proof.Passcode
		if passcode == "" || len(passcode) > MaxSharePasscodeLen || !VerifyPassword(passcode, l.PasscodeHash) {
			if passcode != "" {
				pol.shareLimiter.Failed(key, key)
				pol.auditShare(ctx, subj, l, a, "denied", "wrong passcode")
			}
			return CameraGrant{}, ShareLink{}, errSharePasscode
		}
		pol.shareLimiter.Succeeded(key, key)
	}
	if count && l.UsedUp() {
		pol.auditShare(ctx, subj, l, a, "denied", "no views left")
		return CameraGrant{}, ShareLink{}, ErrNotFound
	}
	// Every use is on record before anything is handed out.
	if err := pol.shares.AppendAudit(ctx, shareAudit(now, subj, l, a, "granted", "")); err != nil {
		return CameraGrant{}, ShareLink{}, Wrap("open share link", err)
	}
	g := CameraGrant{camera: acc.Camera.Camera, action: a, subject: subj}
	if l.Kind == ShareClip {
		g.window = l.Window
	}
	return g, l, nil
}

// UseShareView takes one of the link's views for a use ShareLink granted
// with count, atomically: ErrNotFound when none is left (another use took
// the last one meanwhile), audited. The caller calls it when the session
// or download is ready and before anything is handed out; a use that
// failed before that takes no view.
func (pol *Policy) UseShareView(ctx context.Context, g CameraGrant) error {
	id := g.ShareLinkID()
	if pol.shares == nil || id == 0 {
		return ErrNotFound
	}
	ok, err := pol.shares.CountShareView(ctx, id)
	if err != nil {
		return Wrap("use share link", err)
	}
	if !ok {
		l := ShareLink{ID: id, CameraID: g.CameraID(), CreatedBy: g.subject.User.ID, Kind: ShareLive}
		if _, clip := g.Window(); clip {
			l.Kind = ShareClip
		}
		pol.auditShare(ctx, g.subject, l, g.action, "denied", "no views left")
		return ErrNotFound
	}
	return nil
}

// recheckShare decides a link grant again (Recheck): the link must still
// exist (not revoked), be unexpired and pass decideShareUse for the same
// camera, household and range. The passcode and the view count were
// settled when the session began.
func (pol *Policy) recheckShare(ctx context.Context, g CameraGrant) error {
	if pol.shares == nil {
		return ErrNotFound
	}
	acc, err := pol.shares.ShareAccessByID(ctx, g.subject.Principal.CredentialID)
	if ErrorKind(err) == KindNotFound {
		return ErrNotFound
	}
	if err != nil {
		return Wrap("recheck share link", err)
	}
	now := pol.now()
	acc.Camera.ShutterClosed = acc.Camera.Exists && acc.Camera.Camera.Shutter.ClosedAt(now)
	if !decideShareUse(acc, g.action, now) || acc.Camera.Camera.HouseholdID != g.camera.HouseholdID ||
		acc.Link.CameraID != g.camera.ID || acc.Link.CreatedBy != g.subject.User.ID {
		return ErrNotFound
	}
	if acc.Link.Kind == ShareClip && acc.Link.Window != g.window {
		return ErrNotFound
	}
	return nil
}

// auditShare records a refused use of an existing link: queued when the
// policy has a denial queue (so a refused link answers as fast as an
// unknown one, which has no row), else written now.
func (pol *Policy) auditShare(ctx context.Context, subj Subject, l ShareLink, a Action, result, why string) {
	e := shareAudit(pol.now(), subj, l, a, result, why)
	if pol.denials != nil {
		pol.denials.Enqueue(e)
		return
	}
	if err := pol.shares.AppendAudit(ctx, e); err != nil {
		pol.log.Error("write audit row", "err", err, "camera", l.CameraID, "link", l.ID)
	}
}

func shareAudit(at time.Time, subj Subject, l ShareLink, a Action, result, why string) AuditEntry {
	e := auditEntry(at, subj, l.CameraID, a, result)
	e.Detail = "share link " + strconv.FormatInt(l.ID, 10) + " (" + string(l.Kind) + ")"
	if why != "" {
		e.Detail += ": " + why
	}
	return e
}
