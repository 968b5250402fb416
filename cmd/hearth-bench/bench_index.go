package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// benchIndex builds (or reuses from --work) a synthetic appliance index
// and times the queries the UI makes: the timeline, the event list and a
// clip lookup; then the cold start of a fresh process.
func benchIndex(ctx context.Context, cfg benchConfig, e env) (*benchTable, error) {
	s := defaultSyntheticIndex()
	s.Days, s.Events = cfg.IndexDays, cfg.IndexEvents
	path := filepath.Join(cfg.Work, fmt.Sprintf("index-%dc-%dd-%de.db", s.Cameras, s.Days, s.Events))
	var build time.Duration
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".tmp"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(tmp + suffix)
		}
		t0 := time.Now()
		if _, err := buildSyntheticIndex(ctx, tmp, s); err != nil {
			return nil, fmt.Errorf("build the index: %w", err)
		}
		build = time.Since(t0)
		if err := os.Rename(tmp, path); err != nil {
			return nil, err
		}
	}
	size := int64(0)
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}

	d, err := db.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	cams, err := d.Cameras(ctx, 0)
	if err != nil {
		return nil, err
	}
	if len(cams) == 0 {
		return nil, errors.New("the index has no cameras")
	}
	// A household sees its own cameras; the event list spans them all.
	byHousehold := map[nvr.HouseholdID][]nvr.EventScope{}
	for _, c := range cams {
		byHousehold[c.HouseholdID] = append(byHousehold[c.HouseholdID], nvr.EventScope{CameraID: c.ID, Since: c.HouseholdSince})
	}
	rng := rand.New(rand.NewPCG(3, 4))
	span := time.Duration(s.Days) * 24 * time.Hour
	randomTime := func(d time.Duration) time.Time {
		return s.Start().Add(time.Duration(rng.Int64N(int64(span - d))))
	}
	camera := func() nvr.Camera { return cams[rng.IntN(len(cams))] }
	const rounds = 200
	timed := func(fn func() error) ([]time.Duration, error) {
		durs := make([]time.Duration, 0, rounds)
		for range rounds {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			t0 := time.Now()
			if err := fn(); err != nil {
				return nil, err
			}
			durs = append(durs, time.Since(t0))
		}
		return durs, nil
	}
	timeline, err := timed(func() error {
		from := randomTime(24 * time.Hour)
		rs, err := d.CoveredRanges(ctx, camera().ID, "main", from, from.Add(24*time.Hour), 3*time.Second)
		if err == nil && len(rs) != 1 {
			err = fmt.Errorf("timeline: %d ranges over contiguous footage", len(rs))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// GET /api/events: the newest page of a household's cameras, then the
	// page a cursor continues to, both of the default 50 (+1 for "next").
	events := 0
	eventList, err := timed(func() error {
		c := camera()
		q := nvr.EventQuery{Cameras: byHousehold[c.HouseholdID], Limit: 51}
		if rng.IntN(2) == 1 {
			q.End = randomTime(0).Add(span / 2)
		}
		evs, err := d.Events(ctx, q)
		if err != nil {
			return err
		}
		events += len(evs)
		if len(evs) == 51 {
			q.After = nvr.EventCursor{Start: evs[49].Start, ID: evs[49].ID}
			evs, err = d.Events(ctx, q)
			events += len(evs)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	clip, err := timed(func() error {
		from := randomTime(5 * time.Minute)
		fs, err := d.FragmentsBetween(ctx, camera().ID, "main", from, from.Add(5*time.Minute))
		if err == nil && len(fs) < 5*60*s.Fragments/int(s.Segment/time.Second) {
			err = fmt.Errorf("clip lookup: %d fragments in 5 minutes", len(fs))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	cold, coldProc, err := benchColdStart(ctx, e, path, string(cams[0].ID))
	if err != nil {
		return nil, err
	}

	t := &benchTable{title: fmt.Sprintf("index: %d cameras × %d days of %v segments, %d events (%.0f MB)",
		len(cams), s.Days, s.Segment, s.Events, float64(size)/1e6)}
	if build > 0 {
		t.add("build (once; kept in --work)", fmtDur(build), "")
	} else {
		t.add("build", "reused "+filepath.Base(path), "")
	}
	const target = 10 * time.Millisecond
	for _, q := range []struct {
		name string
		durs []time.Duration
	}{{"timeline (CoveredRanges 24 h)", timeline}, {"event list (2 pages of 50)", eventList}, {"clip lookup (FragmentsBetween 5 min)", clip}} {
		p50, p99 := percentile(q.durs, 0.50), percentile(q.durs, 0.99)
		t.add(q.name+" p50", fmtMs(p50), "")
		t.add(q.name+" p99", fmtMs(p99), "≤ 10 ms "+verdict(p99 <= target))
	}
	t.add("events listed", fmt.Sprint(events), "")
	t.add("cold start (open + first timeline)", fmtMs(cold), "≤ 2 s "+verdict(cold <= 2*time.Second))
	t.add("cold start incl. process exec", fmtMs(coldProc), "")
	return t, nil
}

// benchColdStart runs "hearth-bench bench-child index-cold PATH CAMERA" and
// returns the child's own figure (open + first query) and the wall time
// from exec to its answer.
func benchColdStart(ctx context.Context, e env, path, cam string) (inProc, total time.Duration, err error) {
	cmd := e.selfCommand("bench-child", "index-cold", path, cam)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	stdin, err := cmd.StdinPipe() // closing it stops a test-binary child
	if err != nil {
		return 0, 0, err
	}
	defer stdin.Close()
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "cold "); ok {
			total = time.Since(t0)
			inProc, err = time.ParseDuration(v)
		}
	}
	if werr := cmd.Wait(); werr != nil || total == 0 {
		return 0, 0, fmt.Errorf("cold start child: %v: %s", werr, strings.TrimSpace(stderr.String()))
	}
	return inProc, total, err
}

// benchChildIndexCold is the child: open the index, one 24 h timeline.
func benchChildIndexCold(ctx context.Context, args []string, e env) error {
	if len(args) != 2 {
		return usagef("usage: hearth-bench bench-child index-cold PATH CAMERA")
	}
	t0 := time.Now()
	d, err := db.Open(ctx, args[0])
	if err != nil {
		return err
	}
	defer d.Close()
	end := defaultSyntheticIndex().End
	if _, err := d.CoveredRanges(ctx, nvr.CameraID(args[1]), "main", end.Add(-24*time.Hour), end, 3*time.Second); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "cold %v\n", time.Since(t0))
	return nil
}

// percentile of durs (sorted in place); q in [0, 1].
func percentile(durs []time.Duration, q float64) time.Duration {
	if len(durs) == 0 {
		return 0
	}
	slices.Sort(durs)
	return durs[min(len(durs)-1, int(q*float64(len(durs))))]
}

func fmtMs(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
