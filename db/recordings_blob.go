package db

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// The fragment index of a segment is one BLOB on its row, appended per GOP
// (the format is documented in migrations/0002_recordings.sql):
//
//	0x01, then per fragment:
//	uvarint duration90k<<1 | key
//	uvarint length
//	uvarint offset gap: offset - the previous fragment's end offset
//	varint  start gap:  start ns - the previous fragment's end ns
//
// "Previous" is the blob's running state, starting at offset 0 and the
// segment's start_ns, so the blob decodes without any other column and
// contiguous fragments cost about 7 bytes. The decoder trusts nothing: it
// bounds every field and every sum, so garbage yields an error, never a
// panic, an overflow or an allocation larger than the blob implies.

const (
	blobVersion = 1
	// Bounds of one fragment, far above anything a camera produces.
	maxFragmentLength   = 1 << 40
	maxFragmentGap      = 1 << 40
	maxFragmentDur90k   = int64(nvr.MaxSegmentDuration / time.Second * 90000)
	maxFragmentStartGap = int64(nvr.MaxSegmentDuration)
	// minFragmentBytes is the smallest encoding of a fragment; it caps the
	// decoder's preallocation.
	minFragmentBytes = 4
)

var errBadBlob = errors.New("malformed fragment index")

// blobState is the running state at the end of a fragment blob.
type blobState struct {
	n         int   // fragments so far
	endOffset int64 // offset + length of the last fragment (0 when none)
	endNs     int64 // wall time at the last fragment's end (segment start when none)
}

// rawFragment is a decoded fragment before conversion to nvr.Fragment.
type rawFragment struct {
	offset, length, startNs, dur90k int64
	key                             bool
}

// dur90kToNs converts a 90 kHz duration exactly as nvr.Fragment.End does.
func dur90kToNs(d int64) int64 { return int64(time.Duration(d) * time.Second / 90000) }

// walkBlob decodes blob for a segment starting at startNs, calling fn (if
// not nil) for each fragment until it returns false; it returns the state
// after the last fragment decoded.
func walkBlob(blob []byte, startNs int64, fn func(i int, f rawFragment) bool) (blobState, error) {
	st := blobState{endNs: startNs}
	if len(blob) == 0 {
		return st, nil
	}
	if blob[0] != blobVersion {
		return st, errBadBlob
	}
	p := blob[1:]
	for len(p) > 0 {
		dk, n := binary.Uvarint(p)
		if n <= 0 {
			return st, errBadBlob
		}
		p = p[n:]
		length, n := binary.Uvarint(p)
		if n <= 0 {
			return st, errBadBlob
		}
		p = p[n:]
		gap, n := binary.Uvarint(p)
		if n <= 0 {
			return st, errBadBlob
		}
		p = p[n:]
		sgap, n := binary.Varint(p)
		if n <= 0 {
			return st, errBadBlob
		}
		p = p[n:]
		dur := dk >> 1
		if dur > uint64(maxFragmentDur90k) || length == 0 || length > maxFragmentLength ||
			gap > maxFragmentGap || sgap < -maxFragmentStartGap || sgap > maxFragmentStartGap {
			return st, errBadBlob
		}
		f := rawFragment{length: int64(length), dur90k: int64(dur), key: dk&1 == 1}
		var ok bool
		if f.offset, ok = addInt64(st.endOffset, int64(gap)); !ok {
			return st, errBadBlob
		}
		end, ok := addInt64(f.offset, f.length)
		if !ok {
			return st, errBadBlob
		}
		if f.startNs, ok = addInt64(st.endNs, sgap); !ok || f.startNs < startNs {
			return st, errBadBlob
		}
		endNs, ok := addInt64(f.startNs, dur90kToNs(f.dur90k))
		if !ok {
			return st, errBadBlob
		}
		if fn != nil && !fn(st.n, f) {
			return st, nil
		}
		st = blobState{n: st.n + 1, endOffset: end, endNs: endNs}
	}
	return st, nil
}

// addInt64 adds without overflowing.
func addInt64(a, b int64) (int64, bool) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, false
	}
	return a + b, true
}

// decodeFragments decodes a segment's whole blob.
func decodeFragments(blob []byte, id nvr.SegmentID, startNs int64) ([]nvr.Fragment, error) {
	frags := make([]nvr.Fragment, 0, min(len(blob)/minFragmentBytes, 1024))
	_, err := walkBlob(blob, startNs, func(i int, f rawFragment) bool {
		frags = append(frags, f.fragment(id, i))
		return true
	})
	if err != nil {
		return nil, err
	}
	return frags, nil
}

func (f rawFragment) fragment(id nvr.SegmentID, i int) nvr.Fragment {
	return nvr.Fragment{SegmentID: id, Index: i, Offset: f.offset, Length: f.length,
		Start: time.Unix(0, f.startNs).UTC(), Duration90k: f.dur90k, Key: f.key}
}

// appendFragments encodes frags after a blob whose running state is st (for
// a segment starting at startNs) and returns the bytes to append (with the
// version byte when st has no fragments yet) and the new state. Each
// fragment must start at or after the previous one's end offset and at or
// after startNs; its SegmentID and Index are ignored. The error is a
// client-safe message.
func appendFragments(dst []byte, st blobState, startNs int64, frags []nvr.Fragment) ([]byte, blobState, error) {
	if st.n == 0 && len(frags) > 0 {
		dst = append(dst, blobVersion)
	}
	for _, f := range frags {
		startNsF := f.Start.UnixNano()
		switch {
		case f.Length <= 0 || f.Length > maxFragmentLength:
			return nil, st, errors.New("fragment length must be positive")
		case f.Duration90k < 0 || f.Duration90k > maxFragmentDur90k:
			return nil, st, errors.New("fragment duration out of range")
		case f.Offset < st.endOffset:
			return nil, st, errors.New("fragment overlaps the previous one")
		case f.Offset-st.endOffset > maxFragmentGap:
			return nil, st, errors.New("fragment offset too far past the previous one")
		case f.Offset > math.MaxInt64-f.Length:
			return nil, st, errors.New("fragment offset out of range")
		case f.Start.IsZero() || startNsF < startNs:
			return nil, st, errors.New("fragment starts before its segment")
		case startNsF-st.endNs < -maxFragmentStartGap || startNsF-st.endNs > maxFragmentStartGap:
			return nil, st, errors.New("fragment start too far from the previous fragment's end")
		}
		dk := uint64(f.Duration90k) << 1
		if f.Key {
			dk |= 1
		}
		dst = binary.AppendUvarint(dst, dk)
		dst = binary.AppendUvarint(dst, uint64(f.Length))
		dst = binary.AppendUvarint(dst, uint64(f.Offset-st.endOffset))
		dst = binary.AppendVarint(dst, startNsF-st.endNs)
		st = blobState{n: st.n + 1, endOffset: f.Offset + f.Length, endNs: startNsF + dur90kToNs(f.Duration90k)}
	}
	return dst, st, nil
}
