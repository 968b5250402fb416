package nvr

import "context"

// change makes one administrative change for s: fn's writes and the
// change's audit row commit in one transaction, so the audit log names
// every change the directory made and no change is made whose row could
// not be written. A change that fails wrote nothing; its attempt is
// recorded on its own row, and its error is returned even if that row
// cannot be written (the caller learns what happened to the change).
func (d *Directory) change(ctx context.Context, s Subject, cam CameraID, action string, fn func(w DirectoryWriter) error) error {
	return d.changeNoted(ctx, s, cam, action, "", fn)
}

// changeNoted is change with a detail on its audit row (what was set,
// e.g. a schedule's window; never a secret).
func (d *Directory) changeNoted(ctx context.Context, s Subject, cam CameraID, action, detail string, fn func(w DirectoryWriter) error) error {
	e := AuditEntry{At: d.now(), UserID: s.User.ID, Principal: s.Principal.String(), CameraID: cam, Action: action,
		Result: "ok", Detail: detail}
	err := d.store.Change(ctx, e, fn)
	if err == nil {
		return nil
	}
	e.Result = "failed"
	_ = d.store.AppendAudit(ctx, e)
	return err
}

// refused records a change refused before it began (bad input), so the
// audit log shows attempts as well as changes; it returns err.
func (d *Directory) refused(ctx context.Context, s Subject, cam CameraID, action string, err error) error {
	e := AuditEntry{At: d.now(), UserID: s.User.ID, Principal: s.Principal.String(), CameraID: cam, Action: action, Result: "failed"}
	_ = d.store.AppendAudit(ctx, e)
	return err
}
