package offsite

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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
	restored, err := Restore(f.ids, filepath.Join(srv.Local, "hearth"), t.TempDir())
	got := restored.Segments
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

// stallProxy forwards TCP connections to target until stall is set; then
// it forwards nothing more either way (a link or NAS that stops answering
// with the connection still open) until the test ends.
type stallProxy struct {
	addr  string
	stall atomic.Bool
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{addr: l.Addr().String()}
	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(done); l.Close(); wg.Wait() })
	pipe := func(dst, src net.Conn) {
		defer dst.Close()
		defer src.Close()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			for p.stall.Load() {
				select {
				case <-done:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Go(func() { pipe(s, c) })
			wg.Go(func() { pipe(c, s) })
		}
	})
	return p
}

// TestStalledTargetGivesWayToOthers: household 1 copies over SFTP to a
// real OpenSSH server through a link that then stalls with the connection
// open; household 2 copies to a directory. The one worker gives up on
// household 1's write after its time (OpTimeout, here 1 s), says so on
// household 1's storage page, and copies household 2's footage; before,
// it waited on the stalled server for good and every household's copy
// stopped with it.
func TestStalledTargetGivesWayToOthers(t *testing.T) {
	key, err := GenerateSSHKey()
	if err != nil {
		t.Fatal(err)
	}
	srv := testpeer.StartSSHD(t)
	srv.Authorize(t, key.Authorized)
	link := newStallProxy(t, srv.Addr)
	k1, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	confs := map[nvr.HouseholdID]nvr.OffsiteTarget{
		1: {Household: 1, Kind: nvr.OffsiteSFTP, SFTPAddr: link.addr, SFTPUser: srv.User, SFTPKey: key.Private,
			Path: srv.Dir + "/hearth", Recipient: k1.Recipient},
		2: {Household: 2, Kind: nvr.OffsiteDir, Path: dir2, Recipient: k2.Recipient},
	}
	c := NewCopier(Config{
		Targets: targetsFunc(func(_ context.Context, h nvr.HouseholdID) (nvr.OffsiteTarget, error) {
			if conf, ok := confs[h]; ok {
				return conf, nil
			}
			return nvr.OffsiteTarget{}, nvr.ErrNotFound
		}),
		Pin:        func(context.Context, nvr.HouseholdID, string) error { return nil },
		OpTimeout:  time.Second,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	status := func(h nvr.HouseholdID) Status {
		st, err := c.StatusOf(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	local := t.TempDir()
	first, _ := localSegment(t, local, 31, 1, 1000)
	first.Closed = true
	c.Durable(first)
	waitFor(t, 30*time.Second, "household 1's first copy over SFTP", func() bool {
		st := status(1)
		return st.Backlog == 0 && !st.LastCopied.IsZero()
	})

	link.stall.Store(true)
	stuck, _ := localSegment(t, local, 32, 2, 200<<10)
	stuck.Closed = true
	c.Durable(stuck)
	other, _ := localSegment(t, local, 33, 2, 1000)
	other.Household, other.Closed = 2, true
	c.Durable(other)
	waitFor(t, 30*time.Second, "household 2's copy while household 1's target is stalled", func() bool {
		_, err := os.Stat(filepath.Join(dir2, "cam-33", "seg33", "000002.m4s.age"))
		return err == nil
	})
	waitFor(t, 30*time.Second, "household 1 told its target stopped answering", func() bool {
		return strings.Contains(status(1).Error, "stopped answering")
	})
}
