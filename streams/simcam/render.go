package simcam

import (
	"time"

	"github.com/hearthnvr/hearth/streams/h264enc"
)

// Colours (Y, Cb, Cr), full range.
const (
	bgY, bgCb, bgCr    = 60, 128, 128
	objY, objCb, objCr = 210, 16, 146 // yellow
	textY              = 235
	objSize            = 48 // object side in pixels
	objMargin          = 64 // distance of the resting object from the left edge
	textX              = 4
	clockY             = (TimeRow+TimeRows)*PatternBlock + 6
	idTextY            = clockY + 22
)

// render draws the frame for wall-clock time t into f, the scene shifted
// by dx, dy (a PTZ head's view; the overlay stays put).
func render(f *h264enc.Frame, id []byte, idText string, sched Schedule, t time.Time, dx, dy int) {
	fillRect(f.Y, f.Width, 0, 0, f.Width, f.Height, bgY)
	fillRect(f.Cb, f.Width/2, 0, 0, f.Width/2, f.Height/2, bgCb)
	fillRect(f.Cr, f.Width/2, 0, 0, f.Width/2, f.Height/2, bgCr)

	drawBits(f.Y, f.Width, IDRow, id)
	drawBits(f.Y, f.Width, TimeRow, timeField(t))
	drawText(f.Y, f.Width, f.Height, textX, clockY, t.UTC().Format("2006-01-02 15:04:05 UTC"), textY)
	drawText(f.Y, f.Width, f.Height, textX, idTextY, idText, textY)

	x, y := objectPos(f.Width, f.Height, sched, t)
	x = max(0, min(f.Width-objSize, x+dx)) &^ 1
	y = max(OverlayHeight, min(f.Height-objSize, y+dy)) &^ 1
	fillRect(f.Y, f.Width, x, y, objSize, objSize, objY)
	fillRect(f.Cb, f.Width/2, x/2, y/2, objSize/2, objSize/2, objCb)
	fillRect(f.Cr, f.Width/2, x/2, y/2, objSize/2, objSize/2, objCr)
}

// objectPos returns the top-left corner of the object at t. It rests at the
// left, vertically centred below the overlay, and travels to the right edge
// and back while moving. Positions are even so chroma stays aligned.
func objectPos(width, height int, sched Schedule, t time.Time) (x, y int) {
	travel := width - objSize - 2*objMargin
	x = objMargin + int(float64(travel)*sched.progress(t))
	y = OverlayHeight + (height-OverlayHeight-objSize)/2
	return x &^ 1, y &^ 1
}

// ObjectRect returns the object's bounding box (x, y, width, height) in a
// frame of the given size at t, for tests of motion detection.
func ObjectRect(width, height int, sched Schedule, t time.Time) (x, y, w, h int) {
	x, y = objectPos(width, height, sched, t)
	return x, y, objSize, objSize
}

func fillRect(p []byte, stride, x, y, w, h int, v byte) {
	for r := y; r < y+h; r++ {
		row := p[r*stride+x : r*stride+x+w]
		for i := range row {
			row[i] = v
		}
	}
}

// fillClipped is fillRect clipped to a stride×height plane.
func fillClipped(p []byte, stride, height, x, y, w, h int, v byte) {
	x0, y0, x1, y1 := max(x, 0), max(y, 0), min(x+w, stride), min(y+h, height)
	if x0 < x1 && y0 < y1 {
		fillRect(p, stride, x0, y0, x1-x0, y1-y0, v)
	}
}
