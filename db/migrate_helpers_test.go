package db

import (
	"database/sql"
	"strconv"
	"strings"
	"testing"
)

// migrationBefore returns the schema version just before the migration
// whose file name ends in suffix (its index among the migrations), so a
// test names the migration it upgrades across, never its number.
func migrationBefore(t *testing.T, suffix string) int {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if strings.HasSuffix(m.name, suffix) {
			return i
		}
	}
	t.Fatalf("no migration *%s", suffix)
	return -1
}

// writeDatabaseAt writes a database file at dsn with the schema of version
// before (the migrations up to it, as a release of that version left it)
// and runs rows, the data the upgrade must carry, in it.
func writeDatabaseAt(t *testing.T, dsn string, before int, rows ...string) {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1) // one connection: pragmas hold for every statement
	var stmts []string
	for _, m := range ms[:before] {
		stmts = append(stmts, m.sql)
	}
	stmts = append(stmts, "PRAGMA user_version = "+strconv.Itoa(before))
	for _, q := range append(stmts, rows...) {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
}
