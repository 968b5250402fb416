package db

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// SyntheticIndex describes a generated appliance index for benchmarks
// ("hearth bench index", BenchmarkIndex): Cameras cameras in four
// households, each with Days of back-to-back Segment-long segments of
// Fragments fragments, ending at End, and Events closed events spread
// evenly over the cameras and the days.
type SyntheticIndex struct {
	Cameras   int
	Days      int
	Segment   time.Duration
	Fragments int
	Events    int
	End       time.Time
}

// DefaultSyntheticIndex is a full appliance: 16 cameras × 30 days of 60 s
// segments with 24 fragments (2.5 s GOPs): 691,200 segments, 16.6 M
// fragments, and 1 M events (about 1,400 per camera a day: a busy street).
var DefaultSyntheticIndex = SyntheticIndex{Cameras: 16, Days: 30, Segment: time.Minute, Fragments: 24,
	Events: 1_000_000, End: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}

// Start is the first instant of the footage.
func (s SyntheticIndex) Start() time.Time { return s.End.Add(-time.Duration(s.Days) * 24 * time.Hour) }

// BuildSyntheticIndex writes s into a new database at path and returns the
// camera IDs: the directory through the normal API, the segments in one
// transaction with a prepared insert on a plain connection (a plain insert
// per segment through the recorder's path would take hours). Segment rows
// point at no files: the index is for query timing only.
func BuildSyntheticIndex(ctx context.Context, path string, s SyntheticIndex) ([]nvr.CameraID, error) {
	d, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	var cams []nvr.CameraID
	start0 := s.Start()
	for h := range 4 {
		hh, err := d.CreateHousehold(ctx, fmt.Sprintf("household %d", h), start0)
		if err != nil {
			d.Close()
			return nil, err
		}
		for c := h; c < s.Cameras; c += 4 {
			cam, err := d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: hh.ID,
				Name: fmt.Sprintf("camera %d", c), MainURL: "rtsp://192.0.2.10/main", CreatedAt: start0})
			if err != nil {
				d.Close()
				return nil, err
			}
			cams = append(cams, cam.ID)
		}
	}
	if err := d.Close(); err != nil {
		return nil, err
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
	ins, err := tx.PrepareContext(ctx, `
		INSERT INTO segments (camera_id, stream, path, state, start_ns, end_ns, bytes, codec, width, height, audio, event, fragments)
		VALUES (?, 'main', ?, 'closed', ?, ?, ?, 'h264', 1920, 1080, 'aac', ?, ?)`)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	perCamera := int(time.Duration(s.Days) * 24 * time.Hour / s.Segment)
	frags := make([]nvr.Fragment, s.Fragments)
	fragDur := s.Segment / time.Duration(s.Fragments)
	for i := range perCamera {
		if i%1000 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for ci, cam := range cams {
			// Cameras are staggered by a second; each segment ends where
			// the next begins, as the recorder writes them.
			start := start0.Add(time.Duration(i)*s.Segment + time.Duration(ci)*time.Second)
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
			blob, _, err := appendFragments(nil, blobState{endNs: start.UnixNano()}, start.UnixNano(), frags)
			if err != nil {
				return nil, err
			}
			end := frags[len(frags)-1].End()
			if _, err := ins.ExecContext(ctx, string(cam), fmt.Sprintf("%s/%d-%d.mp4", cam, start.UnixNano(), end.UnixNano()),
				start.UnixNano(), end.UnixNano(), off, rng.IntN(20) == 0, blob); err != nil {
				return nil, err
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

// insertSyntheticEvents adds s.Events closed events, round-robin over the
// cameras at evenly spaced starts, in the caller's transaction.
func insertSyntheticEvents(ctx context.Context, tx *sql.Tx, s SyntheticIndex, cams []nvr.CameraID, rng *rand.Rand) error {
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
			rng.Float64(), zones, b2i(rng.IntN(500) == 0), end); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
	}
	return nil
}
