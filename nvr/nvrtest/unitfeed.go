package nvrtest

import (
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// UnitFeed renders a simulated camera into units with synthetic wall
// times (base + frame/fps), for feeding hubs directly.
type UnitFeed struct {
	t     testing.TB
	cam   *simcam.Camera
	Info  *media.StreamInfo // the stream every unit carries
	fps   int
	base  time.Time
	frame int
}

// NewUnitFeed feeds camera id at fps frames a second, a keyframe every gop
// frames, the first at base.
func NewUnitFeed(t testing.TB, id nvr.CameraID, fps, gop int, base time.Time) *UnitFeed {
	t.Helper()
	f := &UnitFeed{t: t, fps: fps, base: base}
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: string(id), FPS: fps, GOP: gop,
		Width: simcam.MinWidth, Height: simcam.MinHeight, Now: f.Wall})
	if err != nil {
		t.Fatal(err)
	}
	c := cam.Config()
	f.cam = cam
	f.Info = &media.StreamInfo{CameraID: string(id), Stream: "main", Tracks: []media.Track{{
		Codec: media.H264, ClockRate: 90000, Width: c.Width, Height: c.Height, FPS: float64(fps),
		SPS: cam.SPS(), PPS: cam.PPS(),
	}}}
	return f
}

// Wall is the wall time of the next frame.
func (f *UnitFeed) Wall() time.Time {
	return f.base.Add(time.Duration(f.frame) * time.Second / time.Duration(f.fps))
}

// Next returns the next frame's unit.
func (f *UnitFeed) Next() *media.Unit {
	f.t.Helper()
	wall := f.Wall()
	au, err := f.cam.Next()
	if err != nil {
		f.t.Fatal(err)
	}
	dts := int64(f.frame) * 90000 / int64(f.fps)
	f.frame++
	return &media.Unit{Info: f.Info, Track: 0, PTS: dts, DTS: dts, Wall: wall, Key: au.IDR, NALUs: au.NALUs}
}
