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

// The synthetic index of BenchmarkIndex: a full appliance.
var (
	bench    = db.DefaultSyntheticIndex
	benchEnd = bench.End
)

const (
	benchDays      = 30
	benchFragments = 24
)

// BenchmarkIndex measures the segment index at full size: 30 days × 16
// cameras of 60 s segments with 24 fragments each. The index is built once
// per run (the build time is logged and reported as build-s) in a
// temporary file, or reused from $HEARTH_BENCH_INDEX when that names an
// existing file (which is then kept). Each query reports p50 and p99.
func BenchmarkIndex(b *testing.B) {
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
		var err error
		if cams, err = db.BuildSyntheticIndex(ctx, path, bench); err != nil {
			b.Fatal(err)
		}
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
