package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

const (
	benchDays      = 30
	benchFragments = 24
)

// BenchmarkIndex measures the segment index at full size: 30 days × 16
// cameras of 60 s segments with 24 fragments each. The index is reused
// from $HEARTH_BENCH_INDEX when that names an existing file (which is then
// kept): the one "hearth-bench index" keeps in its --work directory
// (index-16c-30d-1000000e.db) has this shape. Otherwise it is built once
// per run (the build time is logged and reported as build-s) in a
// temporary file, or at $HEARTH_BENCH_INDEX, through db's API as the
// recorder and the event lifecycle write it: about three million
// transactions, which take several minutes where the harness's bulk load
// takes one. Each query reports p50 and p99.
func BenchmarkIndex(b *testing.B) {
	// A full appliance, 16 cameras × 30 days of 60 s segments with 24
	// fragments (2.5 s GOPs): 691,200 segments, 16.6 M fragments, and 1 M
	// events (about 1,400 per camera a day: a busy street). The shape of
	// "hearth-bench index" (cmd/hearth-bench/synthetic.go), so either can
	// time the other's file.
	benchEnd := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	bench := indexShape{Cameras: 16, Days: benchDays, Segment: time.Minute, Fragments: benchFragments,
		Events: 1_000_000, End: benchEnd}
	ctx := context.Background()
	path := os.Getenv("HEARTH_BENCH_INDEX")
	var (
		build time.Duration
		cams  []nvr.CameraID
	)
	if _, err := os.Stat(path); path == "" || err != nil {
		if path == "" {
			path = filepath.Join(b.TempDir(), "index.db")
		}
		start := time.Now()
		cams = buildIndex(b, path, bench)
		build = time.Since(start)
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if cams == nil {
		cs, err := d.Cameras(ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cs {
			cams = append(cams, c.ID)
		}
	}
	var size int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			size += fi.Size()
		}
	}
	b.Logf("index: %d cameras, %s; build %v; %.0f MB", len(cams), path, build.Round(time.Millisecond), float64(size)/1e6)

	rng := rand.New(rand.NewPCG(3, 4))
	// randomTime is a uniformly random instant of the footage, at least
	// span before its end.
	randomTime := func(span time.Duration) time.Time {
		total := benchDays*24*time.Hour - span
		return benchEnd.Add(-benchDays * 24 * time.Hour).Add(time.Duration(rng.Int64N(int64(total))))
	}
	camera := func() nvr.CameraID { return cams[rng.IntN(len(cams))] }
	timed := func(b *testing.B, fn func() error) {
		b.Helper()
		var durs []time.Duration
		for b.Loop() {
			start := time.Now()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			durs = append(durs, time.Since(start))
		}
		reportPercentiles(b, durs)
	}

	b.Run("CoveredRanges/24h", func(b *testing.B) {
		timed(b, func() error {
			from := randomTime(24 * time.Hour)
			rs, err := d.CoveredRanges(ctx, camera(), "main", from, from.Add(24*time.Hour), 3*time.Second)
			if err == nil && len(rs) != 1 {
				err = fmt.Errorf("%d ranges over contiguous footage", len(rs))
			}
			return err
		})
	})
	b.Run("FragmentsBetween/5min", func(b *testing.B) {
		timed(b, func() error {
			from := randomTime(5 * time.Minute)
			fs, err := d.FragmentsBetween(ctx, camera(), "main", from, from.Add(5*time.Minute))
			if err == nil && (len(fs) < 120 || len(fs) > 122) {
				err = fmt.Errorf("%d fragments in 5 minutes", len(fs))
			}
			return err
		})
	})
	b.Run("OldestSegments/all/100", func(b *testing.B) {
		timed(b, func() error {
			ss, err := d.OldestSegments(ctx, "", 100)
			if err == nil && len(ss) != 100 {
				err = fmt.Errorf("%d segments", len(ss))
			}
			return err
		})
	})
	b.Run("OldestSegments/camera/100", func(b *testing.B) {
		timed(b, func() error {
			ss, err := d.OldestSegments(ctx, camera(), 100)
			if err == nil && len(ss) != 100 {
				err = fmt.Errorf("%d segments", len(ss))
			}
			return err
		})
	})
	b.Run("Usage", func(b *testing.B) {
		timed(b, func() error {
			us, err := d.Usage(ctx)
			if err == nil && len(us) != len(cams) {
				err = fmt.Errorf("%d cameras", len(us))
			}
			return err
		})
	})
	b.Run("Open", func(b *testing.B) {
		timed(b, func() error {
			d2, err := db.Open(ctx, path)
			if err != nil {
				return err
			}
			return d2.Close()
		})
		if build > 0 {
			b.ReportMetric(build.Seconds(), "build-s")
		}
		b.ReportMetric(float64(size)/1e6, "db-MB")
	})
}
