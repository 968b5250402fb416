package restream_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/testpeer"
)

// stampCount reads a restream URL for d and counts the pictures whose SEI
// stamp names want and those naming another camera.
func stampCount(url string, want string, d time.Duration) (own, foreign int64, err error) {
	counts, err := testpeer.RTSPStamps(context.Background(), url, d)
	for id, n := range counts {
		switch id {
		case want:
			own += n
		case "": // no stamp: not a picture of any camera's
		default:
			foreign += n
		}
	}
	return own, foreign, err
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
