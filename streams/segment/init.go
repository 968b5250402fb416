package segment

// Init segment layout (what buildInit writes):
//
//	ftyp  isom, compatible iso6 mp41
//	moov
//	  mvhd   timescale 1000, duration (clips only)
//	  trak…  one per stored track: tkhd, mdia(mdhd, hdlr, minf(vmhd|smhd, dinf, stbl(stsd, empty stts/stsc/stsz/stco)))
//	  mvex   mehd (clips only), trex per track
//	  udta   hcam: Hearth identity (camera ID, stream name)

// identityBox is the udta child that carries the camera identity. Readers
// that do not know it skip it.
const identityBox = "hcam"

func appendFtyp(w *boxWriter) {
	w.start("ftyp")
	w.str("isom")
	w.u32(0x200)
	w.str("isom")
	w.str("iso6")
	w.str("mp41")
	w.end()
}

// buildInit returns ftyp+moov for a segment file.
func buildInit(tracks []*track, cameraID, stream string) []byte {
	var traks boxWriter
	for _, t := range tracks {
		appendTrak(&traks, t)
	}
	ids := make([]uint32, len(tracks))
	for i, t := range tracks {
		ids[i] = t.id
	}
	return buildMoov(traks.b, ids, identity(cameraID, stream), 0, false)
}

// identity returns the udta box with the hcam identity box.
func identity(cameraID, stream string) []byte {
	var w boxWriter
	w.start("udta")
	w.start(identityBox)
	w.u8(1) // version
	w.u8(uint8(len(cameraID)))
	w.str(cameraID[:min(len(cameraID), 255)])
	w.u8(uint8(len(stream)))
	w.str(stream[:min(len(stream), 255)])
	w.end()
	w.end()
	return w.b
}

// buildMoov writes ftyp and a moov around already-built trak boxes. With
// withDuration, mvhd and mehd carry durationMs (a finished clip).
func buildMoov(traks []byte, trackIDs []uint32, udta []byte, durationMs uint64, withDuration bool) []byte {
	var w boxWriter
	appendFtyp(&w)
	w.start("moov")
	w.full("mvhd", 1, 0)
	w.u64(0) // creation_time
	w.u64(0) // modification_time
	w.u32(1000)
	w.u64(durationMs)
	w.u32(0x00010000) // rate 1.0
	w.u16(0x0100)     // volume 1.0
	w.zeros(10)
	appendMatrix(&w)
	w.zeros(24)
	w.u32(trackIDs[len(trackIDs)-1] + 1) // next_track_ID
	w.end()
	w.bytes(traks)
	w.start("mvex")
	if withDuration {
		w.full("mehd", 1, 0)
		w.u64(durationMs)
		w.end()
	}
	for _, id := range trackIDs {
		w.full("trex", 0, 0)
		w.u32(id)
		w.u32(1) // default_sample_description_index
		w.u32(0)
		w.u32(0)
		w.u32(0)
		w.end()
	}
	w.end()
	w.bytes(udta)
	w.end()
	return w.b
}

func appendMatrix(w *boxWriter) {
	for _, v := range [9]uint32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000} {
		w.u32(v)
	}
}

func appendTrak(w *boxWriter, t *track) {
	w.start("trak")
	w.full("tkhd", 0, 3) // enabled, in movie
	w.u32(0)
	w.u32(0)
	w.u32(t.id)
	w.u32(0)
	w.u32(0) // duration: fragments carry it
	w.zeros(8)
	w.u16(0) // layer
	if t.video() {
		w.u16(0)
		w.u16(0)
	} else {
		w.u16(1)      // alternate_group
		w.u16(0x0100) // volume
	}
	w.u16(0)
	appendMatrix(w)
	w.u32(uint32(t.width) << 16)
	w.u32(uint32(t.height) << 16)
	w.end()

	w.start("mdia")
	w.full("mdhd", 0, 0)
	w.u32(0)
	w.u32(0)
	w.u32(t.timescale)
	w.u32(0)
	w.u16(0x55c4) // "und"
	w.u16(0)
	w.end()
	w.full("hdlr", 0, 0)
	w.u32(0)
	if t.video() {
		w.str("vide")
	} else {
		w.str("soun")
	}
	w.zeros(12)
	w.str("Hearth\x00")
	w.end()
	w.start("minf")
	if t.video() {
		w.full("vmhd", 0, 1)
		w.zeros(8)
		w.end()
	} else {
		w.full("smhd", 0, 0)
		w.u32(0)
		w.end()
	}
	w.start("dinf")
	w.full("dref", 0, 0)
	w.u32(1)
	w.full("url ", 0, 1) // media in the same file
	w.end()
	w.end()
	w.end()
	w.start("stbl")
	w.full("stsd", 0, 0)
	w.u32(1)
	w.bytes(t.entry)
	w.end()
	for _, typ := range []string{"stts", "stsc", "stco"} {
		w.full(typ, 0, 0)
		w.u32(0)
		w.end()
	}
	w.full("stsz", 0, 0)
	w.u32(0)
	w.u32(0)
	w.end()
	w.end() // stbl
	w.end() // minf
	w.end() // mdia
	w.end() // trak
}
