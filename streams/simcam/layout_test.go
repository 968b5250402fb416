package simcam

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/h264enc"
)

const testID = "0123456789abcdef0123456789abcdef"

func TestValidateID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id string
		ok bool
	}{
		{testID, true},
		{"a", true},
		{"abc", true},
		{"", false},
		{testID + "0", false},
		{"0123456789ABCDEF", false},
		{"cam-1", false},
	}
	for _, tc := range cases {
		if err := ValidateID(tc.id); (err == nil) != tc.ok {
			t.Errorf("ValidateID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
	}
}

// TestPatternRoundTrip renders frames and reads them back, clean and with
// noise standing in for lossy coding.
func TestPatternRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2031, 7, 4, 12, 30, 15, 123_000_000, time.UTC)
	cases := []struct {
		name  string
		id    string
		noise int
	}{
		{"full id", testID, 0},
		{"short odd id", "abc", 0},
		{"zero id", "00000000000000000000000000000000", 0},
		{"noisy", "ffffffffffffffffffffffffffffffff", 60},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := h264enc.NewFrame(DefaultWidth, DefaultHeight, 0, 0, 0)
			render(f, idField(tc.id), tc.id, Schedule{}, at, 0, 0)
			rng := rand.New(rand.NewPCG(3, 4))
			for i, v := range f.Y {
				f.Y[i] = byte(min(max(int(v)+rng.IntN(2*tc.noise+1)-tc.noise, 0), 255))
			}
			id, wall, err := ReadPattern(f.Y, f.Width, f.Height, f.Width)
			if err != nil {
				t.Fatal(err)
			}
			if id != tc.id || !wall.Equal(at) {
				t.Fatalf("ReadPattern = %q, %v; want %q, %v", id, wall, tc.id, at)
			}
		})
	}
}

func TestReadPatternRejects(t *testing.T) {
	t.Parallel()
	f := h264enc.NewFrame(DefaultWidth, DefaultHeight, 0, 0, 0)
	render(f, idField(testID), testID, Schedule{}, time.UnixMilli(1), 0, 0)
	flipped := append([]byte(nil), f.Y...)
	fillRect(flipped, f.Width, 3*PatternBlock, TimeRow*PatternBlock, PatternBlock, PatternBlock, 255-flipped[TimeRow*PatternBlock*f.Width+3*PatternBlock])
	cases := []struct {
		name   string
		luma   []byte
		w, h   int
		stride int
	}{
		{"grey frame", make([]byte, DefaultWidth*DefaultHeight), DefaultWidth, DefaultHeight, DefaultWidth},
		{"flipped time bit", flipped, f.Width, f.Height, f.Width},
		{"too narrow", f.Y, 256, f.Height, f.Width},
		{"short buffer", f.Y[:1000], f.Width, f.Height, f.Width},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := ReadPattern(tc.luma, tc.w, tc.h, tc.stride); !errors.Is(err, ErrNoPattern) {
				t.Fatalf("err = %v, want ErrNoPattern", err)
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Schedule{Start: start}
	cases := []struct {
		offset time.Duration
		moving bool
	}{
		{0, false},
		{19999 * time.Millisecond, false},
		{20 * time.Second, true},
		{24999 * time.Millisecond, true},
		{25 * time.Second, false},
		{45 * time.Second, true},
		{-1 * time.Second, true}, // periods repeat backwards too
		{-6 * time.Second, false},
	}
	for _, tc := range cases {
		if got := s.Moving(start.Add(tc.offset)); got != tc.moving {
			t.Errorf("Moving(start%+v) = %v, want %v", tc.offset, got, tc.moving)
		}
	}
	from, to := s.NextMove(start.Add(21 * time.Second))
	if !from.Equal(start.Add(45*time.Second)) || !to.Equal(start.Add(50*time.Second)) {
		t.Errorf("NextMove = %v..%v", from, to)
	}
	x0, _, _, _ := ObjectRect(DefaultWidth, DefaultHeight, s, start)
	x1, _, _, _ := ObjectRect(DefaultWidth, DefaultHeight, s, start.Add(22500*time.Millisecond))
	if x1 <= x0 {
		t.Errorf("object did not move: x %d then %d", x0, x1)
	}
}

func TestMuLaw(t *testing.T) {
	t.Parallel()
	// Reference values from the G.711 tables.
	for in, want := range map[int16]byte{0: 0xff, -1: 0x7f, 32767: 0x80, -32768: 0x00, 1000: 0xce} {
		if got := muLaw(in); got != want {
			t.Errorf("muLaw(%d) = %#x, want %#x", in, got, want)
		}
	}
}
