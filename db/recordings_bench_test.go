package db_test

import (
	"context"
	"database/sql"
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
const (
	benchCameras   = 16
	benchDays      = 30
	benchSegment   = 60 * time.Second
	benchFragments = 24 // 2.5 s GOPs
)

// benchEnd is the end of the synthetic footage.
var benchEnd = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

// buildBenchIndex writes 30 days × 16 cameras of 60 s segments with 24
// fragments each (691,200 segments, 16.6M fragments) into a new database
// at path: the directory through package db, the segments in one
// transaction with a prepared insert on a plain connection.
func buildBenchIndex(b *testing.B, path string) (cams []nvr.CameraID) {
	b.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	for h := range 4 {
		hh, err := d.CreateHousehold(ctx, fmt.Sprintf("household %d", h), t0)
		if err != nil {
			b.Fatal(err)
		}
		for c := range benchCameras / 4 {
			cam, err := d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: hh.ID,
				Name: fmt.Sprintf("camera %d", c), MainURL: "rtsp://192.0.2.10/main", CreatedAt: t0})
			if err != nil {
				b.Fatal(err)
			}
			cams = append(cams, cam.ID)
		}
	}
	if err := d.Close(); err != nil {
		b.Fatal(err)
	}

	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	ins, err := tx.Prepare(`
		INSERT INTO segments (camera_id, stream, path, state, start_ns, end_ns, bytes, codec, width, height, audio, event, fragments)
		VALUES (?, 'main', ?, 'closed', ?, ?, ?, 'h264', 1920, 1080, 'aac', ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	perCamera := int(benchDays * 24 * time.Hour / benchSegment)
	start0 := benchEnd.Add(-benchDays * 24 * time.Hour)
	frags := make([]nvr.Fragment, benchFragments)
	fragDur := benchSegment / benchFragments
	for i := range perCamera {
		for ci, cam := range cams {
			// Cameras are staggered by a second; each segment ends where
			// the next begins, as the recorder writes them.
			start := start0.Add(time.Duration(i)*benchSegment + time.Duration(ci)*time.Second)
			off := int64(1200)
			for f := range frags {
				n := 150_000 + rng.Int64N(200_000)
				frags[f] = nvr.Fragment{Offset: off, Length: n, Start: start.Add(time.Duration(f) * fragDur),
					Duration90k: int64(fragDur) * 90000 / int64(time.Second), Key: true}
				if f > 0 && rng.IntN(50) == 0 { // the odd drift correction
					frags[f].Start = frags[f].Start.Add(time.Duration(rng.IntN(2000)-1000) * time.Microsecond)
				}
				off += n
			}
			blob, err := db.FragmentBlob(start.UnixNano(), frags)
			if err != nil {
				b.Fatal(err)
			}
			end := frags[len(frags)-1].End()
			if _, err := ins.Exec(string(cam), fmt.Sprintf("%s/%d-%d.mp4", cam, start.UnixNano(), end.UnixNano()),
				start.UnixNano(), end.UnixNano(), off, rng.IntN(20) == 0, blob); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return cams
}

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
		cams = buildBenchIndex(b, path)
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
