package db_test

import (
	"context"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// TestOffsiteTargets: the schema refuses what nvr would (a kind, a key
// that is not age's, a missing household), a second pin of another host
// key conflicts, and a target goes with its household.
func TestOffsiteTargets(t *testing.T) {
	ctx := context.Background()
	d := openDB(t)
	h, err := d.CreateHousehold(ctx, "Smiths", t0)
	if err != nil {
		t.Fatal(err)
	}
	put := func(tg nvr.OffsiteTarget) error {
		return d.OffsiteChange(ctx, nvr.AuditEntry{At: t0, Principal: "cli", Action: "offsite-set", Result: "ok"},
			func(w nvr.OffsiteWriter) error { return w.PutOffsiteTarget(ctx, tg) })
	}
	good := nvr.OffsiteTarget{Household: h.ID, Kind: nvr.OffsiteSFTP, Path: "/b", SFTPAddr: "127.0.0.1:22", SFTPUser: "u",
		SFTPKey: nvr.NewSecret("k"), Recipient: "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", Continuous: true, UpdatedAt: t0}
	bad := good
	bad.Kind = "ftp"
	wantKind(t, put(bad), nvr.KindInvalid)
	bad = good
	bad.Recipient = "ssh-ed25519 AAAA"
	wantKind(t, put(bad), nvr.KindInvalid)
	bad = good
	bad.Household = 999
	wantKind(t, put(bad), nvr.KindNotFound)
	if err := put(good); err != nil {
		t.Fatal(err)
	}
	pin := func(key string) error {
		return d.OffsiteChange(ctx, nvr.AuditEntry{At: t0, Principal: "offsite", Action: "offsite-pin-host-key", Result: "ok"},
			func(w nvr.OffsiteWriter) error { return w.PinOffsiteHostKey(ctx, h.ID, key) })
	}
	if err := pin("ssh-ed25519 AAAAone"); err != nil {
		t.Fatal(err)
	}
	if err := pin("ssh-ed25519 AAAAone"); err != nil {
		t.Errorf("pinning the same key again: %v", err)
	}
	wantKind(t, pin("ssh-ed25519 AAAAtwo"), nvr.KindConflict)
	got, err := d.OffsiteTarget(ctx, h.ID)
	if err != nil || got.SFTPHostKey != "ssh-ed25519 AAAAone" || got.SFTPKey.Reveal() != "k" || !got.Continuous || !got.UpdatedAt.Equal(t0) {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if err := d.DeleteHousehold(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	_, err = d.OffsiteTarget(ctx, h.ID)
	wantKind(t, err, nvr.KindNotFound)
}
