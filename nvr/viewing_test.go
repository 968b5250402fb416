package nvr_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestViewingRowDecision is the table of who reads which row of the
// viewing log.
func TestViewingRowDecision(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cam := nvr.Camera{ID: "cam-a", HouseholdID: 1, HouseholdSince: now.Add(-time.Hour)}
	subj := func(u nvr.User, kind nvr.CredentialKind) nvr.Subject {
		return nvr.Subject{Principal: nvr.Principal{UserID: u.ID, Kind: kind, CredentialID: 1, Scope: nvr.ScopeAll}, User: u, CredentialValid: true}
	}
	owner := nvr.User{ID: 1, HouseholdID: 1, Role: nvr.RoleOwner}
	member := nvr.User{ID: 2, HouseholdID: 1, Role: nvr.RoleMember}
	viewer := nvr.User{ID: 3, HouseholdID: 1, Role: nvr.RoleViewer}
	stranger := nvr.User{ID: 4, HouseholdID: 2, Role: nvr.RoleOwner}
	admin := nvr.User{ID: 5, Role: nvr.RoleMember, Admin: true}
	row := func(uid nvr.UserID, principal string, at time.Time) nvr.AuditEntry {
		return nvr.AuditEntry{At: at, UserID: uid, Principal: principal, CameraID: "cam-a", Action: "view-live", Result: "ended"}
	}
	recent := now.Add(-time.Minute)
	cases := []struct {
		name string
		s    nvr.Subject
		c    nvr.Camera
		e    nvr.AuditEntry
		want bool
	}{
		{"owner reads the viewer's row", subj(owner, nvr.CredentialSession), cam, row(3, "session:9", recent), true},
		{"member reads the owner's row", subj(member, nvr.CredentialSession), cam, row(1, "session:8", recent), true},
		{"member reads a link's row", subj(member, nvr.CredentialSession), cam, row(1, "link:4", recent), true},
		{"member reads the admin's change", subj(member, nvr.CredentialSession), cam, row(5, "session:7", recent), true},
		{"viewer reads their own", subj(viewer, nvr.CredentialSession), cam, row(3, "session:9", recent), true},
		{"viewer reads the owner's", subj(viewer, nvr.CredentialSession), cam, row(1, "session:8", recent), false},
		{"viewer reads a link's", subj(viewer, nvr.CredentialSession), cam, row(3, "link:4", recent), false},
		{"viewer reads the CLI's", subj(viewer, nvr.CredentialSession), cam, row(0, "cli", recent), false},
		{"stranger reads the household's", subj(stranger, nvr.CredentialSession), cam, row(3, "session:9", recent), false},
		{"admin outside reads the household's", subj(admin, nvr.CredentialSession), cam, row(3, "session:9", recent), false},
		{"owner reads the camera's old household's", subj(owner, nvr.CredentialSession), cam, row(3, "session:9", now.Add(-2*time.Hour)), false},
		{"owner of the old household reads after the move", subj(stranger, nvr.CredentialSession), nvr.Camera{ID: "cam-a", HouseholdID: 1}, row(4, "session:1", now.Add(-2*time.Hour)), false},
		{"row of another camera", subj(owner, nvr.CredentialSession), cam, nvr.AuditEntry{At: recent, UserID: 3, Principal: "session:9", CameraID: "cam-b"}, false},
		{"camera gone", subj(owner, nvr.CredentialSession), nvr.Camera{}, row(3, "session:9", recent), false},
		{"a link reads", subj(owner, nvr.CredentialShareLink), cam, row(3, "session:9", recent), false},
		{"a disabled owner", subj(nvr.User{ID: 1, HouseholdID: 1, Role: nvr.RoleOwner, Disabled: true}, nvr.CredentialSession), cam, row(3, "session:9", recent), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := nvr.DecideViewingRow(c.s, c.c, c.e); got != c.want {
				t.Fatalf("decideViewingRow = %v, want %v", got, c.want)
			}
		})
	}
}

// TestViewingLog reads the log from a real database: sessions (with their
// durations) of the household's people and of a share link, the
// operator's configuration change and the appliance admin opening a
// camera's settings, filtered by camera and person; a viewer reads
// their own only, another household nothing.
func TestViewingLog(t *testing.T) {
	t.Parallel()
	f := newShareFixture(t)
	ctx := context.Background()
	olive, vic, otto := f.login(t, f.olive), f.login(t, f.vic), f.login(t, f.otto)
	vl := nvr.NewViewingLog(f.w.DB)
	session := func(p nvr.Principal, cam nvr.CameraID, a nvr.Action, d time.Duration, reason string) {
		t.Helper()
		g, err := f.pol.Camera(ctx, p, a, cam)
		if err != nil {
			t.Fatalf("grant: %v", err)
		}
		start := f.clock.Now()
		f.clock.Advance(d)
		if err := f.pol.AuditSession(g, nvr.MediaSession{Kind: "whep", Stream: "main", Start: start, End: f.clock.Now(), Reason: reason}); err != nil {
			t.Fatal(err)
		}
	}
	grant := func(p nvr.Principal, cam nvr.CameraID, a nvr.Action) {
		t.Helper()
		if _, err := f.pol.Camera(ctx, p, a, cam); err != nil {
			t.Fatalf("grant: %v", err)
		}
	}
	// Vic opens camera A's page: its timeline (two range reads) and the
	// live session's requests, before, during and after it, are the one
	// viewing of the session.
	grant(vic, f.camA.ID, nvr.ActionViewRecordings)
	grant(vic, f.camA.ID, nvr.ActionViewRecordings)
	f.clock.Advance(time.Second)
	session(vic, f.camA.ID, nvr.ActionViewLive, 90*time.Second, "peer gone")
	f.clock.Advance(100 * time.Millisecond)
	grant(vic, f.camA.ID, nvr.ActionViewLive) // the teardown's DELETE
	f.clock.Advance(time.Minute)
	session(olive, f.camB.ID, nvr.ActionViewRecordings, 30*time.Second, "closed")
	secret, _ := f.link(t, olive, f.camA.ID, nvr.NewShareLink{Kind: nvr.ShareLive})
	lg, _, err := f.pol.ShareLink(ctx, secret, nvr.ShareProof{}, nvr.ActionViewLive, true)
	if err != nil {
		t.Fatal(err)
	}
	start := f.clock.Now()
	f.clock.Advance(time.Minute)
	if err := f.pol.AuditSession(lg, nvr.MediaSession{Kind: "whep", Stream: "main", Start: start, End: f.clock.Now(), Reason: "revoked"}); err != nil {
		t.Fatal(err)
	}
	name := "renamed by the operator"
	if _, err := f.w.Ops.EditCamera(ctx, f.camA.ID, nvr.CameraChanges{Name: &name}); err != nil {
		t.Fatal(err)
	}
	// The appliance admin, of no household, opens camera A's settings:
	// configuration access, on record for the household.
	root, err := f.w.Ops.AddUser(ctx, nvr.NewUser{Name: "root", Admin: true, Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	rootP := f.login(t, root)
	adminReads := func() {
		t.Helper()
		if _, err := f.pol.Camera(ctx, rootP, nvr.ActionManageCamera, f.camA.ID); err != nil {
			t.Fatalf("the admin's configuration grant: %v", err)
		}
	}
	// One visit to the admin's pages reads the camera's status several
	// times (each page, each part of it): one row, spanning them.
	for range 4 {
		adminReads()
	}
	f.clock.Advance(30 * time.Second)
	adminReads()
	read := func(p nvr.Principal, fl nvr.ViewingFilter) []nvr.Viewing {
		t.Helper()
		g, err := f.pol.Self(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := vl.Read(ctx, g, fl)
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	all := read(olive, nvr.ViewingFilter{})
	var got []string
	var details []string
	for _, v := range all {
		got = append(got, v.Person+"/"+v.What+"/"+v.Duration().String())
		if strings.Contains(v.What, "live") || v.What == "recorded" {
			details = append(details, v.Detail)
		}
	}
	// Why a session ended, in words, whole ("peer gone" has a space).
	if want := "access withdrawn,closed,page left or connection lost"; strings.Join(details, ",") != want {
		t.Errorf("sessions' details %q, want %q", details, want)
	}
	// Newest first; the set-up's changes (cameras added, vic assigned) by
	// the CLI come last.
	want := []string{"root (appliance admin)/configuration/30s", "local operator/configuration/0s", "olive/share link (live)/1m0s", "olive/share link made/0s", "olive/recorded/30s", "vic/live/1m30s"}
	if len(got) < len(want) || strings.Join(got[:len(want)], ",") != strings.Join(want, ",") {
		t.Fatalf("olive's log: %v, want %v first", got, want)
	}
	if all[0].Detail != "settings or status read" {
		t.Errorf("the admin's row says %q, want settings or status read", all[0].Detail)
	}
	// The operator's rename, in words rather than the audit's action.
	if all[1].Detail != "changed the camera's settings" {
		t.Errorf("the operator's rename reads %q", all[1].Detail)
	}
	for _, v := range all {
		if strings.Contains(v.Detail, "-camera") || strings.Contains(v.Detail, "(ok)") {
			t.Errorf("a %s line reads %q", v.What, v.Detail)
		}
	}
	for _, g := range got[len(want):] {
		if g != "local operator/configuration/0s" {
			t.Errorf("olive's log ends with %q, want only the set-up's changes", g)
		}
	}
	if vs := read(olive, nvr.ViewingFilter{Camera: f.camB.ID}); len(vs) == 0 || vs[0].What != "recorded" {
		t.Errorf("filtered by camera B: %+v", vs)
	} else {
		for _, v := range vs {
			if v.Camera != f.camB.ID {
				t.Errorf("filtered by camera B, got a row of %s", v.Camera)
			}
		}
	}
	if vs := read(olive, nvr.ViewingFilter{Person: f.vic.PublicID}); len(vs) != 1 || vs[0].Person != "vic" {
		t.Errorf("filtered by vic: %+v", vs)
	}
	if vs := read(vic, nvr.ViewingFilter{}); len(vs) != 1 || vs[0].Person != "vic" {
		t.Errorf("vic reads: %+v, want their own session only", vs)
	}
	// A download without a session, its two requests a second apart:
	// one row.
	grant(vic, f.camA.ID, nvr.ActionViewRecordings)
	f.clock.Advance(time.Second)
	grant(vic, f.camA.ID, nvr.ActionViewRecordings)
	if vs := read(vic, nvr.ViewingFilter{}); len(vs) != 2 || vs[0].What != "recordings opened" || vs[1].What != "live" {
		t.Errorf("vic reads after a download: %+v, want it once and the session", vs)
	}
	// The admin back a few minutes later: a look of its own.
	f.clock.Advance(5 * time.Minute)
	adminReads()
	if vs := read(olive, nvr.ViewingFilter{Person: root.PublicID}); len(vs) != 2 || vs[0].Duration() != 0 || vs[1].Duration() != 30*time.Second {
		t.Errorf("the admin's two visits: %+v, want two rows, the older 30 s long", vs)
	}
	if vs := read(otto, nvr.ViewingFilter{}); len(vs) != 0 {
		t.Errorf("otto of another household reads %d rows", len(vs))
	}
	if vs := read(otto, nvr.ViewingFilter{Camera: f.camA.ID}); len(vs) != 0 {
		t.Errorf("otto names camera A and reads %d rows", len(vs))
	}
	// The camera moves to otto's household: its history stays with Home.
	if err := f.w.Ops.MoveCamera(ctx, f.camB.ID, f.away.ID); err != nil {
		t.Fatal(err)
	}
	// Otto reads the move that brought it (a configuration row), none of
	// its past viewings.
	for _, v := range read(otto, nvr.ViewingFilter{}) {
		if v.What != "configuration" || v.Start.Before(f.clock.Now()) {
			t.Errorf("after the move otto reads camera B's past: %+v", v)
		}
	}
}

// TestViewingLogPages: a log longer than a page is read page by page
// through Next, and the pages together are the log read at once: no line
// lost or repeated, and a session's opening folded into it even when the
// page ends between the two rows. A cursor not made by the log is
// invalid.
func TestViewingLogPages(t *testing.T) {
	t.Parallel()
	f := newShareFixture(t)
	ctx := context.Background()
	olive, vic := f.login(t, f.olive), f.login(t, f.vic)
	vl := nvr.NewViewingLog(f.w.DB)
	for i := range 7 {
		g, err := f.pol.Camera(ctx, vic, nvr.ActionViewLive, f.camA.ID)
		if err != nil {
			t.Fatalf("grant: %v", err)
		}
		start := f.clock.Now()
		f.clock.Advance(time.Duration(i+1) * time.Minute)
		if err := f.pol.AuditSession(g, nvr.MediaSession{Kind: "whep", Stream: "main", Start: start, End: f.clock.Now(), Reason: "closed"}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
	}
	g, err := f.pol.Self(ctx, olive)
	if err != nil {
		t.Fatal(err)
	}
	line := func(v nvr.Viewing) string {
		return v.Start.Format(time.TimeOnly) + " " + v.What + " " + v.Duration().String()
	}
	whole, err := vl.ReadPage(ctx, g, nvr.ViewingFilter{})
	if err != nil || whole.Next != "" || len(whole.Viewings) < 7 {
		t.Fatalf("the whole log: %d lines, next %q, %v", len(whole.Viewings), whole.Next, err)
	}
	var want []string
	for _, v := range whole.Viewings {
		want = append(want, line(v))
	}
	readAll := func(vl *nvr.ViewingLog) (got []string, pages int) {
		cursor := ""
		for {
			p, err := vl.ReadPage(ctx, g, nvr.ViewingFilter{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, v := range p.Viewings {
				got = append(got, line(v))
			}
			if p.Next == "" || pages > 20 {
				return got, pages
			}
			cursor = p.Next
		}
	}
	got, pages := readAll(vl)
	if pages != (len(want)+1)/2 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%d pages of 2 read:\n%s\nwant:\n%s", pages, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A read that looks through fewer rows than the log holds (5,000 in
	// production) still pages through all of it, page end or scan end.
	short := nvr.NewViewingLog(f.w.DB)
	nvr.SetViewingScan(short, 5)
	if got, _ := readAll(short); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("read 5 rows at a time:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range []string{"x", "v1.", "v1.!!", "v1.MTIz"} {
		if _, err := vl.ReadPage(ctx, g, nvr.ViewingFilter{Cursor: c}); nvr.ErrorKind(err) != nvr.KindInvalid {
			t.Errorf("cursor %q: %v, want invalid", c, err)
		}
	}
}
