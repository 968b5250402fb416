package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// shutterApp is the real policy and shutters over a real database file,
// on a fake clock in UTC (the zone schedules are read in).
type shutterApp struct {
	*world
	path string
	clk  *clocktest.Clock
	auth *nvr.Auth
	pol  *nvr.Policy
	sh   *nvr.Shutters
	dir  *nvr.Directory
}

func newShutterApp(t *testing.T) *shutterApp {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hearth.db")
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	a := &shutterApp{world: newWorld(t, d), path: path, clk: clocktest.New(time.Date(2025, 6, 1, 6, 0, 0, 0, time.UTC))}
	a.auth = nvr.NewAuth(d, nvr.AuthConfig{Argon2: cheapArgon2, Now: a.clk.Now})
	a.pol = nvr.NewPolicy(d, a.clk.Now, nil)
	a.sh = nvr.NewShutters(d, a.clk.Now)
	a.dir = nvr.NewDirectory(d, a.clk.Now, cheapArgon2)
	return a
}

// principal issues an API token (never expiring, so the clock can move
// for days) and authenticates it.
func (a *shutterApp) principal(t *testing.T, u nvr.User, scope nvr.TokenScope) nvr.Principal {
	t.Helper()
	ctx := context.Background()
	dir := nvr.NewDirectory(a.d, a.clk.Now, cheapArgon2)
	tok, _, err := nvrtest.Operator(dir).CreateToken(ctx, u.ID, "t-"+u.Name+"-"+string(scope), scope, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.auth.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (a *shutterApp) switchAs(t *testing.T, p nvr.Principal, ch nvr.ShutterChange) (nvr.Shutter, error) {
	t.Helper()
	g, err := a.pol.Camera(context.Background(), p, nvr.ActionSwitchShutter, a.cam1.ID)
	if err != nil {
		return nvr.Shutter{}, err
	}
	return a.dir.SwitchShutter(context.Background(), g, ch)
}

func (a *shutterApp) live(p nvr.Principal) error {
	_, err := a.pol.Camera(context.Background(), p, nvr.ActionViewLive, a.cam1.ID)
	return err
}

func ptr[T any](v T) *T { return &v }

func at(day, h, m int) time.Time { return time.Date(2025, 6, day, h, m, 0, 0, time.UTC) }

// TestShutterScheduleAndPeriods runs a day and a half of a camera's
// shutter through the real policy and database: the schedule closes it
// at its time with nothing written (evaluated at the decision), a hand
// open inside the window is refused with when it opens, members switch it
// by hand, viewers and view tokens cannot, each switch (and the refused
// open) is an audit row of its author, and the history gives the timeline exactly those periods.
func TestShutterScheduleAndPeriods(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newShutterApp(t)
	alice := a.principal(t, a.owner, nvr.ScopeAll)
	bob := a.principal(t, a.member, nvr.ScopeAll)
	carol := a.principal(t, a.viewer, nvr.ScopeAll)
	aliceView := a.principal(t, a.owner, nvr.ScopeView)
	dave := a.principal(t, a.other, nvr.ScopeAll)

	// 06:00: alice sets the schedule.
	if _, err := a.switchAs(t, alice, nvr.ShutterChange{Schedule: &nvr.DailyWindow{Start: 7 * 60, End: 22 * 60}}); err != nil {
		t.Fatal(err)
	}
	if err := a.live(alice); err != nil {
		t.Fatalf("live before the window: %v", err)
	}
	// Who may switch: owners and members of the household only.
	for name, p := range map[string]nvr.Principal{"viewer": carol, "view token": aliceView, "other household": dave} {
		if _, err := a.switchAs(t, p, nvr.ShutterChange{Closed: ptr(true)}); !errors.Is(err, nvr.ErrNotFound) {
			t.Errorf("%s switched the shutter: %v", name, err)
		}
	}

	// 07:00: closed by the schedule, for everyone, with nothing written.
	a.clk.Set(at(1, 7, 0))
	for name, p := range map[string]nvr.Principal{"owner": alice, "member": bob, "viewer": carol} {
		if err := a.live(p); !errors.Is(err, nvr.ErrNotFound) {
			t.Errorf("%s: live while scheduled closed = %v, want not found", name, err)
		}
		if _, err := a.pol.Camera(ctx, p, nvr.ActionViewRecordings, a.cam1.ID); !errors.Is(err, nvr.ErrNotFound) {
			t.Errorf("%s: recordings while scheduled closed = %v, want not found", name, err)
		}
		if _, err := a.pol.Camera(ctx, p, nvr.ActionViewCamera, a.cam1.ID); err != nil {
			t.Errorf("%s: the camera is no longer listed while closed: %v", name, err)
		}
	}
	if err := a.live(dave); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatal(err)
	}

	// 08:00: a hand open inside the window says until when.
	a.clk.Set(at(1, 8, 0))
	_, err := a.switchAs(t, bob, nvr.ShutterChange{Closed: ptr(false)})
	if nvr.ErrorKind(err) != nvr.KindConflict || !strings.Contains(nvr.ErrorMessage(err), "22:00") {
		t.Fatalf("hand open in the window = %v, want a conflict naming 22:00", err)
	}

	// 22:30: open by the schedule; bob closes by hand, then opens at 23:00.
	a.clk.Set(at(1, 22, 30))
	if err := a.live(carol); err != nil {
		t.Fatalf("live after the window: %v", err)
	}
	sh, err := a.switchAs(t, bob, nvr.ShutterChange{Closed: ptr(true)})
	if err != nil || !sh.Closed {
		t.Fatalf("close = %+v, %v", sh, err)
	}
	if err := a.live(alice); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("owner's live while closed by hand = %v", err)
	}
	a.clk.Set(at(1, 23, 0))
	if _, err := a.switchAs(t, bob, nvr.ShutterChange{Closed: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if err := a.live(alice); err != nil {
		t.Fatalf("live after opening: %v", err)
	}

	// Next day 08:00: alice turns the schedule off; it closed at 07:00.
	a.clk.Set(at(2, 8, 0))
	if err := a.live(alice); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("day 2 07:00-08:00 not closed: %v", err)
	}
	if _, err := a.switchAs(t, alice, nvr.ShutterChange{Schedule: &nvr.DailyWindow{}}); err != nil {
		t.Fatal(err)
	}
	if err := a.live(alice); err != nil {
		t.Fatalf("live after the schedule is off: %v", err)
	}

	// The timeline's history, through a view-camera grant of the viewer.
	g, err := a.pol.Camera(ctx, carol, nvr.ActionViewCamera, a.cam1.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.clk.Set(at(2, 12, 0))
	got, err := a.sh.History(ctx, g, at(1, 0, 0), at(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []nvr.ShutterPeriod{
		{Start: at(1, 22, 30), End: at(1, 23, 0), Cause: nvr.ShutterByHand},
		{Start: at(1, 7, 0), End: at(1, 22, 0), Cause: nvr.ShutterBySchedule},
		{Start: at(2, 7, 0), End: at(2, 8, 0), Cause: nvr.ShutterBySchedule},
	}
	if len(got) != len(want) {
		t.Fatalf("history = %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) || got[i].Cause != want[i].Cause {
			t.Errorf("period %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// A range inside the first window is clipped to it.
	got, err = a.sh.History(ctx, g, at(1, 10, 0), at(1, 11, 0))
	if err != nil || len(got) != 1 || !got[0].Start.Equal(at(1, 10, 0)) || !got[0].End.Equal(at(1, 11, 0)) {
		t.Fatalf("clipped history = %+v, %v", got, err)
	}
	if _, err := a.sh.History(ctx, g, at(1, 11, 0), at(1, 10, 0)); nvr.ErrorKind(err) != nvr.KindInvalid {
		t.Fatalf("reversed range = %v", err)
	}

	// Every switch is on record with its author.
	audits, err := a.d.Audit(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for i := len(audits) - 1; i >= 0; i-- {
		e := audits[i]
		if strings.HasPrefix(e.Action, "shutter-") {
			rows = append(rows, e.Action+"/"+e.Detail+"/"+e.Principal+"/"+e.At.Format("02 15:04")+"/"+e.Result)
			if e.CameraID != a.cam1.ID {
				t.Errorf("audit row %+v for another camera", e)
			}
		}
	}
	wantRows := []string{
		"shutter-schedule/07:00-22:00/" + alice.String() + "/01 06:00/ok",
		"shutter-open//" + bob.String() + "/01 08:00/failed", // the schedule kept it closed
		"shutter-close//" + bob.String() + "/01 22:30/ok",
		"shutter-open//" + bob.String() + "/01 23:00/ok",
		"shutter-schedule/off/" + alice.String() + "/02 08:00/ok",
	}
	if strings.Join(rows, "\n") != strings.Join(wantRows, "\n") {
		t.Fatalf("audit rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(wantRows, "\n"))
	}
}

// TestShutterKeepRecording: only a manage grant (the owner) sets it, and
// it makes a closed shutter refuse viewing without pausing recording.
func TestShutterKeepRecording(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newShutterApp(t)
	alice := a.principal(t, a.owner, nvr.ScopeAll)
	bob := a.principal(t, a.member, nvr.ScopeAll)
	if _, err := a.pol.Camera(ctx, bob, nvr.ActionManageCamera, a.cam1.ID); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("member may manage: %v", err)
	}
	sw, err := a.pol.Camera(ctx, bob, nvr.ActionSwitchShutter, a.cam1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.dir.SetShutterKeepRecording(ctx, sw, true); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("a switch grant set keep-recording: %v", err)
	}
	mg, err := a.pol.Camera(ctx, alice, nvr.ActionManageCamera, a.cam1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.dir.SetShutterKeepRecording(ctx, mg, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.dir.SwitchShutter(ctx, sw, nvr.ShutterChange{Closed: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	c, err := a.d.Camera(ctx, a.cam1.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := a.clk.Now()
	if !c.Shutter.ClosedAt(now) || c.Shutter.PausesRecordingAt(now) {
		t.Fatalf("shutter %+v: closed %v, pauses recording %v; want closed, recording", c.Shutter,
			c.Shutter.ClosedAt(now), c.Shutter.PausesRecordingAt(now))
	}
	if err := a.live(alice); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("live while closed with keep-recording: %v", err)
	}
}

// TestShutterAdminSwitch: the CLI's local operator switches any camera's
// shutter; a signed-in appliance admin's grant switches none (the policy
// leaves that to the people who live with the camera), and a malformed
// camera ID is not found.
func TestShutterAdminSwitch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newShutterApp(t)
	admin, err := a.pol.Admin(ctx, a.principal(t, a.admin, nvr.ScopeAll))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.dir.ForAdmin(admin).SwitchShutter(ctx, a.cam1.ID, nvr.ShutterChange{Closed: ptr(true)}); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("a signed-in admin switched the shutter: %v", err)
	}
	op := nvrtest.Operator(a.dir).Admin()
	if _, err := op.SwitchShutter(ctx, "not-a-camera", nvr.ShutterChange{Closed: ptr(true)}); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("malformed camera ID: %v", err)
	}
	if sh, err := op.SwitchShutter(ctx, a.cam1.ID, nvr.ShutterChange{Closed: ptr(true)}); err != nil || !sh.Closed {
		t.Fatalf("the operator's close: %+v, %v", sh, err)
	}
	audits, err := a.d.Audit(ctx, 10)
	if err != nil || len(audits) == 0 || audits[0].Action != "shutter-close" || audits[0].Principal != "cli" || audits[0].Result != "ok" {
		t.Fatalf("the operator's audit row: %+v, %v", audits, err)
	}
}

// TestShutterSwitchCommitsWithItsAuditRow: when the audit row cannot be
// written, the switch is not made (no state, no period).
func TestShutterSwitchCommitsWithItsAuditRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newShutterApp(t)
	bob := a.principal(t, a.member, nvr.ScopeAll)
	raw, err := sql.Open("sqlite", a.path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log
		BEGIN SELECT RAISE(ABORT, 'audit refused'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.switchAs(t, bob, nvr.ShutterChange{Closed: ptr(true)}); err == nil {
		t.Fatal("switch succeeded without its audit row")
	}
	c, err := a.d.Camera(ctx, a.cam1.ID)
	if err != nil {
		t.Fatal(err)
	}
	var periods int
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM shutter_periods`).Scan(&periods); err != nil {
		t.Fatal(err)
	}
	if c.Shutter.Closed || periods != 0 {
		t.Fatalf("switch without audit row left closed=%v, %d periods", c.Shutter.Closed, periods)
	}
	if _, err := raw.ExecContext(ctx, `DROP TRIGGER refuse_audit`); err != nil {
		t.Fatal(err)
	}
	if err := a.live(bob); err != nil {
		t.Fatalf("live after the refused switch: %v", err)
	}
}

// TestDigestTokens: a view token stores its RTSP digest HA1 and
// AuthenticateDigest finds it by user name and response; other scopes
// (all, and an MQTT integration's mqtt token) store none, a revoked token is gone, and the HA1 never comes back from
// CreateToken or the token list.
func TestDigestTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newShutterApp(t)
	dir := nvr.NewDirectory(a.d, a.clk.Now, cheapArgon2)
	view, info, err := nvrtest.Operator(dir).CreateToken(ctx, a.owner.ID, "ha", nvr.ScopeView, 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.DigestHA1 != "" {
		t.Fatal("CreateToken handed back the HA1")
	}
	all, _, err := nvrtest.Operator(dir).CreateToken(ctx, a.owner.ID, "script", nvr.ScopeAll, 0)
	if err != nil {
		t.Fatal(err)
	}
	// An MQTT integration's token (scope mqtt, in api_tokens as rebuilt by
	// 0009_mqtt_integrations, digest_ha1 added by 0012 after it) gets no
	// HA1: only view tokens work over RTSP.
	in, err := nvrtest.Operator(dir).Admin().AddIntegration(ctx, a.h1, a.owner.Name, "", "")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", a.path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.QueryContext(ctx, `SELECT id, scope, digest_ha1 <> '' FROM api_tokens WHERE user_id = ? ORDER BY id`, int64(a.owner.ID))
	if err != nil {
		t.Fatal(err)
	}
	var digests []string
	for rows.Next() {
		var (
			id    int64
			scope string
			has   bool
		)
		if err := rows.Scan(&id, &scope, &has); err != nil {
			t.Fatal(err)
		}
		if scope == string(nvr.ScopeMQTT) && id != in.TokenID {
			t.Fatalf("mqtt token %d is not the integration's %d", id, in.TokenID)
		}
		digests = append(digests, fmt.Sprintf("%s:%v", scope, has))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if got, want := strings.Join(digests, " "), "view:true all:false mqtt:false"; got != want {
		t.Fatalf("stored digests %q, want %q", got, want)
	}
	toks, err := a.d.Tokens(ctx, a.owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks {
		if tk.DigestHA1 != "" {
			t.Fatalf("token list carries an HA1: %+v", tk.PublicID)
		}
	}
	check := func(token string) nvr.DigestCheck {
		want := nvr.DigestResponse(nvr.DigestHA1(a.owner.Name, token), "n0nce", "DESCRIBE", "rtsp://h/cam/x")
		return func(ha1 string) bool {
			return nvr.EqualDigest(nvr.DigestResponse(ha1, "n0nce", "DESCRIBE", "rtsp://h/cam/x"), want)
		}
	}
	p, err := nvr.AuthenticateDigest(ctx, a.d, a.owner.Name, check(view))
	if err != nil || p.UserID != a.owner.ID || p.Kind != nvr.CredentialToken || p.CredentialID != info.ID || p.Scope != nvr.ScopeView {
		t.Fatalf("view token: %+v, %v", p, err)
	}
	for name, tc := range map[string]struct {
		user, token string
	}{"all-scope token": {a.owner.Name, all}, "another user": {a.member.Name, view}, "no such user": {"nobody", view}} {
		if _, err := nvr.AuthenticateDigest(ctx, a.d, tc.user, check(tc.token)); nvr.ErrorKind(err) != nvr.KindUnauthorized {
			t.Errorf("%s: %v, want unauthorized", name, err)
		}
	}
	if err := nvrtest.Operator(dir).RevokeToken(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := nvr.AuthenticateDigest(ctx, a.d, a.owner.Name, check(view)); nvr.ErrorKind(err) != nvr.KindUnauthorized {
		t.Fatalf("revoked token: %v", err)
	}
}

// TestMoveCameraResetsShutter: a moved camera arrives with an open shutter
// and no schedule (the old household's privacy settings stay theirs); the
// hand-closed period ends at the move.
func TestMoveCameraResetsShutter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newShutterApp(t)
	closed := true
	if _, err := nvrtest.Operator(a.dir).Admin().SwitchShutter(ctx, a.cam1.ID, nvr.ShutterChange{Closed: &closed,
		Schedule: &nvr.DailyWindow{Start: 60, End: 120}}); err != nil {
		t.Fatal(err)
	}
	a.clk.Set(at(1, 8, 0))
	if err := a.d.MoveCamera(ctx, a.cam1.ID, a.h2.ID, a.clk.Now()); err != nil {
		t.Fatal(err)
	}
	c, err := a.d.Camera(ctx, a.cam1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Shutter != (nvr.Shutter{}) {
		t.Fatalf("moved camera's shutter: %+v, want open, no schedule", c.Shutter)
	}
	hand, sched, err := a.d.ShutterHistory(ctx, a.cam1.ID, at(1, 0, 0), at(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(hand) != 1 || !hand[0].End.Equal(at(1, 8, 0)) {
		t.Fatalf("hand periods after the move: %+v", hand)
	}
	if len(sched) != 2 || !sched[1].Window.IsZero() || !sched[1].At.Equal(at(1, 8, 0)) {
		t.Fatalf("schedule history after the move: %+v", sched)
	}
}
