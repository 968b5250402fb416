package nvr

import (
	"context"
	"fmt"
	"time"
)

// MediaSession describes a finished live or playback session (MSE, WHEP)
// for the audit log.
type MediaSession struct {
	Kind       string // "mse", "whep", "replay"
	Stream     string // "main" or "sub"
	Start, End time.Time
	Bytes      int64  // media bytes sent
	Reason     string // why it ended: "closed", "revoked", "error", ...
}

// AuditSession writes the audit row of a finished media session: who (the
// grant's user and credential), which camera, when it started and ended,
// and the bytes sent. It is written with its own context, so a session
// ended by a cancelled request is still on record.
func (pol *Policy) AuditSession(g CameraGrant, s MediaSession) error {
	if err := g.Require(g.action); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e := auditEntry(s.End, g.subject, g.camera.ID, g.action, "ended")
	e.Detail = fmt.Sprintf("session=%s stream=%s start=%s end=%s bytes=%d reason=%s",
		s.Kind, s.Stream, s.Start.UTC().Format(time.RFC3339Nano), s.End.UTC().Format(time.RFC3339Nano), s.Bytes, s.Reason)
	if err := pol.store.AppendAudit(ctx, e); err != nil {
		pol.log.Error("write session audit row", "err", err, "camera", g.camera.ID)
		return Wrap("audit session", err)
	}
	return nil
}
