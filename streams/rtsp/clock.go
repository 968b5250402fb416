package rtsp

import "time"

// unwrapper extends 32-bit RTP timestamps to int64 media time that starts at
// 0 on the first timestamp. Steps of less than 2^31 in either direction are
// taken as they are, so wrap-around and B-frame reordering both work.
type unwrapper struct {
	started bool
	last    uint32
	acc     int64
}

// unwrap returns ts as media time since the first timestamp.
func (u *unwrapper) unwrap(ts uint32) int64 {
	if !u.started {
		u.started, u.last = true, ts
		return 0
	}
	u.acc += int64(int32(ts - u.last))
	u.last = ts
	return u.acc
}

// maxSenderReportSkew bounds how far a camera's RTCP sender report clock may
// be from ours for Hearth to anchor wall time on it. A camera with its clock
// set wrong gets the local anchor: a bad camera clock must never make recent
// footage look old.
const maxSenderReportSkew = 5 * time.Second

// wallClock maps a track's media time to wall-clock time: anchor + media
// time elapsed since the anchor. The anchor is taken once, at the track's
// first unit: the camera's sender-report time of that unit when gortsplib
// already has one and it is plausible, else the local clock. It never moves
// afterwards, so Wall never steps within a session; drift between the
// camera's media clock and ours is for the consumer to track.
type wallClock struct {
	clockRate  int64
	anchored   bool
	anchorWall time.Time
	anchorPTS  int64
	fromSR     bool
}

// at returns the wall time of media time pts. now is read only for the
// first unit; ntp is the unit's sender-report time when ntpOK.
func (w *wallClock) at(pts int64, now func() time.Time, ntp time.Time, ntpOK bool) time.Time {
	if !w.anchored {
		w.anchored, w.anchorWall, w.anchorPTS = true, now(), pts
		if d := ntp.Sub(w.anchorWall); ntpOK && d > -maxSenderReportSkew && d < maxSenderReportSkew {
			w.anchorWall, w.fromSR = ntp, true
		}
	}
	return w.anchorWall.Add(mediaDuration(pts-w.anchorPTS, w.clockRate))
}

// mediaDuration converts media time in clockRate units to a Duration without
// overflow for any realistic session length.
func mediaDuration(v, clockRate int64) time.Duration {
	if clockRate <= 0 {
		return 0
	}
	sec := v / clockRate
	rem := v % clockRate
	return time.Duration(sec)*time.Second + time.Duration(rem)*time.Second/time.Duration(clockRate)
}
