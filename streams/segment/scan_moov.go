package segment

import (
	"bytes"
	"errors"
	"fmt"

	mp4 "github.com/abema/go-mp4"
)

// unmarshal decodes p, the payload of one box already read (and capped) by
// Scan, into dst with go-mp4. The reader holds p alone, so no field of the
// box can make go-mp4 read past it, and every slice it grows is backed by
// bytes of p; the one exception, a trun's sample count, is checked by
// parseTrun before.
func unmarshal(p []byte, dst mp4.IBox) error {
	if _, err := mp4.Unmarshal(bytes.NewReader(p), uint64(len(p)), dst, mp4.Context{}); err != nil {
		return fmt.Errorf("%s: %w", dst.GetType(), err)
	}
	return nil
}

func parseMoov(p []byte, in *Init) error {
	kids, ok := children(p)
	if !ok {
		return errors.New("bad moov children")
	}
	in.ref = -1
	for _, k := range kids {
		switch k.typ {
		case "trak":
			if len(in.Tracks) == maxTracks {
				return fmt.Errorf("more than %d tracks", maxTracks)
			}
			t, err := parseTrak(sub(p, k))
			if err != nil {
				return err
			}
			for _, o := range in.Tracks {
				if o.ID == t.ID {
					return fmt.Errorf("duplicate track %d", t.ID)
				}
			}
			if t.Handler == "vide" && (in.ref < 0 || in.Tracks[in.ref].Handler != "vide") {
				in.ref = len(in.Tracks)
			}
			in.Tracks = append(in.Tracks, t)
			in.traks = append(in.traks, p[k.off:k.off+k.size]...)
		case "udta":
			in.udta = append([]byte(nil), p[k.off:k.off+k.size]...)
			parseIdentity(sub(p, k), in)
		}
	}
	if len(in.Tracks) == 0 {
		return errors.New("no tracks")
	}
	if in.ref < 0 {
		in.ref = 0
	}
	return nil
}

// parseIdentity reads the camera identity from udta's payload: Hearth's own
// box (identityBox, written by writeInit), two length-prefixed strings, so
// go-mp4 has no type for it. A missing or malformed one leaves the fields
// empty: the identity is a label, the tracks are what make the file
// playable.
func parseIdentity(udta []byte, in *Init) {
	kids, ok := children(udta)
	if !ok {
		return
	}
	id, ok := find(kids, identityBox)
	if !ok {
		return
	}
	q := sub(udta, id)
	if len(q) >= 2 && int(q[1])+2 < len(q) {
		in.CameraID = string(q[2 : 2+q[1]])
		q = q[2+q[1]:]
		if int(q[0])+1 <= len(q) {
			in.Stream = string(q[1 : 1+q[0]])
		}
	}
}

// path descends from the payload p through the first child of each type
// in types and returns the last one's payload.
func path(p []byte, types ...string) ([]byte, bool) {
	for _, typ := range types {
		kids, ok := children(p)
		if !ok {
			return nil, false
		}
		b, ok := find(kids, typ)
		if !ok {
			return nil, false
		}
		p = sub(p, b)
	}
	return p, true
}

func parseTrak(p []byte) (TrackInfo, error) {
	var t TrackInfo
	if _, ok := children(p); !ok {
		return t, errors.New("bad trak")
	}
	q, ok := path(p, "tkhd")
	if !ok {
		return t, errors.New("trak without tkhd")
	}
	var tkhd mp4.Tkhd
	if err := unmarshal(q, &tkhd); err != nil {
		return t, err
	}
	t.ID = tkhd.TrackID
	mdia, ok := path(p, "mdia")
	if !ok {
		return t, errors.New("trak without mdia")
	}
	if _, ok := children(mdia); !ok {
		return t, errors.New("bad mdia")
	}
	if q, ok := path(mdia, "mdhd"); ok {
		var mdhd mp4.Mdhd
		if err := unmarshal(q, &mdhd); err != nil {
			return t, err
		}
		t.Timescale = mdhd.Timescale
	}
	if t.Timescale == 0 {
		return t, errors.New("track without timescale")
	}
	if q, ok := path(mdia, "hdlr"); ok {
		var hdlr mp4.Hdlr
		if err := unmarshal(q, &hdlr); err != nil {
			return t, err
		}
		t.Handler = string(hdlr.HandlerType[:])
	}
	if q, ok := path(mdia, "minf", "stbl", "stsd"); ok {
		if err := parseStsd(q, &t); err != nil {
			return t, err
		}
	}
	if t.Entry == "" {
		return t, errors.New("track without sample entry")
	}
	return t, nil
}

// parseStsd reads the type of stsd's first sample entry and, for a video or
// audio track, its picture size or channels and rate. An entry too short
// for its fields leaves them zero, as a file written before they were read
// would: they describe the track, its samples play without them.
func parseStsd(p []byte, t *TrackInfo) error {
	var stsd mp4.Stsd
	if err := unmarshal(p, &stsd); err != nil {
		return err
	}
	const entries = 8 // stsd payload: version, flags, entry_count
	if stsd.EntryCount == 0 || len(p) < entries+8 {
		return nil
	}
	b, ok := parseBoxHeader(p[entries:], 0, int64(len(p)-entries))
	if !ok {
		return errors.New("bad sample entry")
	}
	t.Entry = b.typ
	q := sub(p[entries:], b)
	// go-mp4 registers its VisualSampleEntry and AudioSampleEntry for the
	// entry types it knows (not ulaw or alaw, which Hearth records), and its
	// registry is package state not ours to add to. Every visual (ISO
	// 14496-12 12.1.3) and audio (12.2.3) sample entry has the same fields,
	// so the entry is decoded as an avc1 or an mp4a whatever its own type.
	switch t.Handler {
	case "vide":
		e := mp4.VisualSampleEntry{SampleEntry: mp4.SampleEntry{AnyTypeBox: mp4.AnyTypeBox{Type: mp4.BoxTypeAvc1()}}}
		if unmarshal(q, &e) == nil {
			t.Width, t.Height = int(e.Width), int(e.Height)
		}
	case "soun":
		e := mp4.AudioSampleEntry{SampleEntry: mp4.SampleEntry{AnyTypeBox: mp4.AnyTypeBox{Type: mp4.BoxTypeMp4a()}}}
		if unmarshal(q, &e) == nil {
			t.Channels, t.SampleRate = int(e.ChannelCount), int(e.SampleRate>>16)
		}
	}
	return nil
}
