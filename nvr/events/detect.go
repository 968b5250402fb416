package events

import (
	"context"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/media"
)

// The media side of events lives in streams (motion detectors, the
// thumbnailer); these are the small interfaces Events needs of it, declared
// here by their consumer. cmd/hearth adapts the streams packages to them.

// UnitSource yields one camera stream's access units (a hub subscription).
// Next returns an error when the stream ends or ctx is done.
type UnitSource interface {
	Next(ctx context.Context) (*media.Unit, error)
}

// Activity is a detector's report. Moving is true when motion starts and at
// least every second while it goes on, false when it stops. Wall is the
// capture time of the unit it was seen in.
type Activity struct {
	Wall   time.Time
	Moving bool
	Score  float64
	Zones  []string
}

// Detector finds motion in a camera stream. Run reads src until ctx ends
// or src fails, calling emit on its own goroutine; it returns the reason
// it stopped (nil or ctx.Err() when ctx ended).
type Detector interface {
	Run(ctx context.Context, src UnitSource, emit func(Activity)) error
}

// DetectorFactory makes the detector for one camera from its settings
// (Camera.Detection). (nil, nil): no detector for this camera.
type DetectorFactory func(c nvr.Camera) (Detector, error)

// Thumbnailer makes an event thumbnail from a video keyframe: a JPEG
// ("image/jpeg") or, without ffmpeg, a one-frame MP4 ("video/mp4").
// Safe for concurrent use.
type Thumbnailer interface {
	Thumbnail(ctx context.Context, key *media.Unit) (data []byte, contentType string, err error)
}

// EventRecorder is what events need of the recorder: an events-mode
// camera records from its pre roll until until plus its post roll.
type EventRecorder interface {
	Trigger(id nvr.CameraID, until time.Time)
}
