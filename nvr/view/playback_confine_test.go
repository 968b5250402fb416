package view

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/recordstore"
)

// A segment row whose file was replaced by a link, to /etc/passwd or to
// another camera's recording, or whose camera directory is a link to
// another camera's, plans no clip: not found, the target never opened.
func TestPlaybackRefusesPlantedLinks(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	rng := nvr.TimeRange{Start: base, End: base.Add(10 * time.Second)}
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, dir, fileA, fileB string)
	}{
		{"file linked to /etc/passwd", func(t *testing.T, dir, fileA, _ string) { relink(t, "/etc/passwd", fileA) }},
		{"file linked to B's segment", func(t *testing.T, dir, fileA, fileB string) { relink(t, fileB, fileA) }},
		{"file linked relatively to B's", func(t *testing.T, dir, fileA, fileB string) {
			relink(t, filepath.Join("..", filepath.Base(filepath.Dir(fileB)), filepath.Base(fileB)), fileA)
		}},
		{"A's directory linked to a copy of B's", func(t *testing.T, dir, fileA, fileB string) {
			other := filepath.Join(dir, "planted")
			if err := os.MkdirAll(other, 0o755); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(fileB)
			if err := os.WriteFile(filepath.Join(other, filepath.Base(fileA)), b, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(filepath.Dir(fileA)); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(other, filepath.Dir(fileA)); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			store, camA, camB := newPlaybackDB(t)
			grantA := nvrtest.CameraGrant(t, nvr.Camera{ID: camA}, nvr.ActionViewRecordings)
			recordSpan(t, store, dir, camA, base, 10)
			recordSpan(t, store, dir, camB, base, 10)
			pb := NewPlayback(store, dir)
			plan, err := pb.PlanClip(context.Background(), grantA, rng)
			if err != nil || len(plan.Sources) != 1 {
				t.Fatalf("clean plan: %v %v", plan, err)
			}
			fileA := plan.Sources[0].Path
			matches, _ := filepath.Glob(filepath.Join(dir, string(camB), "*.mp4"))
			tc.plant(t, dir, fileA, matches[0])
			plan, err = pb.PlanClip(context.Background(), grantA, rng)
			if nvr.ErrorKind(err) != nvr.KindNotFound || len(plan.Sources) != 0 {
				t.Fatalf("planted: plan %v, err %v; want not found", plan.Sources, err)
			}
		})
	}
}

func relink(t *testing.T, target, at string) {
	t.Helper()
	if err := os.Remove(at); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, at); err != nil {
		t.Fatal(err)
	}
}

// An events-only camera's footage ("…-event.mp4") plays and makes clips
// like continuous footage: playback refused its files' names, so none of
// it could be watched, downloaded or shared. A row naming a file the
// recorder never writes is still refused.
func TestPlaybackOpensEventFootage(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	rng := nvr.TimeRange{Start: base, End: base.Add(10 * time.Second)}
	dir := t.TempDir()
	store, camA, _ := newPlaybackDB(t)
	grant := nvrtest.CameraGrant(t, nvr.Camera{ID: camA}, nvr.ActionViewRecordings)
	recordSpanAs(t, store, dir, camA, base, 10, true)
	pb := NewPlayback(store, dir)
	plan, err := pb.PlanClip(context.Background(), grant, rng)
	if err != nil || len(plan.Sources) != 1 || !strings.HasSuffix(plan.Sources[0].Path, recordstore.EventFileSuffix) {
		t.Fatalf("event footage: plan %+v, err %v", plan.Sources, err)
	}
	r, err := pb.OpenReplay(context.Background(), grant, base.Add(2*time.Second), ReplayOptions{Clock: clocktest.NewAuto(time.Unix(0, 0))})
	if err != nil {
		t.Fatalf("replay of event footage: %v", err)
	}
	r.Close()

	for _, bad := range []string{"1-2-evil.mp4", "x.mp4", "1-2.mp4.bak", "1-2-event.mp4/x"} {
		if _, err := pb.segmentPath(camA, nvr.Segment{ID: 9, CameraID: camA, Path: string(camA) + "/" + bad}); nvr.ErrorKind(err) != nvr.KindInternal {
			t.Errorf("path %q: %v; want refused as unexpected", bad, err)
		}
	}
}
