package nvr

import "context"

// record writes the audit row of one administrative change made under a
// grant, whatever its outcome: the directory records its own changes so no
// handler can forget to. It returns err, or, when the change succeeded but
// its row could not be written, that failure: a change that is not on record
// is not reported as done (as a media grant is refused without its row).
func (d *Directory) record(ctx context.Context, s Subject, cam CameraID, action string, err error) error {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	e := AuditEntry{At: d.now(), UserID: s.User.ID, Principal: s.Principal.String(), CameraID: cam, Action: action, Result: result}
	if aerr := d.store.AppendAudit(ctx, e); aerr != nil && err == nil {
		return Wrap("record "+action, aerr)
	}
	return err
}
