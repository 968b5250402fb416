// Package stamps reads the simulated cameras' identity back out of what
// Hearth serves: the SEI stamp of every picture in an MP4 (a clip, a
// fragment, a one-frame thumbnail) and the pixel pattern of a JPEG. The
// isolation tests and the household simulation check every frame a
// principal receives with it; the binary never links it.
package stamps

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/hearthnvr/hearth/streams/segment"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// MP4 walks an MP4 (fragmented or a one-frame MP4) box by box and returns
// the SEI stamp (H.264 or H.265) of every picture in its mdat boxes, and
// the number of samples its moofs declare, so a caller can check every
// sample was stamped. withAudio: the file may hold audio samples after the
// video ones in an mdat; the first length that does not fit ends that
// mdat's NAL units instead of failing.
func MP4(b []byte, withAudio bool) (stamps []sei.Stamp, samples int, err error) {
	if l, err := segment.Scan(bytes.NewReader(b), int64(len(b))); err == nil {
		for _, f := range l.Fragments {
			for _, tr := range f.Tracks {
				samples += tr.Samples
			}
		}
	}
	p := b
	for len(p) >= 8 {
		size := int64(binary.BigEndian.Uint32(p))
		typ := string(p[4:8])
		hdr := int64(8)
		if size == 1 {
			if len(p) < 16 {
				return nil, 0, errors.New("truncated large box")
			}
			size, hdr = int64(binary.BigEndian.Uint64(p[8:])), 16
		}
		if size == 0 {
			size = int64(len(p))
		}
		if size < hdr || size > int64(len(p)) {
			return nil, 0, fmt.Errorf("box %q size %d of %d", typ, size, len(p))
		}
		if typ == "mdat" {
			d := p[hdr:size]
			for len(d) >= 4 {
				n := int(binary.BigEndian.Uint32(d))
				if n > len(d)-4 {
					if withAudio {
						break
					}
					return nil, 0, fmt.Errorf("nal size %d of %d", n, len(d)-4)
				}
				if st, ok := sei.Parse(d[4 : 4+n]); ok {
					stamps = append(stamps, st)
				} else if st, ok := sei.ParseH265(d[4 : 4+n]); ok { // an H.265 camera's
					stamps = append(stamps, st)
				}
				d = d[4+n:]
			}
		}
		p = p[size:]
	}
	return stamps, samples, nil
}

// ThumbnailCamera reads the camera ID from a thumbnail: from the pixels of a
// JPEG, from the SEI of a one-frame MP4.
func ThumbnailCamera(contentType string, b []byte) (string, error) {
	switch contentType {
	case "image/jpeg":
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			return "", err
		}
		y, ok := img.(*image.YCbCr)
		if !ok {
			return "", fmt.Errorf("jpeg of %T", img)
		}
		r := y.Bounds()
		id, _, err := simcam.ReadPattern(y.Y, r.Dx(), r.Dy(), y.YStride)
		return id, err
	case "video/mp4":
		st, _, err := MP4(b, false)
		if err != nil {
			return "", err
		}
		if len(st) == 0 {
			return "", errors.New("no SEI stamp")
		}
		return st[0].CameraID, nil
	}
	return "", fmt.Errorf("thumbnail of type %q", contentType)
}
