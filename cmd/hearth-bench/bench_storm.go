package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
)

// benchStorm lets every camera drop and return together (the simulator
// process is killed and restarted on the same port with the same camera
// IDs) and measures the recovery.
func benchStorm(ctx context.Context, cfg benchConfig, e env) (*benchTable, error) {
	port, err := freeTCPPort()
	if err != nil {
		return nil, err
	}
	seed := "storm-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	// 2 fps keeps 500 encoders affordable; a keyframe every 4 frames (2 s)
	// is a camera's usual 1-4 s, where the default 25 frames would make
	// each returning camera wait up to 12.5 s for its first keyframe.
	simArgs := []string{"--listen", "127.0.0.1:" + strconv.Itoa(port), "--cameras", strconv.Itoa(cfg.StormCameras),
		"--fps", "2", "--gop", "4", "--size", "512x224", "--id-seed", seed}
	sim, err := startSimcamChild(ctx, e, cfg.StormCameras, simArgs...)
	if err != nil {
		return nil, err
	}
	defer func() { sim.kill() }()

	site, err := openBenchSite(ctx, cfg.Work, sim.cameras)
	if err != nil {
		return nil, err
	}
	defer site.close()
	store, cams := site.store, site.cams
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rss0, rt0 := settledBefore()
	whole := sampleRSS(ctx) // the peak of boot, steady and storm
	in := ingest.NewIngest(ingest.IngestConfig{Cameras: store})
	var wg sync.WaitGroup
	wg.Go(func() { _ = in.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	t0 := time.Now()
	if err := waitStreaming(ctx, in, cams, time.Now(), 3*time.Minute); err != nil {
		return nil, fmt.Errorf("boot: %w", err)
	}
	boot := time.Since(t0)
	// Steady: the median RSS over 3 s of the whole fleet streaming.
	steadyRSS := sampleRSS(ctx)
	if err := sleepCtx(ctx, 3*time.Second); err != nil {
		return nil, err
	}
	steadyPeak, steady := steadyRSS.Stop()
	gop := meanGOPBytes(in, cams)
	rt := takeRuntimeSnap()
	heapSnapshot(cfg) // the fleet streaming, before the storm

	in.Admission().ResetPeak()
	sim.kill()
	// By default every session notices (read timeout) before the fleet
	// returns, as when a switch or the power comes back.
	if err := sleepCtx(ctx, cfg.StormOutage); err != nil {
		return nil, err
	}
	rss := sampleRSS(ctx)
	back := time.Now()
	sim, err = startSimcamChild(ctx, e, cfg.StormCameras, simArgs...)
	if err != nil {
		return nil, fmt.Errorf("restart the fleet: %w", err)
	}
	if err := waitStreaming(ctx, in, cams, back, 3*time.Minute); err != nil {
		return nil, fmt.Errorf("after the storm: %w", err)
	}
	recovered := time.Since(back)
	stormPeak := rss.Peak()
	peakRSS := max(whole.Peak(), stormPeak, steadyPeak)
	peak, limit := in.Admission().Peak(), in.Admission().Limit()

	t := &benchTable{title: fmt.Sprintf("storm: %d cameras drop together and return after %v", len(cams), cfg.StormOutage)}
	t.add("boot: all streaming", fmtDur(boot), "")
	t.add("after the storm: all streaming", fmtDur(recovered), "≤ 40 s (backoff cap 30 s + 10 s)")
	t.add("peak concurrent handshakes", fmt.Sprintf("%d (limit %d)", peak, limit), "≤ limit")
	t.add("RSS before", fmtMB(rss0), "")
	t.add("RSS steady / peak", fmtMB(steady)+" / "+fmtMB(peakRSS), fmt.Sprintf("peak ≤ 256 MiB at 500 cameras %s", verdict(len(cams) != 500 || peakRSS <= 256<<20)))
	addPerCamera(t, rss0, steady, len(cams), gop)
	addRuntimeRows(t, rt0, rt, len(cams))
	if steady > 0 {
		t.add("storm peak / steady", fmt.Sprintf("%.2f", float64(stormPeak)/float64(steady)), "≤ 1.5")
	}
	return t, nil
}

// waitStreaming waits until every camera's hubs took new media after since.
func waitStreaming(ctx context.Context, in *ingest.Ingest, cams []nvr.Camera, since time.Time, limit time.Duration) error {
	base := make(map[nvr.CameraID]uint64, len(cams))
	for _, c := range cams {
		base[c.ID] = in.BytesIngested(c.ID)
	}
	deadline := time.Now().Add(limit)
	for {
		waiting := 0
		for _, c := range cams {
			if in.BytesIngested(c.ID) == base[c.ID] {
				waiting++
			}
		}
		if waiting == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d cameras not streaming %v after %v", waiting, len(cams),
				limit, since.Format(time.TimeOnly))
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return errors.Join(err, fmt.Errorf("%d cameras still waiting", waiting))
		}
	}
}
