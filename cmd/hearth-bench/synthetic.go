package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	_ "modernc.org/sqlite" // the "sqlite" driver of the bulk load's own connection
)

// syntheticIndex describes a generated appliance index for "hearth-bench
// index": Cameras cameras in four households, each with Days of
// back-to-back Segment-long segments of Fragments fragments, ending at End,
// and Events closed events spread evenly over the cameras and the days.
type syntheticIndex struct {
	Cameras   int
	Days      int
	Segment   time.Duration
	Fragments int
	Events    int
	End       time.Time
}

// defaultSyntheticIndex is a full appliance: 16 cameras × 30 days of 60 s
// segments with 24 fragments (2.5 s GOPs): 691,200 segments, 16.6 M
// fragments, and 1 M events (about 1,400 per camera a day: a busy street).
func defaultSyntheticIndex() syntheticIndex {
	return syntheticIndex{Cameras: 16, Days: 30, Segment: time.Minute, Fragments: 24,
		Events: 1_000_000, End: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
}

// Start is the first instant of the footage.
func (s syntheticIndex) Start() time.Time { return s.End.Add(-time.Duration(s.Days) * 24 * time.Hour) }

// syntheticTemplates is how many distinct segments buildSyntheticIndex
// writes through db's API; every other segment is a copy of one of them.
const syntheticTemplates = 64

// buildSyntheticIndex writes s into a new database at path and returns the
// camera IDs. The directory and the first syntheticTemplates segments of
// the first camera go through db's API, as the recorder writes them. The
// rest of the segments are copies of those, inserted in one transaction
// with a prepared statement on a plain connection: a segment through the
// recorder's calls takes three transactions (about 0.5 ms here), which for
// a month of 16 cameras would take longer than the benchmark. A copy takes
// its template's fragment index as an opaque blob, valid under any start
// (the index is relative to its segment's start_ns; see
// db/migrations/0002_recordings.sql), so the harness never encodes one.
// Segment rows point at no files: the index is for query timing only.
func buildSyntheticIndex(ctx context.Context, path string, s syntheticIndex) ([]nvr.CameraID, error) {
	d, err := db.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	cams, err := syntheticDirectory(ctx, d, s)
	if err == nil {
		err = syntheticTemplateSegments(ctx, d, s, cams[0])
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("build synthetic index: %w", err)
	}

	// A bulk load into a new file: no journal (a failed build is thrown
	// away), no syncs, a large page cache; WAL again at the end, as Open
	// expects. Through WAL every page would be written twice.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(OFF)"+
		"&_pragma=synchronous(OFF)&_pragma=cache_size(-131072)")
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	type template struct {
		blob          []byte
		spanNs, bytes int64
	}
	var templates []template
	rows, err := tx.QueryContext(ctx, `SELECT fragments, end_ns - start_ns, bytes FROM segments ORDER BY start_ns`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t template
		if err := rows.Scan(&t.blob, &t.spanNs, &t.bytes); err != nil {
			rows.Close()
			return nil, err
		}
		templates = append(templates, t)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	ins, err := tx.PrepareContext(ctx, `
		INSERT INTO segments (camera_id, stream, path, state, start_ns, end_ns, bytes, codec, width, height, audio, event, fragments)
		VALUES (?, 'main', ?, 'closed', ?, ?, ?, 'h264', 1920, 1080, 'aac', ?, ?)`)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range s.perCamera() {
		if i%1000 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for ci, cam := range cams {
			if ci == 0 && i < len(templates) {
				continue // written through the API
			}
			t := templates[(i*len(cams)+ci)%len(templates)]
			start := s.segmentStart(i, ci).UnixNano()
			end := start + t.spanNs
			if _, err := ins.ExecContext(ctx, string(cam), fmt.Sprintf("%s/%d-%d.mp4", cam, start, end),
				start, end, t.bytes, rng.IntN(20) == 0, t.blob); err != nil {
				return nil, fmt.Errorf("insert segment: %w", err)
			}
		}
	}
	if err := insertSyntheticEvents(ctx, tx, s, cams, rng); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if _, err := raw.ExecContext(ctx, `PRAGMA journal_mode=WAL`); err != nil {
		return nil, err
	}
	return cams, nil
}

// perCamera is the number of segments of each camera.
func (s syntheticIndex) perCamera() int {
	return int(time.Duration(s.Days) * 24 * time.Hour / s.Segment)
}

// segmentStart is the start of camera ci's segment i. Cameras are
// staggered by a second; each segment ends where the next begins, as the
// recorder writes them.
func (s syntheticIndex) segmentStart(i, ci int) time.Time {
	return s.Start().Add(time.Duration(i)*s.Segment + time.Duration(ci)*time.Second)
}

// syntheticDirectory creates four households and s.Cameras cameras, dealt
// round-robin, through db's API.
func syntheticDirectory(ctx context.Context, d *db.DB, s syntheticIndex) ([]nvr.CameraID, error) {
	var cams []nvr.CameraID
	start0 := s.Start()
	for h := range 4 {
		hh, err := d.CreateHousehold(ctx, fmt.Sprintf("household %d", h), start0)
		if err != nil {
			return nil, err
		}
		for c := h; c < s.Cameras; c += 4 {
			cam, err := d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: hh.ID,
				Name: fmt.Sprintf("camera %d", c), MainURL: "rtsp://192.0.2.10/main", CreatedAt: start0})
			if err != nil {
				return nil, err
			}
			cams = append(cams, cam.ID)
		}
	}
	if len(cams) == 0 {
		return nil, errors.New("no cameras")
	}
	return cams, nil
}

// syntheticTemplateSegments records camera cam's first syntheticTemplates
// segments (fewer when s has fewer) through db's API: fragments of 150-350
// KB, and the odd drift correction.
func syntheticTemplateSegments(ctx context.Context, d *db.DB, s syntheticIndex, cam nvr.CameraID) error {
	rng := rand.New(rand.NewPCG(3, 4))
	frags := make([]nvr.Fragment, s.Fragments)
	fragDur := s.Segment / time.Duration(s.Fragments)
	for i := range min(syntheticTemplates, s.perCamera()) {
		start := s.segmentStart(i, 0)
		off := int64(1200)
		for f := range frags {
			n := 150_000 + rng.Int64N(200_000)
			frags[f] = nvr.Fragment{Offset: off, Length: n, Start: start.Add(time.Duration(f) * fragDur),
				Duration90k: int64(fragDur) * 90000 / int64(time.Second), Key: true}
			if f > 0 && rng.IntN(50) == 0 { // the odd drift correction
				frags[f].Start = frags[f].Start.Add(time.Duration(rng.IntN(2000)-1000) * time.Microsecond)
			}
			off += n
		}
		end := frags[len(frags)-1].End()
		seg, err := d.CreateSegment(ctx, nvr.Segment{CameraID: cam, Stream: "main", Start: start,
			Path:  fmt.Sprintf("%s/%d-%d.mp4", cam, start.UnixNano(), end.UnixNano()),
			Codec: "h264", Width: 1920, Height: 1080, Audio: "aac", Event: rng.IntN(20) == 0})
		if err != nil {
			return err
		}
		if err := d.AddFragments(ctx, seg.ID, frags); err != nil {
			return err
		}
		if err := d.CloseSegment(ctx, seg.ID, end, off); err != nil {
			return err
		}
	}
	return nil
}

// insertSyntheticEvents adds s.Events closed events, round-robin over the
// cameras at evenly spaced starts, in the caller's transaction.
func insertSyntheticEvents(ctx context.Context, tx *sql.Tx, s syntheticIndex, cams []nvr.CameraID, rng *rand.Rand) error {
	if s.Events <= 0 || len(cams) == 0 {
		return nil
	}
	ins, err := tx.PrepareContext(ctx, `
		INSERT INTO events (public_id, camera_id, kind, label, start_ns, last_ns, end_ns, score, zones, pinned, thumb_type, created_at_ns)
		VALUES (lower(hex(randomblob(16))), ?, ?, '', ?, ?, ?, ?, ?, ?, 'image/jpeg', ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	start0 := s.Start().UnixNano()
	step := (s.End.UnixNano() - start0) / int64(s.Events)
	for i := range s.Events {
		if i%10000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		start := start0 + int64(i)*step + rng.Int64N(max(step, 1))
		end := start + int64(2*time.Second) + rng.Int64N(int64(40*time.Second))
		kind, zones := "motion", `["yard"]`
		if rng.IntN(20) == 0 {
			kind, zones = "trigger", "[]"
		}
		if _, err := ins.ExecContext(ctx, string(cams[i%len(cams)]), kind, start, end, end,
			rng.Float64(), zones, rng.IntN(500) == 0, end); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
	}
	return nil
}
