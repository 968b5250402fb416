// Package sei builds and parses Hearth's identity stamp: an SEI
// user_data_unregistered message (payload type 5) that carries a camera ID and
// a frame counter inside the video bitstream, so every access unit proves which
// camera produced it, whatever path it took.
//
// Payload layout after the 16-byte UUID:
//
//	version   1 byte  (1)
//	idLen     1 byte  (0..MaxIDLen)
//	cameraID  idLen bytes
//	frame     8 bytes, big-endian
package sei

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hearthnvr/hearth/streams/nal"
)

// UUID identifies Hearth stamps among user_data_unregistered messages
// (8f3c520e-6a41-4d2b-9e17-c465d088215a). It is random and fixed forever;
// readers ignore messages with any other UUID. A string constant, so no
// caller can change it.
const UUID = "\x8f\x3c\x52\x0e\x6a\x41\x4d\x2b\x9e\x17\xc4\x65\xd0\x88\x21\x5a"

// MaxIDLen is the longest camera ID a stamp carries, in bytes.
const MaxIDLen = 64

const (
	version             = 1
	payloadTypeUserData = 5
	naluTypeH264SEI     = 6
	naluTypeH265Prefix  = 39
)

// Stamp is the content of a Hearth SEI message.
type Stamp struct {
	CameraID string
	Frame    uint64
}

// ErrIDTooLong is returned for camera IDs longer than MaxIDLen bytes.
var ErrIDTooLong = errors.New("camera id longer than 64 bytes")

// Marshal returns an H.264 SEI NAL unit (type 6, no start code, emulation
// prevention applied) carrying the stamp.
func Marshal(cameraID string, frame uint64) ([]byte, error) {
	rbsp, err := rbsp(cameraID, frame)
	if err != nil {
		return nil, err
	}
	return nal.AppendEscaped([]byte{naluTypeH264SEI}, rbsp), nil
}

// MarshalH265 returns an H.265 prefix SEI NAL unit (type 39, layer 0,
// temporal ID 0) carrying the stamp.
func MarshalH265(cameraID string, frame uint64) ([]byte, error) {
	rbsp, err := rbsp(cameraID, frame)
	if err != nil {
		return nil, err
	}
	return nal.AppendEscaped([]byte{naluTypeH265Prefix << 1, 1}, rbsp), nil
}

// rbsp builds sei_rbsp: one sei_message plus rbsp_trailing_bits.
func rbsp(cameraID string, frame uint64) ([]byte, error) {
	if len(cameraID) > MaxIDLen {
		return nil, fmt.Errorf("marshal stamp: %w", ErrIDTooLong)
	}
	size := len(UUID) + 2 + len(cameraID) + 8
	out := make([]byte, 0, size+8)
	out = append(out, payloadTypeUserData)
	for s := size; ; s -= 255 { // payload size is coded as 0xff runs plus a final byte
		if s < 255 {
			out = append(out, byte(s))
			break
		}
		out = append(out, 0xff)
	}
	out = append(out, UUID...)
	out = append(out, version, byte(len(cameraID)))
	out = append(out, cameraID...)
	out = binary.BigEndian.AppendUint64(out, frame)
	return append(out, 0x80), nil
}
