package view

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/segment"
)

// MaxClipDuration bounds one clip request.
const MaxClipDuration = 24 * time.Hour

// Playback serves recorded footage: covered time ranges and clips. Every
// method takes a media grant; segment files are found from index rows
// read for the grant's camera, and a row's path must name that camera's
// own directory. Safe for concurrent use.
type Playback struct {
	store nvr.RecordingStore
	dir   string // the recordings directory
}

// NewPlayback returns a Playback over the index and the recordings directory.
func NewPlayback(store nvr.RecordingStore, recordingsDir string) *Playback {
	return &Playback{store: store, dir: recordingsDir}
}

// ParseTimeRange validates a requested [start, end) in RFC 3339.
func ParseTimeRange(startText, endText string, maxLen time.Duration) (nvr.TimeRange, error) {
	const op = "parse time range"
	if startText == "" || endText == "" {
		return nvr.TimeRange{}, nvr.Errorf(op, nvr.KindInvalid, "start and end are required (RFC 3339, e.g. 2026-11-28T08:00:00Z)")
	}
	start, err := time.Parse(time.RFC3339Nano, startText)
	if err != nil {
		return nvr.TimeRange{}, nvr.Errorf(op, nvr.KindInvalid, "start is not an RFC 3339 time")
	}
	end, err := time.Parse(time.RFC3339Nano, endText)
	if err != nil {
		return nvr.TimeRange{}, nvr.Errorf(op, nvr.KindInvalid, "end is not an RFC 3339 time")
	}
	if !end.After(start) {
		return nvr.TimeRange{}, nvr.Errorf(op, nvr.KindInvalid, "end must be after start")
	}
	if maxLen > 0 && end.Sub(start) > maxLen {
		return nvr.TimeRange{}, nvr.Errorf(op, nvr.KindInvalid, "the range must be at most %s", DurationWords(maxLen))
	}
	return nvr.TimeRange{Start: start, End: end}, nil
}

// DurationWords says d the way a person would ("6 hours", "31 days",
// "1 minute 30 seconds"), not as Go writes it ("6h0m0s"): whole days,
// hours, minutes and seconds, the units that are not zero. Under a second
// it is Go's.
func DurationWords(d time.Duration) string {
	if d < time.Second {
		return d.String()
	}
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		n := int64(d / u.d)
		d -= time.Duration(n) * u.d
		switch {
		case n == 1:
			parts = append(parts, "1 "+u.name)
		case n > 1:
			parts = append(parts, strconv.FormatInt(n, 10)+" "+u.name+"s")
		}
	}
	return strings.Join(parts, " ")
}

// rangeGap joins recordings closer than this in a timeline.
const rangeGap = 3 * time.Second

// Ranges returns the merged recorded time of the granted camera's main
// stream within r.
func (p *Playback) Ranges(ctx context.Context, g nvr.CameraGrant, r nvr.TimeRange) ([]nvr.TimeRange, error) {
	if err := g.Require(nvr.ActionViewRecordings); err != nil {
		return nil, err
	}
	r, ok := ownFootage(g, r)
	if !ok {
		return nil, nil
	}
	rs, err := p.store.CoveredRanges(ctx, g.CameraID(), "main", r.Start, r.End, rangeGap)
	return rs, nvr.Wrap("recorded ranges", err)
}

// ownFootage clamps r to the time the granted camera has belonged to its
// household: what a moved camera recorded before belonged to the old one.
// A share link's grant is clamped to the link's range as well, so no read
// through it reaches footage outside what was shared.
func ownFootage(g nvr.CameraGrant, r nvr.TimeRange) (nvr.TimeRange, bool) {
	since := floorOf(g)
	if !since.IsZero() && r.Start.Before(since) {
		r.Start = since
	}
	if w, ok := g.Window(); ok && r.End.After(w.End) {
		r.End = w.End
	}
	return r, r.End.After(r.Start)
}

// floorOf is the earliest footage g may read: the camera's joining of its
// household, or a share link's start when that is later.
func floorOf(g nvr.CameraGrant) time.Time {
	since := g.Camera().HouseholdSince
	if w, ok := g.Window(); ok && w.Start.After(since) {
		since = w.Start
	}
	return since
}

// ClipPlan is a clip's sources, resolved under the grant, ready to open.
type ClipPlan struct {
	Sources []segment.ClipSource
	End     time.Time
	// Tag identifies the exact bytes (segments, fragments), for ETags.
	Tag string
}

// PlanClip finds the fragments of the granted camera covering r, from the
// keyframe at or before r.Start. KindNotFound when nothing is recorded.
func (p *Playback) PlanClip(ctx context.Context, g nvr.CameraGrant, r nvr.TimeRange) (ClipPlan, error) {
	const op = "plan clip"
	if err := g.Require(nvr.ActionViewRecordings); err != nil {
		return ClipPlan{}, err
	}
	r, ok := ownFootage(g, r)
	if !ok {
		return ClipPlan{}, nvr.Errorf(op, nvr.KindNotFound, "nothing recorded in that range")
	}
	all, err := p.store.FragmentsBetween(ctx, g.CameraID(), "main", r.Start, r.End)
	if err != nil {
		return ClipPlan{}, nvr.Wrap(op, err)
	}
	// The key fragment before r.Start may predate a move (or a shared
	// range): never serve a fragment that began before the camera joined
	// this household, nor, through a link, one that began outside its range.
	since := floorOf(g)
	w, linked := g.Window()
	frags := all[:0]
	for _, f := range all {
		if (since.IsZero() || !f.Start.Before(since)) && (!linked || f.Start.Before(w.End)) {
			frags = append(frags, f)
		}
	}
	if len(frags) == 0 {
		return ClipPlan{}, nvr.Errorf(op, nvr.KindNotFound, "nothing recorded in that range")
	}
	plan := ClipPlan{End: r.End}
	tag := sha256.New()
	fmt.Fprintf(tag, "%s:%d", g.CameraID(), r.End.UnixNano())
	segs := map[nvr.SegmentID]int{} // segment → index in plan.Sources
	for _, f := range frags {
		i, ok := segs[f.SegmentID]
		if !ok {
			s, err := p.store.Segment(ctx, f.SegmentID)
			if err != nil {
				return ClipPlan{}, nvr.Wrap(op, err)
			}
			path, err := p.segmentPath(g.CameraID(), s)
			if err != nil {
				return ClipPlan{}, err
			}
			i = len(plan.Sources)
			segs[f.SegmentID] = i
			plan.Sources = append(plan.Sources, segment.ClipSource{Path: path})
		}
		plan.Sources[i].Fragments = append(plan.Sources[i].Fragments, segment.FragmentRef{Offset: f.Offset, Length: f.Length})
		fmt.Fprintf(tag, ":%d.%d.%d", f.SegmentID, f.Offset, f.Length)
	}
	plan.Tag = hex.EncodeToString(tag.Sum(nil)[:16])
	return plan, nil
}

// cameraDirName is the shape of a camera's directory: its ID.
var cameraDirName = regexp.MustCompile(`^[0-9a-f]{32}$`)

// segmentPath resolves a row's path inside the recordings directory, and
// only inside the granted camera's own subdirectory; the file must be a
// regular file, not a planted link.
func (p *Playback) segmentPath(cam nvr.CameraID, s nvr.Segment) (string, error) {
	const op = "open segment"
	// The name is one the recorder writes: continuous footage, or an
	// events-only camera's ("…-event.mp4").
	dir, name := path.Split(s.Path)
	if s.CameraID != cam || dir != string(cam)+"/" || !cameraDirName.MatchString(string(cam)) || !recordstore.IsSegmentFileName(name) {
		return "", &nvr.Error{Op: op, Kind: nvr.KindInternal, Err: fmt.Errorf("segment %d has an unexpected path", s.ID)}
	}
	full := filepath.Join(p.dir, filepath.FromSlash(s.Path))
	if _, err := os.Lstat(full); errors.Is(err, os.ErrNotExist) {
		return "", &nvr.Error{Op: op, Kind: nvr.KindNotFound, Msg: "recording file is missing", Err: err}
	}
	// Checked through an os.Root: no link at the camera directory or the
	// file. The clip and replay readers open the path again; the data
	// directory is the hearth user's alone (SECURITY.md).
	f, err := nvr.OpenConfined(p.dir, s.Path)
	if err != nil {
		// A planted link answers as a missing file: 404, target unread.
		return "", &nvr.Error{Op: op, Kind: nvr.KindNotFound, Msg: "recording file is missing", Err: fmt.Errorf("segment %d: %w", s.ID, err)}
	}
	f.Close()
	return full, nil
}
