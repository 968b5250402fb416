package main

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/motion"
	"github.com/hearthnvr/hearth/streams/thumbnail"
)

// thumbnailWidth bounds event thumbnails (JPEG).
const thumbnailWidth = 640

// eventMedia adapts the streams packages (motion detectors, thumbnails)
// to what events.Events asks for. ffmpeg is looked up once at start: with it,
// thumbnails are JPEGs and "auto" cameras that have a sub stream get the
// pixel detector (decoding a small stream is cheap; decoding a 1080p main
// stream costs a Pi most of a core, so those keep the bitstream detector
// unless set to "pixel"); without it, the bitstream detector and
// one-frame MP4s. Hearth never needs ffmpeg.
type eventMedia struct {
	ffmpeg string // "" when not installed
	log    *slog.Logger
}

func newEventMedia(log *slog.Logger) eventMedia {
	path := ffmpegPath()
	if path == "" {
		log.Info("ffmpeg not found: motion from the bitstream, thumbnails as one-frame MP4")
	}
	return eventMedia{ffmpeg: path, log: log}
}

// ffmpegPath is the ffmpeg the event media use, "" when none is installed.
func ffmpegPath() string {
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		return ""
	}
	return path
}

// detectors is the events.DetectorFactory.
func (m eventMedia) detectors(c nvr.Camera) (events.Detector, error) {
	d := c.Detection.WithDefaults()
	if d.NoEvents {
		return nil, nil
	}
	sensitivity := float64(d.Sensitivity) / nvr.MaxSensitivity
	mode := d.Running(c.SubURL != "", m.ffmpeg != "")
	if d.Detector == nvr.DetectorPixel && mode != nvr.DetectorPixel {
		m.log.Warn("the pixel motion detector needs ffmpeg; using the bitstream detector", "camera", c.ID)
	}
	switch mode {
	case nvr.DetectorOff:
		return nil, nil
	case nvr.DetectorBitstream:
		return detectorAdapter{motion.NewBitstream(motion.BitstreamConfig{Sensitivity: sensitivity})}, nil
	case nvr.DetectorPixel:
		zs, err := d.ParsedZones()
		if err != nil {
			return nil, err
		}
		cfg := motion.PixelConfig{FFmpeg: m.ffmpeg, Sensitivity: sensitivity}
		for _, z := range zs {
			poly := make([]motion.Point, len(z.Polygon))
			for i, p := range z.Polygon {
				poly[i] = motion.Point{X: p[0], Y: p[1]}
			}
			if z.Mask {
				cfg.Masks = append(cfg.Masks, poly)
			} else {
				cfg.Zones = append(cfg.Zones, motion.Zone{Name: z.Name, Polygon: poly})
			}
		}
		p, err := motion.NewPixel(cfg)
		if err != nil {
			return nil, err
		}
		return detectorAdapter{p}, nil
	}
	return nil, nil
}

// detectorAdapter runs a motion.Detector as an events.Detector.
type detectorAdapter struct{ d motion.Detector }

func (a detectorAdapter) Run(ctx context.Context, src events.UnitSource, emit func(events.Activity)) error {
	return a.d.Run(ctx, src, func(o motion.Observation) {
		emit(events.Activity{Wall: o.Wall, Moving: o.Moving, Score: o.Score, Zones: o.Zones})
	})
}

// Thumbnail implements events.Thumbnailer.
func (m eventMedia) Thumbnail(ctx context.Context, key *media.Unit) ([]byte, string, error) {
	if m.ffmpeg != "" {
		b, err := thumbnail.JPEG(ctx, m.ffmpeg, key, thumbnailWidth)
		if err == nil {
			return b, "image/jpeg", nil
		}
		if !errors.Is(err, thumbnail.ErrNoFFmpeg) {
			return nil, "", err
		}
	}
	b, err := thumbnail.MP4(key)
	if err != nil {
		return nil, "", err
	}
	return b, "video/mp4", nil
}
