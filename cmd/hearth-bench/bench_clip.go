package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// benchClipAssembly writes cfg.ClipMinutes of the 1080p clip as 60 s
// segments (faster than real time), then assembles them into one MP4 the
// way GET /clip.mp4 does and reads it whole.
func benchClipAssembly(ctx context.Context, cfg benchConfig) (*benchTable, error) {
	clip, err := benchClipFile(ctx, cfg.Work)
	if err != nil {
		return nil, err
	}
	dir, err := benchDataDir(cfg.Work)
	if err != nil {
		return nil, err
	}
	defer removeAllQuiet(dir)
	id := string(nvr.NewCameraID())
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: id, File: clip})
	if err != nil {
		return nil, err
	}
	c := cam.Config()
	info := &media.StreamInfo{CameraID: id, Stream: "main", Tracks: []media.Track{{Codec: media.H264,
		ClockRate: media.VideoClockRate, Width: c.Width, Height: c.Height, FPS: float64(c.FPS), SPS: cam.SPS(), PPS: cam.PPS()}}}
	var paths []string
	files := segmentFilesFunc(func(s segment.SegmentStart) (segment.File, error) {
		p := filepath.Join(dir, strconv.FormatUint(s.Seq, 10)+".mp4")
		paths = append(paths, p)
		return segment.CreateFile(p)
	})
	seg := segment.NewSegmenter(segment.Config{Files: files, Target: time.Minute})
	frames := cfg.ClipMinutes * 60 * c.FPS
	wall := time.Now().Add(-time.Duration(cfg.ClipMinutes) * time.Minute)
	frameDur := time.Second / time.Duration(c.FPS)
	for i := range frames {
		if i%1000 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		au, err := cam.Next()
		if err != nil {
			return nil, err
		}
		pts := int64(i) * media.VideoClockRate / int64(c.FPS)
		u := &media.Unit{Info: info, PTS: pts, DTS: pts, Wall: wall.Add(time.Duration(i) * frameDur), Key: au.IDR, NALUs: au.NALUs}
		if err := seg.WriteUnit(u); err != nil {
			return nil, fmt.Errorf("write footage: %w", err)
		}
	}
	if err := seg.Close(); err != nil {
		return nil, fmt.Errorf("write footage: %w", err)
	}
	srcs := make([]segment.ClipSource, len(paths))
	for i, p := range paths {
		srcs[i] = segment.ClipSource{Path: p}
	}

	// The files were just written, so the page cache is warm, as when a
	// household re-watches today's footage; the figure is Hearth's own cost.
	const rounds = 3
	buf := make([]byte, 256<<10)
	var total int64
	var openTime, firstByte time.Duration
	start := time.Now()
	for range rounds {
		t0 := time.Now()
		cl, err := segment.OpenClip(srcs, segment.ClipOptions{})
		if err != nil {
			return nil, fmt.Errorf("assemble clip: %w", err)
		}
		openTime += time.Since(t0)
		r := cl.NewReader()
		n, err := r.Read(buf)
		firstByte += time.Since(t0)
		if err != nil && err != io.EOF {
			cl.Close()
			return nil, err
		}
		m, err := io.CopyBuffer(io.Discard, r, buf)
		cl.Close()
		if err != nil {
			return nil, err
		}
		total += int64(n) + m
	}
	elapsed := time.Since(start)
	t := &benchTable{title: fmt.Sprintf("clip: %d min of 1080p25 ~4 Mbit/s footage in %d segments, assembled %d times",
		cfg.ClipMinutes, len(paths), rounds)}
	t.add("clip size", fmtMB(total/rounds), "")
	t.add("assembly (open: index the fragments)", fmtDur(openTime/rounds), "")
	t.add("time to first byte", fmtDur(firstByte/rounds), "")
	t.add("throughput (open + read)", fmt.Sprintf("%.0f MB/s", float64(total)/1e6/elapsed.Seconds()), "")
	return t, nil
}

// segmentFilesFunc adapts a function to segment.Files.
type segmentFilesFunc func(segment.SegmentStart) (segment.File, error)

func (f segmentFilesFunc) Create(s segment.SegmentStart) (segment.File, error) { return f(s) }

// benchDataDir makes a fresh directory under work for one scenario.
func benchDataDir(work string) (string, error) {
	return os.MkdirTemp(work, "run-")
}

func removeAllQuiet(dir string) { _ = os.RemoveAll(dir) }

// freeTCPPort returns a loopback port that was free a moment ago.
func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
