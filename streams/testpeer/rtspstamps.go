package testpeer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/pion/rtp"

	"github.com/hearthnvr/hearth/streams/sei"
)

// RTSPStamps plays url (credentials, if any, in its user information) with
// gortsplib's client over TCP for hold, or until ctx ends, and counts the
// H.264 pictures by the camera ID of their SEI stamp (simcam's in-band
// identity; "" counts pictures without one). An error is the refusal or
// failure of DESCRIBE, SETUP or PLAY, e.g. "401 Unauthorized". It is safe
// to call from many goroutines: each call has its own client.
func RTSPStamps(ctx context.Context, url string, hold time.Duration) (map[string]int64, error) {
	u, err := base.ParseURL(url)
	if err != nil {
		return nil, err
	}
	tcp := gortsplib.ProtocolTCP
	c := gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Protocol: &tcp, ReadTimeout: 10 * time.Second}
	if err := c.Start(); err != nil {
		return nil, err
	}
	defer c.Close()
	desc, _, err := c.Describe(u)
	if err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	var f *format.H264
	medi := desc.FindFormat(&f)
	if medi == nil {
		return nil, errors.New("no H.264 media")
	}
	dec, err := f.CreateDecoder()
	if err != nil {
		return nil, err
	}
	if _, err := c.Setup(desc.BaseURL, medi, 0, 0); err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	var mu sync.Mutex
	counts := map[string]int64{}
	c.OnPacketRTP(medi, f, func(pkt *rtp.Packet) {
		au, err := dec.Decode(pkt)
		if err != nil {
			return // not a whole access unit yet
		}
		st, _ := sei.Find(au)
		mu.Lock()
		counts[st.CameraID]++
		mu.Unlock()
	})
	if _, err := c.Play(nil); err != nil {
		return nil, fmt.Errorf("play: %w", err)
	}
	timer := time.NewTimer(hold)
	defer timer.Stop()
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }() // Wait's error is Close's or the server's end: the counts are the answer
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-done: // the server ended the session (a revocation, a shutter)
	}
	c.Close()
	<-done
	mu.Lock()
	defer mu.Unlock()
	out := make(map[string]int64, len(counts))
	for k, v := range counts {
		out[k] = v
	}
	return out, nil
}
