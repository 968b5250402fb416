package h264enc

import "fmt"

// Frame is an 8-bit planar YUV 4:2:0 picture with tightly packed planes:
// Y is Width*Height bytes, Cb and Cr are (Width/2)*(Height/2) bytes each.
type Frame struct {
	Width, Height int
	Y, Cb, Cr     []byte
}

// NewFrame allocates a frame filled with the given colour.
func NewFrame(width, height int, y, cb, cr byte) *Frame {
	f := &Frame{
		Width:  width,
		Height: height,
		Y:      make([]byte, width*height),
		Cb:     make([]byte, width*height/4),
		Cr:     make([]byte, width*height/4),
	}
	fill(f.Y, y)
	fill(f.Cb, cb)
	fill(f.Cr, cr)
	return f
}

func fill(p []byte, v byte) {
	for i := range p {
		p[i] = v
	}
}

func (f *Frame) check(width, height int) error {
	if f.Width != width || f.Height != height {
		return fmt.Errorf("frame is %dx%d, encoder is %dx%d", f.Width, f.Height, width, height)
	}
	if len(f.Y) < width*height || len(f.Cb) < width*height/4 || len(f.Cr) < width*height/4 {
		return fmt.Errorf("frame planes too small for %dx%d", width, height)
	}
	return nil
}

// mbEqual reports whether macroblock (mbx, mby) is identical in a and b.
func mbEqual(a, b *Frame, mbx, mby int) bool {
	w := a.Width
	for r := 0; r < 16; r++ {
		o := (mby*16+r)*w + mbx*16
		if string(a.Y[o:o+16]) != string(b.Y[o:o+16]) {
			return false
		}
	}
	cw := w / 2
	for r := 0; r < 8; r++ {
		o := (mby*8+r)*cw + mbx*8
		if string(a.Cb[o:o+8]) != string(b.Cb[o:o+8]) || string(a.Cr[o:o+8]) != string(b.Cr[o:o+8]) {
			return false
		}
	}
	return true
}

// copyFrom copies src's samples into f (same geometry).
func (f *Frame) copyFrom(src *Frame) {
	copy(f.Y, src.Y)
	copy(f.Cb, src.Cb)
	copy(f.Cr, src.Cr)
}
