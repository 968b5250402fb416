package replay

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// FuzzSegmentFile reads arbitrary bytes as a recorded segment file the way
// playback does (layout scan, init parse, every fragment decoded): a torn,
// corrupted or planted file is an error, never a panic, a hang or a huge
// allocation. Seeded with a real segment, its truncations and byte flips.
//
// Each input is read from memory through the same code as a file
// (loadSegment), with no file write, goroutine or channel per input: the
// engine minimizes every input that finds new coverage by running it
// again thousands of times, so the cost of one execution decides whether
// the fuzzer keeps its pace (see the Makefile's FUZZMINIMIZE).
func FuzzSegmentFile(f *testing.F) {
	real := smallSegment(f)
	f.Add(real)
	for _, n := range []int{0, 8, 16, 100, len(real) / 3, len(real) / 2, len(real) - 1} {
		f.Add(real[:n])
	}
	for _, off := range []int{3, 20, 40, 200, len(real) / 2} {
		b := append([]byte(nil), real...)
		b[off] ^= 0xff
		f.Add(b)
	}
	// A box claiming a size of 2^32-1, and one of 1 (64-bit size) of -1.
	f.Add([]byte("\xff\xff\xff\xffftypisom"))
	f.Add([]byte("\x00\x00\x00\x01moof\xff\xff\xff\xff\xff\xff\xff\xff"))
	// Fragments just past the caps on truns and samples that a trun claims
	// in 20 bytes (TestHostileFragmentsAreBounded).
	f.Add(withFragment(f, manyRunsFragment(1, 65, 1, 1)))
	f.Add(withFragment(f, manyRunsFragment(1, 64, 1100, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The engine has no per-input timeout. A hang is a crash: the
		// guard panics with every goroutine's stack, so the worker dies,
		// the input is reported and no stuck goroutine keeps running.
		guard := time.AfterFunc(fuzzHangAfter, func() { panic(hangReport(data)) })
		defer guard.Stop()
		sf, err := loadSegment(bytes.NewReader(data), int64(len(data)), segment.ClipSource{Path: "fuzz.mp4"}, time.Time{})
		if err != nil {
			return
		}
		for _, fi := range sf.frags {
			_, _, _ = sf.decode(fi)
		}
	})
}

// fuzzHangAfter is how long one input may take before FuzzSegmentFile
// calls it a hang (a real input takes well under a millisecond).
const fuzzHangAfter = 5 * time.Second

// hangReport describes a hung input: its start and every goroutine's stack.
func hangReport(data []byte) string {
	stacks := make([]byte, 1<<20)
	stacks = stacks[:runtime.Stack(stacks, true)]
	return fmt.Sprintf("reading the segment hung for %v on %d bytes %x\n%s", fuzzHangAfter, len(data), data[:min(len(data), 256)], stacks)
}

// smallSegment writes a short segment file with the real writer: real
// parameter sets, tiny stand-in slices (replay does not decode pixels), so
// the fuzzer mutates kilobytes, not the megabytes of real footage.
func smallSegment(f testing.TB) []byte {
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: testCamID, FPS: testFPS, GOP: 5, Width: simcam.MinWidth, Height: simcam.MinHeight})
	if err != nil {
		f.Fatal(err)
	}
	info := &media.StreamInfo{CameraID: testCamID, Stream: "main", Tracks: []media.Track{{
		Codec: media.H264, ClockRate: media.VideoClockRate, Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: testFPS,
		SPS: cam.SPS(), PPS: cam.PPS()}}}
	path := filepath.Join(f.TempDir(), "small.mp4")
	file, err := segment.CreateFile(path)
	if err != nil {
		f.Fatal(err)
	}
	w, err := segment.NewWriter(file, info, segment.WriterOptions{Seq: 1, SyncInterval: -1})
	if err != nil {
		f.Fatal(err)
	}
	for k := 0; k < 15; k++ {
		dts := int64(k) * media.VideoClockRate / testFPS
		nalu := []byte{0x41, 0x9a, byte(k)}
		if k%5 == 0 {
			nalu = []byte{0x65, 0x88, byte(k)}
		}
		if err := w.WriteUnit(&media.Unit{Info: info, PTS: dts, DTS: dts, Wall: epoch.Add(time.Duration(k) * frameDur), Key: k%5 == 0,
			NALUs: [][]byte{nalu}}); err != nil {
			f.Fatal(err)
		}
	}
	if err := w.Close(nil); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
