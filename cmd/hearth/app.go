package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

const databaseFile = "hearth.db"

// app is the wired core shared by serve and the admin commands.
type app struct {
	dataDir   string
	store     *db.DB
	policy    *nvr.Policy
	audits    *nvr.AuditQueue // denials' audit rows; serve runs it, Close drains it
	auth      *nvr.Auth
	directory *nvr.Directory
}

// appOptions tunes the core for a command.
type appOptions struct {
	log  *slog.Logger
	now  func() time.Time
	auth nvr.AuthConfig
}

// openApp prepares the data directory and opens the database. The admin
// commands use it while serve runs: SQLite's WAL and busy timeout let them
// share the file.
func openApp(ctx context.Context, dataDir string, o appOptions) (*app, error) {
	if err := prepareDataDir(dataDir); err != nil {
		return nil, err
	}
	if o.now == nil {
		o.now = time.Now
	}
	o.auth.Now = o.now
	auth := o.auth
	store, err := db.Open(ctx, filepath.Join(dataDir, databaseFile), db.WithSessionIdleTimeout(sessionIdle(auth)))
	if err != nil {
		return nil, err
	}
	log := o.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	audits := nvr.NewAuditQueue(store, 0, log.With("part", "audit"))
	a := &app{
		dataDir:   dataDir,
		store:     store,
		audits:    audits,
		policy:    nvr.NewPolicy(store, o.now, o.log, nvr.WithDenialQueue(audits)),
		auth:      nvr.NewAuth(store, auth),
		directory: nvr.NewDirectory(store, o.now, auth.Argon2),
	}
	return a, nil
}

func sessionIdle(c nvr.AuthConfig) time.Duration {
	if c.IdleTimeout == 0 {
		return 7 * 24 * time.Hour
	}
	return c.IdleTimeout
}

// Close writes the audit rows still queued (the admin commands never run
// the queue) and closes the database.
func (a *app) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.audits.Drain(ctx)
	return a.store.Close()
}

// prepareDataDir creates the data directory (private to the service user)
// and proves it is writable, so a read-only or wrong path fails at start
// with one clear line instead of on the first recording.
func prepareDataDir(dir string) error {
	if dir == "" {
		return fmt.Errorf("data directory must not be empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory %s is not usable: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory %s is not usable: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data directory %s is not a directory", dir)
	}
	// A new directory is 0700 whatever the umask (it can only take bits
	// away). An existing one loses only the bits for others: the group may be
	// the operator's choice (the package's /var/lib/hearth is 0750 for the
	// hearth group), and the database inside is 0600 regardless (db.FileMode).
	if perm := fi.Mode().Perm(); perm&0o007 != 0 {
		if err := os.Chmod(dir, perm&^0o007); err != nil {
			return fmt.Errorf("data directory %s is open to every user and could not be closed: %w", dir, err)
		}
	}
	probe := filepath.Join(dir, ".hearth-write-probe")
	f, err := os.OpenFile(probe, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, err)
	}
	_, werr := f.Write([]byte("ok"))
	cerr := f.Close()
	_ = os.Remove(probe)
	if werr != nil || cerr != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, firstErr(werr, cerr))
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// offsite is the households' off-site settings.
func (a *app) offsite() *nvr.Offsite { return nvr.NewOffsite(a.store, time.Now) }

// operator is the directory as the CLI's local operator sees it: every
// change goes through the same checks and audit rows as an admin's, under
// the principal "cli".
func (a *app) operator() nvr.AdminDirectory {
	return a.directory.ForAdmin(a.policy.LocalOperator())
}
