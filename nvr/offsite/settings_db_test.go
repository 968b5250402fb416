package offsite

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
)

// TestOffsiteSettingsInDatabase drives nvr.Offsite over a real SQLite
// file: the local operator sets, reads and removes a household's target,
// each change with its audit row; bad input is refused with a row of its
// own; a pinned host key is never replaced; the key stays a secret.
func TestOffsiteSettingsInDatabase(t *testing.T) {
	ctx := context.Background()
	w := dbtest.NewWorld(t, nil)
	pol := nvr.NewPolicy(w.DB, nil, nil)
	svc := nvr.NewOffsite(w.DB, nil)
	g, err := pol.OffsiteOperator(pol.LocalOperator(), w.Home.ID)
	if err != nil {
		t.Fatal(err)
	}
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pol.OffsiteOperator(nvr.AdminGrant{}, w.Home.ID); !errors.Is(err, nvr.ErrNotFound) {
		t.Errorf("a non-operator admin grant gave an offsite grant: %v", err)
	}
	if err := svc.Set(ctx, g, nvr.OffsiteTarget{Kind: nvr.OffsiteDir, Path: "relative", Recipient: key.Recipient}); nvr.ErrorKind(err) != nvr.KindInvalid {
		t.Errorf("relative path: %v, want invalid", err)
	}
	sftp := nvr.OffsiteTarget{Kind: nvr.OffsiteSFTP, Path: "/backup", SFTPAddr: "127.0.0.1:2222", SFTPUser: "friend",
		SFTPKey: nvr.NewSecret("-----BEGIN OPENSSH PRIVATE KEY-----secret"), Recipient: key.Recipient}
	// An address without a port is refused when typed, not at the first copy.
	noPort := sftp
	noPort.SFTPAddr = "192.0.2.77"
	if err := svc.Set(ctx, g, noPort); nvr.ErrorKind(err) != nvr.KindInvalid || !strings.Contains(err.Error(), "needs a port") {
		t.Errorf("SFTP address without a port: %v, want invalid saying it needs a port", err)
	}
	if err := svc.Set(ctx, g, sftp); err != nil {
		t.Fatal(err)
	}
	if err := svc.PinHostKey(ctx, w.Home.ID, "ssh-ed25519 AAAAfirst"); err != nil {
		t.Fatal(err)
	}
	if err := svc.PinHostKey(ctx, w.Home.ID, "ssh-ed25519 AAAAother"); nvr.ErrorKind(err) != nvr.KindConflict {
		t.Errorf("second pin: %v, want conflict", err)
	}
	// Setting the same address again keeps the pinned key.
	if err := svc.Set(ctx, g, sftp); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Target(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if got.SFTPHostKey != "ssh-ed25519 AAAAfirst" || got.SFTPKey.Reveal() != sftp.SFTPKey.Reveal() || got.Recipient != key.Recipient {
		t.Errorf("stored %+v", got)
	}
	if err := svc.Remove(ctx, g); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Target(ctx, g); !errors.Is(err, nvr.ErrNotFound) {
		t.Errorf("after remove: %v", err)
	}
	rows, err := w.DB.Audit(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, r := range rows {
		if strings.HasPrefix(r.Action, "offsite-") {
			seen = append(seen, r.Action+":"+r.Result)
		}
		if strings.Contains(r.Detail, "secret") || strings.Contains(r.Detail, "PRIVATE") {
			t.Errorf("audit row holds the key: %+v", r)
		}
	}
	want := map[string]bool{"offsite-set:failed": true, "offsite-set:ok": true, "offsite-pin-host-key:ok": true,
		"offsite-pin-host-key:failed": true, "offsite-remove:ok": true}
	for _, s := range seen {
		delete(want, s)
	}
	if len(want) != 0 {
		t.Errorf("audit rows %v miss %v", seen, want)
	}
}
