package events

import (
	"bytes"
	"context"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
)

// TestEventsSnapshot: a snapshot is the granted camera's own latest
// keyframe through the thumbnailer; a misrouted hub, a camera without
// pictures, a missing thumbnailer and the wrong action all refuse.
func TestEventsSnapshot(t *testing.T) {
	t.Parallel()
	w := newEventsWorld(t)
	camA, camB, camC, camIdle := addTestCamera(t, w, 0), addTestCamera(t, w, 0), addTestCamera(t, w, 0), addTestCamera(t, w, 0)
	hubA := hub.New(string(camA.ID), hub.Options{})
	hubIdle := hub.New(string(camC.ID), hub.Options{})
	// camB is misrouted to camA's hub: the keyframe's camera ID refuses it.
	hubs := &mapHubs{hubs: map[nvr.CameraID]*hub.Hub{camA.ID: hubA, camB.ID: hubA, camC.ID: hubIdle}}
	info := &media.StreamInfo{CameraID: string(camA.ID), Stream: "sub",
		Tracks: []media.Track{{Codec: media.H264, ClockRate: media.VideoClockRate, Width: 64, Height: 64}}}
	hubA.Publish(&media.Unit{Info: info, Key: true, NALUs: [][]byte{[]byte("picture-of-" + string(camA.ID))}})

	store := w.DB
	e := NewEvents(EventsConfig{Store: store, Cameras: store, Thumbnailer: keyThumbnailer{}, hubs: hubs})
	ctx := context.Background()
	live := func(c nvr.Camera) nvr.CameraGrant { return nvrtest.CameraGrant(t, c, nvr.ActionViewLive) }

	data, ct, err := e.Snapshot(ctx, live(camA))
	if err != nil || ct != nvr.ThumbMP4 || !bytes.Equal(data, []byte("picture-of-"+string(camA.ID))) {
		t.Fatalf("snapshot of A: %q %q %v", data, ct, err)
	}
	for name, tc := range map[string]struct {
		e    *Events
		g    nvr.CameraGrant
		kind nvr.Kind
	}{
		"misrouted hub":     {e, live(camB), nvr.KindUnavailable},
		"no keyframe yet":   {e, live(camC), nvr.KindUnavailable},
		"not streaming":     {e, live(camIdle), nvr.KindUnavailable},
		"wrong action":      {e, nvrtest.CameraGrant(t, camA, nvr.ActionViewRecordings), nvr.KindNotFound},
		"no thumbnailer":    {NewEvents(EventsConfig{Store: store, Cameras: store, hubs: hubs}), live(camA), nvr.KindUnavailable},
		"no events service": {nil, live(camA), nvr.KindUnavailable},
	} {
		data, _, err := tc.e.Snapshot(ctx, tc.g)
		if nvr.ErrorKind(err) != tc.kind || data != nil {
			t.Errorf("%s: %d bytes, %v; want kind %v", name, len(data), err, tc.kind)
		}
	}
}
