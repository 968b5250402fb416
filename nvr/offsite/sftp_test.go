package offsite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestSFTPTargetTrustOnFirstUse copies to a real OpenSSH server: the first
// connection pins its host key, the footage restores from what the server
// stored, nothing on it is plaintext; a server with another host key at
// the same address is refused, and the status says why.
func TestSFTPTargetTrustOnFirstUse(t *testing.T) {
	key, err := GenerateSSHKey()
	if err != nil {
		t.Fatal(err)
	}
	srv := testpeer.StartSSHD(t)
	srv.Authorize(t, key.Authorized)
	var mu sync.Mutex
	var pins []string
	f := newCopierFixture(t, "", Config{Pin: func(_ context.Context, h nvr.HouseholdID, k string) error {
		mu.Lock()
		defer mu.Unlock()
		if h != 1 {
			return errors.New("wrong household")
		}
		pins = append(pins, k)
		// What the store does: the next read of the target sees it.
		return nil
	}})
	setConf := func(c nvr.OffsiteTarget) {
		f.mu.Lock()
		f.conf = c
		f.mu.Unlock()
	}
	conf := nvr.OffsiteTarget{Household: 1, Kind: nvr.OffsiteSFTP, SFTPAddr: srv.Addr, SFTPUser: srv.User,
		SFTPKey: key.Private, Path: srv.Dir + "/hearth", Recipient: f.key.Recipient}
	setConf(conf)

	local := t.TempDir()
	n, whole := localSegment(t, local, 21, 4, 5000)
	n.Closed = true
	f.copier.Durable(n)
	waitFor(t, 30*time.Second, "copied over SFTP", func() bool {
		st := f.status(t)
		return st.Backlog == 0 && !st.LastCopied.IsZero() && st.Error == ""
	})
	mu.Lock()
	if len(pins) != 1 || pins[0] != srv.HostKey {
		t.Fatalf("pinned %q, want the server's %q", pins, srv.HostKey)
	}
	mu.Unlock()
	assertNoPlaintext(t, srv.Local)
	got, err := Restore(f.ids, filepath.Join(srv.Local, "hearth"), t.TempDir())
	if err != nil || len(got) != 1 {
		t.Fatalf("restore: %+v, %v", got, err)
	}
	if b, err := os.ReadFile(got[0].File); err != nil || string(b) != string(whole) {
		t.Fatalf("restored footage differs: %v", err)
	}

	// Another server at a pinned address: refused.
	conf.SFTPHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
	setConf(conf)
	n2, _ := localSegment(t, local, 22, 1, 100)
	n2.Closed = true
	f.copier.Durable(n2)
	waitFor(t, 30*time.Second, "a host key mismatch reported", func() bool {
		return strings.Contains(f.status(t).Error, "host key differs")
	})
	if _, err := os.Stat(filepath.Join(srv.Local, "hearth", "cam-22")); err == nil {
		t.Error("footage was written to a server whose host key does not match")
	}
	if st := f.status(t); st.Backlog != 1 {
		t.Errorf("backlog %d after refusal, want 1 (nothing lost)", st.Backlog)
	}
	for _, s := range []string{key.Private.Reveal(), "PRIVATE KEY"} {
		if strings.Contains(f.status(t).Error, s) {
			t.Error("the status shows the client key")
		}
	}
}
