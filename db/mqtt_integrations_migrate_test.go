package db

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMigrateMQTTIntegrations upgrades a database from just before the
// MQTT integrations migration holding two API tokens (a third deleted, so
// the counter has a gap): the rebuilt api_tokens keeps every row, its ID,
// scope, hash and public ID, and the counter's high-water mark (a revoked
// token's row number never comes back); the new 'mqtt' scope is accepted,
// an unknown one still refused, and a token without a public ID too.
func TestMigrateMQTTIntegrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	before := migrationBefore(t, "_mqtt_integrations.sql")
	pub := []string{nvr.NewPublicID(), nvr.NewPublicID(), nvr.NewPublicID()}
	var stmts []string
	stmts = append(stmts,
		`INSERT INTO households (public_id, name, created_at_ns) VALUES ('`+nvr.NewPublicID()+`', 'Smiths', 1)`,
		`INSERT INTO users (public_id, name, household_id, role, password_hash, created_at_ns)
			VALUES ('`+nvr.NewPublicID()+`', 'ana', 1, 'owner', 'x', 1)`,
		`INSERT INTO api_tokens (public_id, user_id, name, scope, token_hash, created_at_ns) VALUES ('`+pub[0]+`', 1, 'a', 'view', x'00112233445566778899aabbccddeeff', 5)`,
		`INSERT INTO api_tokens (public_id, user_id, name, scope, token_hash, created_at_ns) VALUES ('`+pub[1]+`', 1, 'b', 'trigger', x'10112233445566778899aabbccddeeff', 6)`,
		`INSERT INTO api_tokens (public_id, user_id, name, scope, token_hash, created_at_ns) VALUES ('`+pub[2]+`', 1, 'c', 'all', x'20112233445566778899aabbccddeeff', 7)`,
		`DELETE FROM api_tokens WHERE name = 'c'`)
	writeDatabaseAt(t, path, before, stmts...)
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer d.Close()
	ts, err := d.Tokens(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].ID != 1 || ts[0].Scope != nvr.ScopeView || ts[0].PublicID != pub[0] ||
		ts[1].ID != 2 || ts[1].Scope != nvr.ScopeTrigger || ts[1].PublicID != pub[1] || ts[1].CreatedAt.UnixNano() != 6 {
		t.Fatalf("tokens after the migration: %+v", ts)
	}
	if _, err := d.TokenByHash(ctx, []byte{0x10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}); err != nil {
		t.Errorf("token by hash after the migration: %v", err)
	}
	w := d.writes
	tok, err := w.CreateToken(ctx, nvr.APIToken{UserID: 1, Name: "mqtt", Scope: nvr.ScopeMQTT, TokenHash: nvr.HashToken("x")})
	if err != nil {
		t.Fatalf("an mqtt-scope token: %v", err)
	}
	if tok.ID != 4 {
		t.Errorf("the next token's row is %d, want 4 (3 was used and deleted)", tok.ID)
	}
	if _, err := w.CreateToken(ctx, nvr.APIToken{UserID: 1, Name: "bad", Scope: "root", TokenHash: nvr.HashToken("y")}); nvr.ErrorKind(err) != nvr.KindInvalid {
		t.Errorf("an unknown scope: %v, want KindInvalid", err)
	}
	if _, err := d.writer.ExecContext(ctx, `INSERT INTO api_tokens (user_id, name, scope, token_hash, created_at_ns) VALUES (1, 'n', 'view', x'30112233445566778899aabbccddeeff', 1)`); err == nil {
		t.Errorf("a token without a public ID was accepted")
	}
}
