package db_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// BenchmarkAuthorize measures the per-request authorization path on a real
// database file: nvr.Auth.Authenticate (session or token lookup, user
// lookup) followed by nvr.Policy.Camera (one CameraAccess query; for media
// actions also one audit row written). It reports p50 and p99 per op.
func BenchmarkAuthorize(b *testing.B) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(b.TempDir(), "hearth.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	auth := nvr.NewAuth(d, nvr.AuthConfig{Argon2: cheapArgon2})
	pol := nvr.NewPolicy(d, time.Now, nil)
	dir := nvr.NewDirectory(d, time.Now, cheapArgon2)

	// Four households, each with an owner, a member and a viewer and five
	// cameras; ~1000 audit rows.
	var (
		cam   nvr.CameraID
		owner nvr.UserID
	)
	for h := range 4 {
		hh, err := nvrtest.Operator(dir).AddHousehold(ctx, fmt.Sprintf("household %d", h))
		if err != nil {
			b.Fatal(err)
		}
		var ids []nvr.UserID
		for _, r := range []nvr.Role{nvr.RoleOwner, nvr.RoleMember, nvr.RoleViewer} {
			u, err := nvrtest.Operator(dir).AddUser(ctx, nvr.NewUser{Name: fmt.Sprintf("%s%d", r, h), HouseholdID: hh.ID, Role: r, Password: password})
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		for c := range 5 {
			cc, err := nvrtest.Operator(dir).AddCamera(ctx, nvr.NewCamera{HouseholdID: hh.ID, Name: fmt.Sprintf("camera %d", c),
				MainURL: "rtsp://user:pw@192.0.2.10/main"})
			if err != nil {
				b.Fatal(err)
			}
			if c%2 == 0 {
				if err := nvrtest.Operator(dir).AssignCamera(ctx, ids[2], cc.ID); err != nil {
					b.Fatal(err)
				}
			}
			if h == 1 && c == 2 {
				cam, owner = cc.ID, ids[0]
			}
		}
	}
	for i := range 1000 {
		if err := d.AppendAudit(ctx, nvr.AuditEntry{At: time.Now(), UserID: owner, Principal: "session:1",
			CameraID: cam, Action: "view-live", Result: "granted", Detail: fmt.Sprint(i)}); err != nil {
			b.Fatal(err)
		}
	}
	session, _, err := auth.Login(ctx, "owner1", password, nvr.ClientInfo{Addr: "192.0.2.1"})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := nvrtest.Operator(dir).CreateToken(ctx, owner, "bench", nvr.ScopeView, 0)
	if err != nil {
		b.Fatal(err)
	}

	for _, bc := range []struct {
		name   string
		token  string
		action nvr.Action
	}{
		{"session/view", session, nvr.ActionViewCamera},
		{"token/view", token, nvr.ActionViewCamera},
		{"session/media", session, nvr.ActionViewLive},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var durs []time.Duration
			for b.Loop() {
				start := time.Now()
				p, err := auth.Authenticate(ctx, bc.token)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := pol.Camera(ctx, p, bc.action, cam); err != nil {
					b.Fatal(err)
				}
				durs = append(durs, time.Since(start))
			}
			reportPercentiles(b, durs)
		})
	}
	b.Run("session/view/parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p, err := auth.Authenticate(ctx, session)
				if err != nil {
					b.Error(err)
					return
				}
				if _, err := pol.Camera(ctx, p, nvr.ActionViewCamera, cam); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func reportPercentiles(b *testing.B, durs []time.Duration) {
	if len(durs) == 0 {
		return
	}
	slices.Sort(durs)
	at := func(q float64) float64 { return float64(durs[int(q*float64(len(durs)-1))].Nanoseconds()) }
	b.ReportMetric(at(0.50), "p50-ns/op")
	b.ReportMetric(at(0.99), "p99-ns/op")
}
