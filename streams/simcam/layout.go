package simcam

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Pattern layout. Tests, ReadPattern and any browser-side reader rely on it;
// change it only together with all of them.
//
// The pattern is a grid of PatternBlock×PatternBlock pixel blocks (one H.264
// macroblock each) starting at pixel (0,0), PatternCols blocks wide. Bits are
// laid out MSB first in raster order: left to right, then top to bottom. A
// white block (luma >= 128 at its centre) is a 1, a black block is a 0.
//
//   - ID field: block rows [IDRow, IDRow+IDRows). 152 bits = 19 bytes:
//     1 byte: number of hex digits in the camera ID (1..32),
//     16 bytes: the ID's hex digits packed two per byte, zero-padded,
//     2 bytes: CRC-16/CCITT-FALSE of the previous 17 bytes.
//     The last 8 blocks of the last row are unused (background, reads as 0).
//   - Time field: block rows [TimeRow, TimeRow+TimeRows). 64 bits = 8 bytes:
//     6 bytes: wall-clock time of the frame in Unix milliseconds (unsigned),
//     2 bytes: CRC-16/CCITT-FALSE of those 6 bytes.
//
// Below the pattern, up to OverlayHeight, the clock and camera ID are printed
// as text. Everything above OverlayHeight changes every frame by design, so
// motion detectors under test should mask it; the moving object stays below.
const (
	PatternBlock  = 16
	PatternCols   = 32
	IDRow         = 0
	IDRows        = 5
	TimeRow       = IDRow + IDRows
	TimeRows      = 2
	OverlayHeight = 160

	idFieldBytes   = 1 + 16 + 2
	timeFieldBytes = 6 + 2

	// Luma levels of the pattern, far from the 128 threshold so mild lossy
	// coding cannot flip a bit.
	lumaBlack = 16
	lumaWhite = 235
)

// MinWidth and MinHeight are the smallest frame that fits the overlay and the
// moving object.
const (
	MinWidth  = PatternCols * PatternBlock
	MinHeight = OverlayHeight + 4*PatternBlock
)

// Errors returned by ReadPattern and ValidateID.
var (
	ErrNoPattern = errors.New("no valid camera pattern")
	ErrBadID     = errors.New("camera id must be 1 to 32 lowercase hex digits")
)

// ValidateID reports whether id can be drawn in the pattern.
func ValidateID(id string) error {
	if len(id) == 0 || len(id) > 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return fmt.Errorf("%q: %w", id, ErrBadID)
	}
	return nil
}

// idField packs a validated ID into the ID field bytes (with CRC).
func idField(id string) []byte {
	b := make([]byte, 0, idFieldBytes)
	b = append(b, byte(len(id)))
	var digits [32]byte
	copy(digits[:], id)
	for i := 0; i < 32; i += 2 {
		b = append(b, nibble(digits[i])<<4|nibble(digits[i+1]))
	}
	return binary.BigEndian.AppendUint16(b, crc16(b))
}

func nibble(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return 0 // padding
}

func timeField(t time.Time) []byte {
	var b [8]byte
	ms := uint64(t.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	binary.BigEndian.PutUint16(b[6:], crc16(b[:6]))
	return b[:]
}

// crc16 is CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff), easy to redo in JS.
func crc16(p []byte) uint16 {
	crc := uint16(0xffff)
	for _, b := range p {
		crc ^= uint16(b) << 8
		for i := 0; i < 8; i++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// drawBits paints field's bits as blocks starting at block row row.
func drawBits(luma []byte, stride, row int, field []byte) {
	for i := 0; i < len(field)*8; i++ {
		v := byte(lumaBlack)
		if field[i/8]>>(7-i%8)&1 == 1 {
			v = lumaWhite
		}
		bx, by := i%PatternCols, row+i/PatternCols
		fillRect(luma, stride, bx*PatternBlock, by*PatternBlock, PatternBlock, PatternBlock, v)
	}
}

// readBits samples n bytes of blocks starting at block row row. Each block's
// value is the mean of its central 8×8 pixels, thresholded at mid-grey.
func readBits(luma []byte, stride, row, n int) []byte {
	out := make([]byte, n)
	for i := 0; i < n*8; i++ {
		bx, by := i%PatternCols, row+i/PatternCols
		x0, y0 := bx*PatternBlock+PatternBlock/4, by*PatternBlock+PatternBlock/4
		sum := 0
		for y := y0; y < y0+PatternBlock/2; y++ {
			for x := x0; x < x0+PatternBlock/2; x++ {
				sum += int(luma[y*stride+x])
			}
		}
		if sum >= 128*(PatternBlock/2)*(PatternBlock/2) {
			out[i/8] |= 1 << (7 - i%8)
		}
	}
	return out
}

// ReadPattern decodes the camera ID and the frame's wall-clock time from a
// decoded luma plane (row stride in bytes). It tolerates mild lossy coding;
// ErrNoPattern means a field is missing or fails its CRC.
func ReadPattern(luma []byte, width, height, stride int) (cameraID string, wallClock time.Time, err error) {
	if width < MinWidth || height < (TimeRow+TimeRows)*PatternBlock || stride < width ||
		len(luma) < ((TimeRow+TimeRows)*PatternBlock-1)*stride+width {
		return "", time.Time{}, fmt.Errorf("read pattern: %dx%d frame: %w", width, height, ErrNoPattern)
	}
	id := readBits(luma, stride, IDRow, idFieldBytes)
	if crc16(id[:17]) != binary.BigEndian.Uint16(id[17:]) || id[0] == 0 || id[0] > 32 {
		return "", time.Time{}, fmt.Errorf("read pattern: id field: %w", ErrNoPattern)
	}
	ts := readBits(luma, stride, TimeRow, timeFieldBytes)
	if crc16(ts[:6]) != binary.BigEndian.Uint16(ts[6:]) {
		return "", time.Time{}, fmt.Errorf("read pattern: time field: %w", ErrNoPattern)
	}
	var ms uint64
	for _, b := range ts[:6] {
		ms = ms<<8 | uint64(b)
	}
	return hex.EncodeToString(id[1:17])[:id[0]], time.UnixMilli(int64(ms)), nil
}
