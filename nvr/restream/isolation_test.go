package restream_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/pion/rtp"

	"github.com/hearthnvr/hearth/streams/sei"
)

// stampCount reads a restream URL with gortsplib's client for d and counts
// the pictures whose SEI stamp names want and those naming another camera.
// It runs on its own goroutine, so it returns its failure.
func stampCount(url string, want string, d time.Duration) (own, foreign int64, err error) {
	u, err := base.ParseURL(url)
	if err != nil {
		return 0, 0, err
	}
	tcp := gortsplib.ProtocolTCP
	c := gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Protocol: &tcp}
	if err := c.Start(); err != nil {
		return 0, 0, err
	}
	defer c.Close()
	desc, _, err := c.Describe(u)
	if err != nil {
		return 0, 0, err
	}
	var f *format.H264
	medi := desc.FindFormat(&f)
	if medi == nil {
		return 0, 0, errors.New("no H.264 media")
	}
	dec, err := f.CreateDecoder()
	if err != nil {
		return 0, 0, err
	}
	if _, err := c.Setup(desc.BaseURL, medi, 0, 0); err != nil {
		return 0, 0, err
	}
	var ownN, foreignN atomic.Int64
	c.OnPacketRTP(medi, f, func(pkt *rtp.Packet) {
		au, err := dec.Decode(pkt)
		if err != nil {
			return
		}
		if st, ok := sei.Find(au); ok {
			if st.CameraID == want {
				ownN.Add(1)
			} else {
				foreignN.Add(1)
			}
		}
	})
	if _, err := c.Play(nil); err != nil {
		return 0, 0, err
	}
	time.Sleep(d) // count for d: the figure is frames in that time
	return ownN.Load(), foreignN.Load(), nil
}

// TestRestreamIsolation: two households play their own cameras at once
// through the restream; every picture's in-band camera ID (simcam's SEI
// stamp) is the requested camera's: 0 foreign frames.
func TestRestreamIsolation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var wg sync.WaitGroup
	type result struct{ own, foreign int64 }
	res := make([]result, 4)
	urls := []struct {
		url, want string
	}{
		{w.url("ana", w.tokA, w.camA.ID), string(w.camA.ID)},
		{w.url("bea", w.tokB, w.camB.ID), string(w.camB.ID)},
		{w.url("ana", w.tokA, w.camA.ID), string(w.camA.ID)},
		{w.url("bea", w.tokB, w.camB.ID), string(w.camB.ID)},
	}
	for i, u := range urls {
		wg.Go(func() {
			own, foreign, err := stampCount(u.url, u.want, 3*time.Second)
			if err != nil {
				t.Errorf("client %d: %v", i, err)
			}
			res[i] = result{own, foreign}
		})
	}
	wg.Wait()
	for i, r := range res {
		t.Logf("client %d: %d own frames, %d foreign", i, r.own, r.foreign)
		if r.foreign != 0 || r.own < 20 {
			t.Errorf("client %d: %d own frames, %d foreign; want ≥ 20 and 0", i, r.own, r.foreign)
		}
	}
}
