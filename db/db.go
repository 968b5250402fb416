// Package db keeps Hearth's households, users, cameras, viewer assignments,
// sessions, API tokens and audit log in one SQLite file, and implements the
// store interfaces declared by package nvr.
//
// Connections: one *sql.DB with a single connection does every write, and
// its transactions begin IMMEDIATE, so writers queue in Go instead of
// failing with SQLITE_BUSY on a lock upgrade; a second, pooled *sql.DB of
// query-only connections serves reads, which WAL lets run alongside the
// writer. Other processes (the CLI) may open the same file while the server
// runs; the 5 s busy timeout makes each wait for the other's write.
//
// Times are stored as INTEGER Unix nanoseconds; the zero time.Time is
// stored as 0 and read back as the zero time.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/nvr"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// The store interfaces DB implements.
var (
	_ nvr.PolicyStore    = (*DB)(nil)
	_ nvr.AuthStore      = (*DB)(nil)
	_ nvr.DirectoryStore = (*DB)(nil)
)

const (
	// DefaultSessionIdleTimeout matches nvr.AuthConfig's default IdleTimeout.
	DefaultSessionIdleTimeout = 7 * 24 * time.Hour
	// DefaultReaders is the default size of the read connection pool.
	DefaultReaders = 4
	// busyTimeoutMs is how long a connection waits for another connection's
	// (or process's) write lock before failing with SQLITE_BUSY.
	busyTimeoutMs = 5000
)

// DB is Hearth's SQLite database. Safe for concurrent use; Close waits for
// queries in flight.
type DB struct {
	path   string
	writer *sql.DB // one connection, BEGIN IMMEDIATE
	reader *sql.DB // pooled, query_only
	idle   time.Duration
	hot    hotStatements
	// writes are the directory's writes over writer, each committing on
	// its own; Change runs them in one transaction with their audit row.
	writes
}

// Option configures Open.
type Option func(*config)

type config struct {
	sessionIdleTimeout time.Duration
	readers            int
}

// WithSessionIdleTimeout sets how long an unused session stays valid for
// the policy's credential check. It must equal the nvr.AuthConfig
// IdleTimeout that nvr.Auth uses (cmd wires both from one flag); d <= 0
// keeps DefaultSessionIdleTimeout.
func WithSessionIdleTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.sessionIdleTimeout = d
		}
	}
}

// WithReaders sets the number of pooled read connections; n <= 0 keeps
// DefaultReaders.
func WithReaders(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.readers = n
		}
	}
}

// Open opens (creating if needed) the database file at path and brings its
// schema up to date. It fails if the file is not a SQLite database or its
// schema is newer than this build knows (errors.Is(err, ErrSchemaTooNew)).
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	cfg := config{sessionIdleTimeout: DefaultSessionIdleTimeout, readers: DefaultReaders}
	for _, o := range opts {
		o(&cfg)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := makePrivate(abs); err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	d := &DB{path: abs, idle: cfg.sessionIdleTimeout}
	if err := d.open(ctx, cfg); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

func (d *DB) open(ctx context.Context, cfg config) error {
	op := "open database " + d.path
	var err error
	d.writer, err = sql.Open("sqlite", dsn(d.path, roleWriter))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	d.writer.SetMaxOpenConns(1)
	d.writer.SetMaxIdleConns(1)
	d.writer.SetConnMaxLifetime(0)
	d.writer.SetConnMaxIdleTime(0)
	d.writes = writes{c: d.writer}
	// The connection's pragmas run here, so a file that is not a database
	// fails now rather than on the first query.
	if err := d.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := migrate(ctx, d.writer, op); err != nil {
		return err
	}

	d.reader, err = sql.Open("sqlite", dsn(d.path, roleReader))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	d.reader.SetMaxOpenConns(cfg.readers)
	d.reader.SetMaxIdleConns(cfg.readers)
	d.reader.SetConnMaxLifetime(0)
	d.reader.SetConnMaxIdleTime(0)
	if err := d.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := d.hot.prepare(ctx, d.reader, d.writer); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// connRole selects the DSN of a connection pool.
type connRole int

const (
	roleWriter connRole = iota // sets WAL, takes the write lock at BEGIN
	roleReader                 // query-only
	roleBackup                 // reads, and may write other files (VACUUM INTO)
)

// dsn returns the modernc.org/sqlite data source name for path. Only the
// writer sets journal_mode: WAL is persistent in the file, and setting it
// needs a write.
func dsn(path string, role connRole) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(busyTimeoutMs)+")")
	if role == roleWriter {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	switch role {
	case roleWriter:
		q.Set("_txlock", "immediate")
	case roleReader:
		q.Set("_query_only", "1")
	}
	// A file: URI with an escaped path, so '?', '#' or '%' in a directory
	// name cannot be mistaken for parameters.
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Path returns the absolute path of the database file.
func (d *DB) Path() string { return d.path }

// Close closes the database after the queries in flight finish; later
// calls fail with a "database is closed" error instead of touching the
// file. Closing twice is harmless.
func (d *DB) Close() error {
	errs := []error{d.hot.close()}
	if d.reader != nil {
		errs = append(errs, d.reader.Close())
	}
	if d.writer != nil {
		// Let SQLite refresh its query planner statistics, as it
		// recommends before closing a long-lived connection. After a first
		// Close this fails harmlessly.
		_, _ = d.writer.Exec("PRAGMA optimize")
		errs = append(errs, d.writer.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database %s: %w", d.path, err)
	}
	return nil
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE) and commits it.
func (d *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// ns converts a time to stored nanoseconds; the zero time is 0.
func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNs converts stored nanoseconds to a UTC time; 0 is the zero time.
func fromNs(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// nullID stores 0 as NULL for optional references.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// nullText stores "" as NULL for optional references.
func nullText(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// b2i stores a bool as 0 or 1.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
