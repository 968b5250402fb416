package simcam

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
)

// MaxFileSize is the largest file LoadFile accepts: files are held in memory.
const MaxFileSize = 256 << 20

// DefaultFileFPS is the frame rate of a file whose SPS carries no timing
// information and whose camera sets no FPS.
const DefaultFileFPS = 25

// Codec names returned by FileSource.Codec and Camera.Codec.
const (
	CodecH264 = "H264"
	CodecH265 = "H265"
)

// FileSource is a recorded H.264 or H.265 stream loaded into memory and split
// into access units, ready to be looped by file cameras. It is immutable after
// LoadFile and safe to share between cameras and goroutines.
type FileSource struct {
	path          string
	codec         string
	vps, sps, pps []byte // the first of each in the file; vps is H.265 only
	width, height int
	// fpsNum/fpsDen is the frame rate from the SPS timing info; 0/0 if absent.
	fpsNum, fpsDen uint64
	aus            []fileAU // decode order, starting at a random-access point
	bytes          int64    // NAL unit bytes in aus, without start codes
	// delay is the reorder delay in frames: presentation time = decode
	// time + delay + aus[i].shift, never earlier than decode time.
	delay int
}

// fileAU is one access unit of a file.
type fileAU struct {
	nalus [][]byte // no start codes; as in the file, minus old Hearth stamps
	vclAt int      // index of the first slice: where the stamp goes
	key   bool     // IDR (H.264) or IDR/BLA (H.265): a loop or seek target
	shift int      // presentation index − decode index within its coded video sequence
}

// LoadFile reads an Annex-B H.264 (.h264, .264) or H.265 (.h265, .265, .hevc)
// elementary stream, or the first H.264/H.265 track of an MPEG-TS file (.ts),
// and splits it into access units. Other extensions are sniffed. Files larger
// than MaxFileSize, without parameter sets, or without a keyframe are refused.
// Leading pictures before the first keyframe are dropped.
func LoadFile(path string) (*FileSource, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	kind := fileKind(path, data)
	var nalus [][]byte
	switch kind {
	case "ts":
		var es []byte
		if kind, es, err = readTS(data); err == nil {
			nalus = splitAnnexB(es)
		}
	case CodecH264, CodecH265:
		nalus = splitAnnexB(data)
	default:
		err = errors.New("not an Annex-B H.264/H.265 or MPEG-TS file")
	}
	if err == nil && len(nalus) == 0 {
		err = errors.New("no NAL units")
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	src := &FileSource{path: path, codec: kind}
	if err := src.build(nalus); err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return src, nil
}

// Path returns the file's path as given to LoadFile.
func (s *FileSource) Path() string { return s.path }

// Codec returns CodecH264 or CodecH265.
func (s *FileSource) Codec() string { return s.codec }

// Width and Height return the picture size from the SPS (after cropping).
func (s *FileSource) Width() int  { return s.width }
func (s *FileSource) Height() int { return s.height } //nolint:revive // documented with Width

// Frames returns the number of access units in one loop.
func (s *FileSource) Frames() int { return len(s.aus) }

// Bytes returns the NAL unit bytes of one loop, without start codes and
// without the stamps a camera adds.
func (s *FileSource) Bytes() int64 { return s.bytes }

// FPS returns the frame rate from the SPS timing info, or 0 if it has none.
func (s *FileSource) FPS() float64 {
	if s.fpsDen == 0 {
		return 0
	}
	return float64(s.fpsNum) / float64(s.fpsDen)
}

// readBounded reads a whole file, refusing one larger than MaxFileSize.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%d bytes: larger than %d MiB", st.Size(), MaxFileSize>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d MiB", MaxFileSize>>20)
	}
	return data, nil
}

// fileKind returns "ts", CodecH264, CodecH265 or "" from the extension, or
// else from the content.
func fileKind(path string, data []byte) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ts":
		return "ts"
	case ".h264", ".264", ".avc":
		return CodecH264
	case ".h265", ".265", ".hevc":
		return CodecH265
	}
	if len(data) >= 2*188 && data[0] == 0x47 && data[188] == 0x47 {
		return "ts"
	}
	nalus := splitAnnexB(data[:min(len(data), 4096)])
	if len(nalus) == 0 || len(nalus[0]) < 2 || nalus[0][0]&0x80 != 0 {
		return ""
	}
	// An H.265 header is two bytes: type<<1, then layer 0 and TemporalId+1 in
	// 1..7. Streams open with an AUD, VPS, SPS or SEI; H.264 ones with an
	// AUD (9), SPS (7) or SEI (6), whose first byte reads as H.265 type ≤ 4.
	n := nalus[0]
	if t := n[0] >> 1 & 0x3f; t >= 32 && t <= 39 && n[1]&7 != 0 && n[1]>>3 == 0 {
		return CodecH265
	}
	switch n[0] & 0x1f {
	case 1, 5, 6, 7, 8, 9:
		return CodecH264
	}
	return ""
}

// splitAnnexB returns the NAL units of an Annex-B byte stream as sub-slices
// of data (no copy), without start codes or trailing zero bytes.
func splitAnnexB(data []byte) [][]byte {
	var out [][]byte
	start := -1 // start of the current NAL unit's payload
	for i := 0; i+2 < len(data); {
		if data[i+2] > 1 { // fast skip: no start code can end at i+2
			i += 3
			continue
		}
		if data[i] != 0 || data[i+1] != 0 || data[i+2] != 1 {
			i++
			continue
		}
		if start >= 0 {
			out = appendNALU(out, data[start:i])
		}
		i += 3
		start = i
	}
	if start >= 0 {
		out = appendNALU(out, data[start:])
	}
	return out
}

func appendNALU(out [][]byte, n []byte) [][]byte {
	n = bytes.TrimRight(n, "\x00") // zero_byte of a 4-byte start code, trailing_zero_8bits
	if len(n) == 0 {
		return out
	}
	return append(out, n[:len(n):len(n)])
}

// setParams records the first parameter sets and derives size and frame rate.
func (s *FileSource) setParams(nalus [][]byte) error {
	for _, n := range nalus {
		switch {
		case s.codec == CodecH264 && n[0]&0x1f == byte(h264.NALUTypeSPS) && s.sps == nil:
			s.sps = n
		case s.codec == CodecH264 && n[0]&0x1f == byte(h264.NALUTypePPS) && s.pps == nil:
			s.pps = n
		case s.codec == CodecH265 && len(n) > 1 && h265.NALUType(n[0]>>1&0x3f) == h265.NALUType_VPS_NUT && s.vps == nil:
			s.vps = n
		case s.codec == CodecH265 && len(n) > 1 && h265.NALUType(n[0]>>1&0x3f) == h265.NALUType_SPS_NUT && s.sps == nil:
			s.sps = n
		case s.codec == CodecH265 && len(n) > 1 && h265.NALUType(n[0]>>1&0x3f) == h265.NALUType_PPS_NUT && s.pps == nil:
			s.pps = n
		}
	}
	if s.sps == nil || s.pps == nil || (s.codec == CodecH265 && s.vps == nil) {
		return fmt.Errorf("no %s parameter sets", s.codec)
	}
	var timeScale, ticks uint64
	if s.codec == CodecH264 {
		var sps h264.SPS
		if err := sps.Unmarshal(s.sps); err != nil {
			return fmt.Errorf("h264 sps: %w", err)
		}
		s.width, s.height = sps.Width(), sps.Height()
		if sps.VUI != nil && sps.VUI.TimingInfo != nil {
			timeScale, ticks = uint64(sps.VUI.TimingInfo.TimeScale), 2*uint64(sps.VUI.TimingInfo.NumUnitsInTick)
		}
	} else {
		var sps h265.SPS
		if err := sps.Unmarshal(s.sps); err != nil {
			return fmt.Errorf("h265 sps: %w", err)
		}
		s.width, s.height = sps.Width(), sps.Height()
		if sps.VUI != nil && sps.VUI.TimingInfo != nil {
			timeScale, ticks = uint64(sps.VUI.TimingInfo.TimeScale), uint64(sps.VUI.TimingInfo.NumUnitsInTick)
		}
	}
	// Only plausible rates count; anything else falls back to the camera's FPS.
	if ticks > 0 && timeScale > 0 {
		if fps := float64(timeScale) / float64(ticks); fps >= 1 && fps <= 240 && !math.IsInf(fps, 0) {
			g := gcd(timeScale, ticks)
			s.fpsNum, s.fpsDen = timeScale/g, ticks/g
		}
	}
	return nil
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
