package thumbnail

import (
	"errors"
	"fmt"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
)

// maxMP4Bytes bounds the one-frame MP4.
const maxMP4Bytes = 32 << 20

// MP4 returns the keyframe as a one-frame MP4 a browser can render (no
// ffmpeg): a fragmented MP4 (init segment, then one fragment holding the
// keyframe as a sync sample) written by the recorder's own segment writer,
// so it plays wherever recordings play. Only the keyframe's video track is
// kept. The parameter sets go in the sample description (from the unit, or
// its StreamInfo when it carries none).
//
// mediacommon's pmp4 would give a progressive MP4; the segment writer is
// used instead so a thumbnail has the same sample entries as the
// recordings it is cut from.
func MP4(key *media.Unit) ([]byte, error) {
	k, err := split(key)
	if err != nil {
		return nil, err
	}
	t := key.Info.Tracks[key.Track]
	t.VPS, t.SPS, t.PPS = k.vps, k.sps, k.pps
	info := &media.StreamInfo{CameraID: key.Info.CameraID, Stream: key.Info.Stream, Tracks: []media.Track{t}}
	nalus := make([][]byte, 0, len(k.nalus)+3)
	if k.codec == media.H265 {
		nalus = append(nalus, k.vps)
	}
	nalus = append(append(nalus, k.sps, k.pps), k.nalus...)
	u := &media.Unit{Info: info, Track: 0, Key: true, Wall: key.Wall, NALUs: nalus}
	f := &memFile{}
	w, err := segment.NewWriter(f, info, segment.WriterOptions{SyncInterval: -1})
	if err != nil {
		return nil, fmt.Errorf("thumbnail: mp4: %w", err)
	}
	if err := w.WriteUnit(u); err != nil {
		_ = w.Close(nil)
		return nil, fmt.Errorf("thumbnail: mp4: %w", err)
	}
	if err := w.Close(nil); err != nil {
		return nil, fmt.Errorf("thumbnail: mp4: %w", err)
	}
	return f.buf, nil
}

// memFile is an in-memory segment.File.
type memFile struct{ buf []byte }

func (m *memFile) Write(p []byte) (int, error) {
	if len(m.buf)+len(p) > maxMP4Bytes {
		return 0, errors.New("one-frame mp4 too large")
	}
	m.buf = append(m.buf, p...)
	return len(p), nil
}

func (m *memFile) Sync() error  { return nil }
func (m *memFile) Close() error { return nil }

func (m *memFile) Truncate(size int64) error {
	if size < 0 || size > int64(len(m.buf)) {
		return errors.New("truncate out of range")
	}
	m.buf = m.buf[:size]
	return nil
}
