package db_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// TestNotifyChangeCommitsWithItsAuditRow: a notification settings change
// and its audit row are one transaction, as a directory change and its
// row are. The local operator's (the CLI's) changes are recorded under
// "cli"; when the audit log refuses the row, neither a channel nor a rule
// is added or removed, and the change reports its failure; a change that
// fails writes nothing but its "failed" row.
func TestNotifyChangeCommitsWithItsAuditRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	d, err := db.Open(ctx, path)
	noErr(t, err)
	t.Cleanup(func() { _ = d.Close() })
	pol := nvr.NewPolicy(d, nil, nil)
	cli := pol.LocalOperator()
	op := nvr.NewDirectory(d, nil, cheapArgon2).ForAdmin(cli)
	notes := nvr.NewNotifications(d, pol, nil, nil)

	h := must[nvr.Household](t)(op.AddHousehold(ctx, "Smiths"))
	u := must[nvr.User](t)(op.AddUser(ctx, nvr.NewUser{Name: "ana", HouseholdID: h.ID, Role: nvr.RoleOwner, Password: password}))
	cam := must[nvr.Camera](t)(op.AddCamera(ctx, nvr.NewCamera{HouseholdID: h.ID, Name: "Door", MainURL: "rtsp://192.0.2.1/x"}))
	lastAudit := func() nvr.AuditEntry {
		t.Helper()
		rows := must[[]nvr.AuditEntry](t)(d.Audit(ctx, 1))
		if len(rows) != 1 {
			t.Fatalf("audit: %+v", rows)
		}
		return rows[0]
	}
	// A loopback target needs no name lookup and only the admin may set it.
	hook := nvr.NotifyChannel{Kind: nvr.ChannelWebhook, Name: "hook", Target: "http://127.0.0.1:9/hook", LocalOK: true}
	ch := must[nvr.NotifyChannel](t)(notes.AddChannelFor(ctx, cli, u.ID, hook))
	if e := lastAudit(); e.Action != "notify-channel-add" || e.Result != "ok" || e.Principal != "cli" || e.UserID != u.ID {
		t.Fatalf("audit after the CLI's channel: %+v", e)
	}
	rule := must[nvr.NotifyRule](t)(notes.AddRuleFor(ctx, cli, u.ID, nvr.NotifyRule{CameraID: cam.ID, Kinds: []nvr.NotifyKind{nvr.NotifyMotion}}))
	if e := lastAudit(); e.Action != "notify-rule-add" || e.Result != "ok" || e.CameraID != cam.ID {
		t.Fatalf("audit after the CLI's rule: %+v", e)
	}

	// A change that fails (no such rule) writes nothing but its row.
	if err := notes.RemoveRuleFor(ctx, cli, u.ID, nvr.NotifyRuleID(nvr.NewCameraID())); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("removing a missing rule: %v", err)
	}
	if e := lastAudit(); e.Action != "notify-rule-remove" || e.Result != "failed" {
		t.Fatalf("audit after a failed change: %+v", e)
	}

	// The audit log refuses rows (a trigger stands in for a full or broken
	// log): no change may be made, and each reports its failure.
	raw, err := sql.Open("sqlite", path)
	noErr(t, err)
	defer raw.Close()
	_, err = raw.ExecContext(ctx, `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log refused'); END`)
	noErr(t, err)
	if _, err := notes.AddChannelFor(ctx, cli, u.ID, hook); err == nil {
		t.Fatal("a channel whose audit row failed was reported added")
	}
	if _, err := notes.AddRuleFor(ctx, cli, u.ID, nvr.NotifyRule{Kinds: []nvr.NotifyKind{nvr.NotifyTrigger}}); err == nil {
		t.Fatal("a rule whose audit row failed was reported added")
	}
	if err := notes.RemoveChannelFor(ctx, cli, u.ID, ch.ID); err == nil {
		t.Fatal("a channel removal whose audit row failed was reported done")
	}
	if err := notes.RemoveRuleFor(ctx, cli, u.ID, rule.ID); err == nil {
		t.Fatal("a rule removal whose audit row failed was reported done")
	}
	chs := must[[]nvr.NotifyChannel](t)(d.NotifyChannels(ctx, u.ID))
	rules := must[[]nvr.NotifyRule](t)(d.NotifyRules(ctx, u.ID))
	if len(chs) != 1 || chs[0].ID != ch.ID || len(rules) != 1 || rules[0].ID != rule.ID {
		t.Fatalf("changes were made without their audit rows: channels %+v, rules %+v", chs, rules)
	}

	_, err = raw.ExecContext(ctx, `DROP TRIGGER refuse_audit`)
	noErr(t, err)
	noErr(t, notes.RemoveChannelFor(ctx, cli, u.ID, ch.ID))
	if e := lastAudit(); e.Action != "notify-channel-remove" || e.Result != "ok" || e.Principal != "cli" {
		t.Fatalf("audit after the removal: %+v", e)
	}
	if chs := must[[]nvr.NotifyChannel](t)(d.NotifyChannels(ctx, u.ID)); len(chs) != 0 {
		t.Fatalf("channels after the removal: %+v", chs)
	}
}
