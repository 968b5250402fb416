package main

import (
	"bufio"
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
)

// rawReset sends a request on a fresh TCP connection, reads up to n bytes
// of the answer (0: none, or only part of the request is sent) and closes
// the connection with a reset (linger 0): a client killed mid-request.
func rawReset(base, path, authHeader string, n int, partial bool) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return err
	}
	tcp := conn.(*net.TCPConn)
	_ = tcp.SetLinger(0)
	defer tcp.Close()
	_ = tcp.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\n" + authHeader + "\r\n\r\n"
	if partial {
		req = req[:len(req)/2]
	}
	if _, err := tcp.Write([]byte(req)); err != nil || n == 0 {
		return err
	}
	r := bufio.NewReader(tcp)
	buf := make([]byte, n)
	_, _ = r.Read(buf)
	return nil
}

// settledGoroutines waits for the goroutine count to stop falling and
// returns it.
func settledGoroutines(limit time.Duration, want int) int {
	deadline := time.Now().Add(limit)
	n := runtime.NumGoroutine()
	for time.Now().Before(deadline) && (want < 0 || n > want) {
		time.Sleep(200 * time.Millisecond)
		runtime.GC()
		m := runtime.NumGoroutine()
		if want < 0 && m >= n {
			return m
		}
		n = m
	}
	return n
}

// TestCancelStorm: many users of different households at once, through
// the real server, cancel requests at random points and reset their TCP
// connections mid-request or mid-response (linger 0). Every response that
// does complete must still be the requester's own (listings, clips,
// thumbnails, by camera ID and SEI); the server answers normally after,
// and its goroutines return to the baseline. Small enough for -race,
// which is the point: a shared buffer or response writer reused across
// requests shows up as a race report or as another user's bytes.
func TestCancelStorm(t *testing.T) {
	clients, dur := 48, 8*time.Second
	if raceEnabled {
		clients, dur = 24, 5*time.Second
	}
	dur = time.Duration(envInt("HEARTH_CANCEL_SECONDS", int(dur/time.Second))) * time.Second
	households := 3
	if raceEnabled {
		households = 2 // each user costs two argon2 hashes, slow under -race
	}
	site := newIsoSite(t, isoConfig{Households: households, CamsPerHousehold: 2, Servers: 1, Tokens: true,
		ViewersPerHousehold: func(int) int { return 1 },
		Camera: simcam.CameraConfig{FPS: 5, GOP: 10, Width: simcam.MinWidth, Height: simcam.MinHeight,
			Schedule: simcam.Schedule{Start: time.Now().Truncate(time.Second), Still: 4 * time.Second, Move: 2 * time.Second}}})
	start := time.Now()
	srv := startServer(t, site.data)
	site.login(t, srv.url)
	waitRecorded(t, site.data, site.allCams(), start, 3*time.Second, 60*time.Second)

	tr := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	hc := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	counts := &stormCounts{}
	// Warm up (the server's lazily started parts), then the baseline.
	for _, u := range site.users {
		c := &stormClient{site: site, base: srv.url, hc: hc, u: u, hdr: http.Header{"Cookie": {u.cookie}},
			rng: rand.New(rand.NewPCG(1, 2)), counts: counts}
		for range 5 {
			c.step(context.Background())
		}
	}
	tr.CloseIdleConnections()
	baseline := settledGoroutines(10*time.Second, -1)

	var cancelled, resets atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	for i := range clients {
		rng := rand.New(rand.NewPCG(uint64(i), 11))
		u := site.users[i%len(site.users)]
		auth := "Authorization: Bearer " + u.token
		hdr := http.Header{"Authorization": {"Bearer " + u.token}}
		if i%2 == 0 {
			auth, hdr = "Cookie: "+u.cookie, http.Header{"Cookie": {u.cookie}}
		}
		c := &stormClient{site: site, base: srv.url, hc: hc, u: u, hdr: hdr, rng: rng, counts: counts}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				switch rng.IntN(3) {
				case 0: // to completion
					c.step(ctx)
				case 1: // cancelled at a random point: before, during or after
					rctx, rcancel := context.WithTimeout(ctx, time.Duration(rng.IntN(40))*time.Millisecond)
					c.step(rctx)
					rcancel()
					cancelled.Add(1)
				default: // the connection reset mid-request or mid-response
					now := time.Now().UTC()
					cam := c.visibleCam()
					paths := []string{"/api/cameras", "/api/events?limit=50", "/api/cameras/" + cam,
						"/api/cameras/" + cam + "/clip.mp4?start=" + now.Add(-8*time.Second).Format(time.RFC3339) + "&end=" + now.Format(time.RFC3339)}
					_ = rawReset(srv.url, paths[rng.IntN(len(paths))], auth, rng.IntN(3000), rng.IntN(4) == 0)
					resets.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	tr.CloseIdleConnections()
	// A leak grows with the ~800 interrupted requests; the slack is for the
	// server's own background goroutines (reconnects, detectors) coming and going.
	const slack = 40
	after := settledGoroutines(15*time.Second, baseline+slack)
	t.Logf("cancel storm: %d clients for %v: %d requests cancelled, %d connections reset; checked %d listings (%d items), %d thumbnails, %d clips (%d frames); %d violations; goroutines %d before, %d after",
		clients, dur, cancelled.Load(), resets.Load(), counts.listings.Load(), counts.listed.Load(), counts.thumbs.Load(),
		counts.clips.Load(), counts.clipFrames.Load(), counts.violations.Load(), baseline, after)
	if n := counts.violations.Load(); n != 0 {
		t.Fatalf("%d responses of another household, first: %q", n, counts.notes)
	}
	if counts.listings.Load() < 10 || counts.clips.Load() < 3 || cancelled.Load() < 10 || resets.Load() < 10 {
		t.Fatal("too little done to prove anything")
	}
	if after > baseline+slack {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d after the storm, %d before: a leak\n%s", after, baseline, buf[:runtime.Stack(buf, true)])
	}
	// Healthy after: every user still gets exactly their own listing.
	for _, u := range site.users {
		c := &stormClient{site: site, base: srv.url, hc: hc, u: u, hdr: http.Header{"Cookie": {u.cookie}}, counts: counts}
		code, _, b, err := c.get(context.Background(), "/api/cameras")
		ids, perr := listedCameras(b)
		if err != nil || perr != nil || code != 200 || len(ids) != len(u.visible) {
			t.Fatalf("%s after the storm: %d %v %v, %d cameras of %d", u.name, code, err, perr, len(ids), len(u.visible))
		}
		for _, id := range ids {
			if !u.visible[id] {
				t.Fatalf("%s after the storm sees %s", u.name, id)
			}
		}
	}
	tr.CloseIdleConnections()
}
