package db_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	s := nvr.Session{UserID: w.owner.ID, TokenHash: nvr.HashToken("a"), CreatedAt: t0, LastSeenAt: t0,
		ExpiresAt: t0.Add(24 * time.Hour), ClientAddr: "192.0.2.7:5000", UserAgent: "test"}
	s.ID = must[int64](t)(d.CreateSession(ctx, s))

	got := must[nvr.Session](t)(d.SessionByTokenHash(ctx, s.TokenHash))
	if got.ID != s.ID || got.UserID != s.UserID || string(got.TokenHash) != string(s.TokenHash) ||
		!got.ExpiresAt.Equal(s.ExpiresAt) || got.ClientAddr != s.ClientAddr || got.UserAgent != s.UserAgent {
		t.Fatalf("SessionByTokenHash = %+v, want %+v", got, s)
	}
	_, err := d.CreateSession(ctx, s)
	wantKind(t, err, nvr.KindConflict)
	if strings.Contains(err.Error(), string(s.TokenHash)) {
		t.Fatal("error leaks the token hash")
	}
	bad := s
	bad.TokenHash, bad.UserID = nvr.HashToken("b"), 999
	_, err = d.CreateSession(ctx, bad)
	wantKind(t, err, nvr.KindNotFound)

	noErr(t, d.TouchSession(ctx, s.ID, t0.Add(time.Hour)))
	noErr(t, d.TouchSession(ctx, 999, t0)) // gone meanwhile: not an error
	list := must[[]nvr.Session](t)(d.Sessions(ctx, w.owner.ID))
	if len(list) != 1 || !list[0].LastSeenAt.Equal(t0.Add(time.Hour)) || list[0].TokenHash != nil {
		t.Fatalf("Sessions = %+v", list)
	}

	s2 := s
	s2.TokenHash = nvr.HashToken("c")
	s2.ID = must[int64](t)(d.CreateSession(ctx, s2))
	noErr(t, d.DeleteSession(ctx, s.ID))
	noErr(t, d.DeleteSession(ctx, s.ID)) // missing: not an error
	_, err = d.SessionByTokenHash(ctx, s.TokenHash)
	wantKind(t, err, nvr.KindNotFound)
	noErr(t, d.DeleteUserSessions(ctx, w.owner.ID))
	if got := must[[]nvr.Session](t)(d.Sessions(ctx, w.owner.ID)); len(got) != 0 {
		t.Fatalf("sessions after DeleteUserSessions: %d", len(got))
	}

	// IDs are never reused, so a stale principal cannot match a new session.
	s3 := s
	s3.TokenHash = nvr.HashToken("d")
	if id := must[int64](t)(d.CreateSession(ctx, s3)); id <= s2.ID {
		t.Fatalf("new session ID %d reuses an old one (last was %d)", id, s2.ID)
	}
}

func TestDeleteExpiredSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t) // idle timeout: 7 days
	w := newWorld(t, d)
	now := t0.Add(10 * 24 * time.Hour)
	for i, s := range []nvr.Session{
		{LastSeenAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)},          // live
		{LastSeenAt: now.Add(-time.Hour), ExpiresAt: now},                         // absolute expiry
		{LastSeenAt: now.Add(-8 * 24 * time.Hour), ExpiresAt: now.Add(time.Hour)}, // idle
	} {
		s.UserID, s.TokenHash, s.CreatedAt = w.owner.ID, nvr.HashToken(string(rune('a'+i))), t0
		must[int64](t)(d.CreateSession(ctx, s))
	}
	if n := must[int64](t)(d.DeleteExpiredSessions(ctx, now)); n != 2 {
		t.Fatalf("deleted %d, want 2", n)
	}
	if got := must[[]nvr.Session](t)(d.Sessions(ctx, w.owner.ID)); len(got) != 1 {
		t.Fatalf("left %d sessions, want 1", len(got))
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	tok := must[nvr.APIToken](t)(d.CreateToken(ctx, nvr.APIToken{UserID: w.owner.ID, Name: "ci", Scope: nvr.ScopeTrigger,
		TokenHash: nvr.HashToken("x"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	if tok.ID == 0 {
		t.Fatal("no ID assigned")
	}
	got := must[nvr.APIToken](t)(d.TokenByHash(ctx, tok.TokenHash))
	if got.ID != tok.ID || got.Scope != nvr.ScopeTrigger || !got.ExpiresAt.Equal(tok.ExpiresAt) || !got.LastUsedAt.IsZero() {
		t.Fatalf("TokenByHash = %+v, want %+v", got, tok)
	}
	for name, bad := range map[string]nvr.APIToken{
		"duplicate hash": {UserID: w.owner.ID, Name: "dup", Scope: nvr.ScopeAll, TokenHash: tok.TokenHash},
		"missing user":   {UserID: 999, Name: "x", Scope: nvr.ScopeAll, TokenHash: nvr.HashToken("y")},
		"bad scope":      {UserID: w.owner.ID, Name: "x", Scope: "root", TokenHash: nvr.HashToken("z")},
	} {
		_, err := d.CreateToken(ctx, bad)
		want := map[string]nvr.Kind{"duplicate hash": nvr.KindConflict, "missing user": nvr.KindNotFound, "bad scope": nvr.KindInvalid}[name]
		if nvr.ErrorKind(err) != want {
			t.Fatalf("%s: err = %v, want kind %v", name, err, want)
		}
	}
	noErr(t, d.TouchToken(ctx, tok.ID, t0.Add(time.Minute)))
	must[nvr.APIToken](t)(d.CreateToken(ctx, nvr.APIToken{UserID: w.other.ID, Name: "ha", Scope: nvr.ScopeView, TokenHash: nvr.HashToken("o"), CreatedAt: t0}))
	mine := must[[]nvr.APIToken](t)(d.Tokens(ctx, w.owner.ID))
	if len(mine) != 1 || !mine[0].LastUsedAt.Equal(t0.Add(time.Minute)) || mine[0].TokenHash != nil {
		t.Fatalf("Tokens(owner) = %+v", mine)
	}
	if all := must[[]nvr.APIToken](t)(d.Tokens(ctx, 0)); len(all) != 2 {
		t.Fatalf("Tokens(0) = %d tokens, want 2", len(all))
	}
	noErr(t, d.DeleteToken(ctx, tok.ID))
	wantKind(t, d.DeleteToken(ctx, tok.ID), nvr.KindNotFound)
	_, err := d.TokenByHash(ctx, tok.TokenHash)
	wantKind(t, err, nvr.KindNotFound)
}

func TestAudit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	for i := range 5 {
		e := nvr.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), Principal: "cli", Action: "add camera", Result: "ok"}
		if i%2 == 0 {
			e.UserID, e.CameraID, e.Principal = 7, nvr.CameraID(strings.Repeat("a", 32)), "session:3"
		}
		noErr(t, d.AppendAudit(ctx, e))
	}
	got := must[[]nvr.AuditEntry](t)(d.Audit(ctx, 3))
	if len(got) != 3 {
		t.Fatalf("Audit(3) = %d rows", len(got))
	}
	if !got[0].At.Equal(t0.Add(4*time.Second)) || got[0].UserID != 7 || got[0].Principal != "session:3" {
		t.Fatalf("newest row = %+v", got[0])
	}
	if got[1].UserID != 0 || got[1].CameraID != "" {
		t.Fatalf("row without user/camera = %+v", got[1])
	}
	if all := must[[]nvr.AuditEntry](t)(d.Audit(ctx, 0)); len(all) != 5 {
		t.Fatalf("Audit(0) = %d rows, want 5", len(all))
	}
}
