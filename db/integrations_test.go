package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// An MQTT integration speaks for its token's principal, decided by the
// policy like any token: an owner's sees and manages its household's
// cameras and nothing of another household, may not delete or pin events
// (its scope), and a revoked token removes the integration and its power.
// Bad input is refused with the kind the CLI reports.
func TestIntegrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	dir := nvr.NewDirectory(d, time.Now, cheapArgon2)
	admin := nvrtest.Operator(dir).Admin()
	pol := nvr.NewPolicy(d, time.Now, nil)

	in, err := admin.AddIntegration(ctx, w.h1, w.owner.Name, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if in.TopicPrefix != "hearth/"+string(w.h1.PublicID) || in.DiscoveryPrefix != nvr.DefaultDiscoveryPrefix {
		t.Errorf("default prefixes: %q %q", in.TopicPrefix, in.DiscoveryPrefix)
	}
	ins, err := d.Integrations(ctx)
	if err != nil || len(ins) != 1 || ins[0].UserID != w.owner.ID || ins[0].HouseholdID != w.h1.ID || ins[0].TokenID != in.TokenID {
		t.Fatalf("integrations: %+v %v", ins, err)
	}
	p := ins[0].Principal()
	gs, err := pol.VisibleCameras(ctx, p, nvr.ActionViewCamera)
	if err != nil || len(gs) != 2 {
		t.Fatalf("visible to the integration: %d %v, want the household's 2", len(gs), err)
	}
	for _, g := range gs {
		if g.Camera().HouseholdID != w.h1.ID {
			t.Errorf("the integration sees %s of another household", g.CameraID())
		}
	}
	for _, c := range []struct {
		a   nvr.Action
		cam nvr.CameraID
		ok  bool
	}{
		{nvr.ActionManageCamera, w.cam1.ID, true},
		{nvr.ActionTriggerEvent, w.cam1.ID, true},
		{nvr.ActionViewRecordings, w.cam1.ID, true},
		{nvr.ActionViewLive, w.cam1.ID, false},
		{nvr.ActionDeleteEvents, w.cam1.ID, false},
		{nvr.ActionPinEvents, w.cam1.ID, false},
		{nvr.ActionViewCamera, w.cam2.ID, false},
	} {
		_, err := pol.Camera(ctx, p, c.a, c.cam)
		if (err == nil) != c.ok {
			t.Errorf("%s on %s: %v, want allowed=%v", c.a, c.cam, err, c.ok)
		}
	}

	for _, bad := range []struct {
		name            string
		h               nvr.Household
		user, pfx, disc string
		want            nvr.Kind
	}{
		{"second for the household", w.h1, w.member.Name, "x/1", "ha1", nvr.KindConflict},
		{"discovery prefix taken", w.h2, w.other.Name, "x/2", nvr.DefaultDiscoveryPrefix, nvr.KindConflict},
		{"topic prefix taken", w.h2, w.other.Name, in.TopicPrefix, "ha2", nvr.KindConflict},
		{"user of another household", w.h2, w.owner.Name, "x/3", "ha3", nvr.KindInvalid},
		{"wildcard", w.h2, w.other.Name, "x/#", "ha4", nvr.KindInvalid},
		{"empty level", w.h2, w.other.Name, "x//y", "ha5", nvr.KindInvalid},
		{"broker topic", w.h2, w.other.Name, "$SYS/x", "ha6", nvr.KindInvalid},
		{"discovery inside the prefix", w.h2, w.other.Name, "x/4", "x/4/ha", nvr.KindInvalid},
		{"unknown user", w.h2, "nobody", "x/5", "ha7", nvr.KindNotFound},
	} {
		if _, err := admin.AddIntegration(ctx, bad.h, bad.user, bad.pfx, bad.disc); nvr.ErrorKind(err) != bad.want {
			t.Errorf("%s: %v, want %v", bad.name, err, bad.want)
		}
	}
	if _, err := nvr.ParseTokenScope(string(nvr.ScopeMQTT)); err == nil {
		t.Errorf("an mqtt scope is accepted for ordinary tokens; only integrations make them")
	}

	if err := admin.RemoveIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	if ins, err := d.Integrations(ctx); err != nil || len(ins) != 0 {
		t.Errorf("integrations after removal: %+v %v", ins, err)
	}
	if _, err := pol.VisibleCameras(ctx, p, nvr.ActionViewCamera); nvr.ErrorKind(err) != nvr.KindUnauthorized {
		t.Errorf("the removed integration's principal: %v, want unauthorized", err)
	}
}
