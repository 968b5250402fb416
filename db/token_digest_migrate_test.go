package db

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMigrateTokenDigest upgrades a database from just before the token
// digest migration, whose api_tokens is the one 0009_mqtt_integrations
// rebuilt, holding a view token and an MQTT integration's mqtt token: the
// column arrives empty for both (tokens made before carry no HA1, so they
// do not work over RTSP), every row and its integration are kept, and the
// partial index the digest lookup uses exists.
func TestMigrateTokenDigest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	before := migrationBefore(t, "_token_digest.sql")
	if rebuilt := migrationBefore(t, "_mqtt_integrations.sql"); rebuilt > before {
		t.Fatalf("token digest migration at %d, api_tokens rebuilt at %d: the digest must come after", before, rebuilt)
	}
	var stmts []string
	stmts = append(stmts,
		`INSERT INTO households (public_id, name, created_at_ns) VALUES ('`+nvr.NewPublicID()+`', 'Smiths', 1)`,
		`INSERT INTO users (public_id, name, household_id, role, password_hash, created_at_ns)
			VALUES ('`+nvr.NewPublicID()+`', 'ana', 1, 'owner', 'x', 1)`,
		`INSERT INTO api_tokens (public_id, user_id, name, scope, token_hash, created_at_ns) VALUES ('`+nvr.NewPublicID()+`', 1, 'ha', 'view', x'00112233445566778899aabbccddeeff', 5)`,
		`INSERT INTO api_tokens (public_id, user_id, name, scope, token_hash, created_at_ns) VALUES ('`+nvr.NewPublicID()+`', 1, 'mqtt', 'mqtt', x'10112233445566778899aabbccddeeff', 6)`,
		`INSERT INTO mqtt_integrations (household_id, token_id, topic_prefix, discovery_prefix, created_at_ns) VALUES (1, 2, 'hearth/x', 'homeassistant', 6)`)
	writeDatabaseAt(t, path, before, stmts...)
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer d.Close()
	rows, err := d.reader.QueryContext(ctx, `SELECT scope, digest_ha1 FROM api_tokens ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var scope, ha1 string
		if err := rows.Scan(&scope, &ha1); err != nil {
			t.Fatal(err)
		}
		got = append(got, scope+":"+strconv.Quote(ha1))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if want := `view:"" mqtt:""`; strings.Join(got, " ") != want {
		t.Fatalf("tokens after the migration %q, want %q", strings.Join(got, " "), want)
	}
	var n int
	if err := d.reader.QueryRowContext(ctx, `SELECT count(*) FROM mqtt_integrations WHERE token_id = 2`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the integration after the migration: %d, %v", n, err)
	}
	if err := d.reader.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'api_tokens_digest_user'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("digest index: %d, %v", n, err)
	}
}
