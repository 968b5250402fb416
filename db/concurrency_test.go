package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// TestConcurrentReadersAndWriters runs the request path (authenticate,
// decide, audit) from many goroutines while the server's writer and a
// second process-like handle on the same file (the CLI) change the
// directory. Run with -race.
func TestConcurrentReadersAndWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{})
	token, _, err := a.auth.Login(ctx, "alice", password, nvr.ClientInfo{Addr: "192.0.2.1"})
	noErr(t, err)
	cli, err := db.Open(ctx, a.d.Path())
	noErr(t, err)
	defer cli.Close()

	const (
		readers    = 8
		iterations = 150
	)
	var wg sync.WaitGroup
	errs := make(chan error, readers+2)
	for r := range readers {
		wg.Go(func() {
			for i := range iterations {
				p, err := a.auth.Authenticate(ctx, token)
				if err != nil {
					errs <- fmt.Errorf("reader %d: authenticate: %w", r, err)
					return
				}
				action := nvr.ActionViewCamera
				if i%10 == 0 {
					action = nvr.ActionViewRecordings // writes an audit row
				}
				if _, err := a.pol.Camera(ctx, p, action, a.cam1.ID); err != nil {
					errs <- fmt.Errorf("reader %d: camera: %w", r, err)
					return
				}
				if _, err := a.pol.Camera(ctx, p, nvr.ActionViewCamera, a.cam2.ID); !errors.Is(err, nvr.ErrNotFound) {
					errs <- fmt.Errorf("reader %d: other household: %v", r, err)
					return
				}
			}
		})
	}
	wg.Go(func() { // the server's own writes
		for i := range iterations {
			h, err := a.d.CreateHousehold(ctx, fmt.Sprintf("server %d", i), t0)
			if err == nil {
				err = a.d.AssignCamera(ctx, a.viewer.ID, a.cam1b.ID)
			}
			if err == nil {
				err = a.d.UnassignCamera(ctx, a.viewer.ID, a.cam1b.ID)
			}
			if err == nil {
				err = a.d.DeleteHousehold(ctx, h.ID)
			}
			if err != nil {
				errs <- fmt.Errorf("server writer: %w", err)
				return
			}
		}
	})
	wg.Go(func() { // another process on the same file
		for i := range iterations / 3 {
			h, err := cli.CreateHousehold(ctx, fmt.Sprintf("cli %d", i), t0)
			if err == nil {
				err = cli.AppendAudit(ctx, nvr.AuditEntry{At: t0, Principal: "cli", Action: "add household", Result: "ok"})
			}
			if err == nil {
				err = cli.DeleteHousehold(ctx, h.ID)
			}
			if err != nil {
				errs <- fmt.Errorf("cli writer: %w", err)
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Every media grant, every denial of an existing camera, every CLI row.
	audit := must[[]nvr.AuditEntry](t)(a.d.Audit(ctx, 10000))
	if got, want := len(audit), readers*iterations/10+readers*iterations+iterations/3; got != want {
		t.Fatalf("audit rows = %d, want %d", got, want)
	}
}
