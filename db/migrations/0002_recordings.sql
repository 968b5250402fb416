-- 0002: camera recording settings, the segment index and per-camera usage.
--
-- Sizes that shaped it: 16 cameras × 30 days of 60 s segments is ~690k
-- segments; at one fragment per ~2.5 s GOP that is ~16M fragments. A row
-- per fragment would make the index bigger than everything else together,
-- so a segment's fragments live in one compact BLOB on the segment's row
-- (the `fragments` column, below): ~8 bytes per fragment.

-- Recording settings of a camera. Durations are stored in the unit that
-- names them; the defaults match nvr.Default*.
ALTER TABLE cameras ADD COLUMN record_mode TEXT NOT NULL DEFAULT 'continuous'
    CHECK (record_mode IN ('continuous', 'events', 'off'));
ALTER TABLE cameras ADD COLUMN pre_roll_ms INTEGER NOT NULL DEFAULT 5000
    CHECK (pre_roll_ms BETWEEN 0 AND 300000);
ALTER TABLE cameras ADD COLUMN post_roll_ms INTEGER NOT NULL DEFAULT 10000
    CHECK (post_roll_ms BETWEEN 0 AND 3600000);
ALTER TABLE cameras ADD COLUMN retain_continuous_days INTEGER NOT NULL DEFAULT 14
    CHECK (retain_continuous_days BETWEEN 1 AND 3650);
ALTER TABLE cameras ADD COLUMN retain_event_days INTEGER NOT NULL DEFAULT 30
    CHECK (retain_event_days BETWEEN 1 AND 3650);

-- One fMP4 file of one camera stream (ARCHITECTURE invariant 5): open while
-- being written, closed once finished or recovered, deleting from the
-- moment it was chosen for deletion until its file and row are gone.
--
-- camera_id has no foreign key, on purpose: a row stands for a file on
-- disk, and SQL cannot unlink files. A CASCADE would orphan the files
-- silently, a RESTRICT would make a camera undeletable until retention
-- caught up. Instead db.DeleteCamera marks the camera's segments deleting
-- in the same transaction as the camera's removal, and the deletion
-- procedure (unlink, then DeleteSegment) finishes them like any other.
-- CreateSegment checks in its transaction that the camera exists.
--
-- path is relative to the recordings directory and always
-- "<camera-id>/<name>", so a row can only name a file in its own camera's
-- directory.
--
-- start_ns/end_ns are wall time (Unix ns) of the first sample and of the
-- end of the last whole fragment; end_ns - start_ns is bounded by
-- nvr.MaxSegmentDuration (1 h) so that the segments overlapping an instant
-- t are found with the range start_ns BETWEEN t - 1 h AND t on the index.
-- bytes is the valid prefix of the file (through the last whole fragment).
--
-- fragments is the fragment index, appended per GOP. Format (version 1):
-- one version byte 0x01, then per fragment, in file order
--     uvarint  duration_90k << 1 | key
--     uvarint  length (bytes)
--     uvarint  offset - end offset of the previous fragment (0 at first)
--     varint   start_ns - end_ns of the previous fragment (start_ns of
--              the segment at first), zigzag
-- so contiguous fragments cost ~7 bytes. An empty blob has no fragments.
-- See db/recordings_blob.go.
CREATE TABLE segments (
    id        INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: the recorder holds IDs
    camera_id TEXT    NOT NULL CHECK (length(camera_id) = 32 AND camera_id NOT GLOB '*[^0-9a-f]*'),
    stream    TEXT    NOT NULL CHECK (stream IN ('main', 'sub')),
    path      TEXT    NOT NULL UNIQUE
                      CHECK (substr(path, 1, 33) = camera_id || '/'
                             AND length(path) > 33
                             AND instr(substr(path, 34), '/') = 0
                             AND substr(path, 34) NOT IN ('.', '..')),
    state     TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'deleting')),
    start_ns  INTEGER NOT NULL CHECK (start_ns > 0),
    end_ns    INTEGER NOT NULL CHECK (end_ns >= start_ns AND end_ns - start_ns <= 3600000000000),
    bytes     INTEGER NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    codec     TEXT    NOT NULL DEFAULT '',
    width     INTEGER NOT NULL DEFAULT 0 CHECK (width >= 0),
    height    INTEGER NOT NULL DEFAULT 0 CHECK (height >= 0),
    audio     TEXT    NOT NULL DEFAULT '',
    event     INTEGER NOT NULL DEFAULT 0 CHECK (event IN (0, 1)),
    fragments BLOB    NOT NULL DEFAULT x''
);
-- SegmentsBetween, FragmentsBetween and CoveredRanges: a range on start_ns
-- within one camera stream. end_ns and state make it covering for
-- CoveredRanges and for the overlap and state filters, so the wide rows
-- (with their blobs) are read only for segments actually returned.
CREATE INDEX segments_camera_stream_start ON segments (camera_id, stream, start_ns, end_ns, state);
-- OldestSegments(camera) and Usage's oldest start per camera.
CREATE INDEX segments_camera_state_start ON segments (camera_id, state, start_ns);
-- SegmentsByState (recovery) and OldestSegments("") (retention), both
-- oldest first. No end_ns index: nothing selects by end alone.
CREATE INDEX segments_state_start ON segments (state, start_ns);

-- A segment never changes camera or stream; the index and the usage sums
-- rely on it.
CREATE TRIGGER segments_identity_fixed
BEFORE UPDATE OF camera_id, stream, start_ns ON segments
WHEN NEW.camera_id IS NOT OLD.camera_id OR NEW.stream IS NOT OLD.stream OR NEW.start_ns IS NOT OLD.start_ns
BEGIN
    SELECT RAISE(ABORT, 'a segment''s camera, stream and start never change');
END;

-- Bytes and count of each camera's open and closed segments, kept by the
-- triggers below so that Usage reads 16 rows instead of summing 690k. A
-- camera's row goes when its last counted segment does.
CREATE TABLE segment_usage (
    camera_id TEXT    NOT NULL PRIMARY KEY,
    bytes     INTEGER NOT NULL,
    segments  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER segments_usage_insert AFTER INSERT ON segments
WHEN NEW.state <> 'deleting'
BEGIN
    INSERT INTO segment_usage (camera_id, bytes, segments) VALUES (NEW.camera_id, NEW.bytes, 1)
    ON CONFLICT (camera_id) DO UPDATE SET bytes = bytes + excluded.bytes, segments = segments + 1;
END;

CREATE TRIGGER segments_usage_update AFTER UPDATE OF state, bytes ON segments
WHEN OLD.state <> NEW.state OR OLD.bytes <> NEW.bytes
BEGIN
    UPDATE segment_usage SET bytes = bytes - OLD.bytes, segments = segments - 1
    WHERE camera_id = OLD.camera_id AND OLD.state <> 'deleting';
    INSERT INTO segment_usage (camera_id, bytes, segments)
    SELECT NEW.camera_id, NEW.bytes, 1 WHERE NEW.state <> 'deleting'
    ON CONFLICT (camera_id) DO UPDATE SET bytes = bytes + excluded.bytes, segments = segments + 1;
    DELETE FROM segment_usage WHERE camera_id = OLD.camera_id AND segments = 0;
END;

CREATE TRIGGER segments_usage_delete AFTER DELETE ON segments
WHEN OLD.state <> 'deleting'
BEGIN
    UPDATE segment_usage SET bytes = bytes - OLD.bytes, segments = segments - 1
    WHERE camera_id = OLD.camera_id;
    DELETE FROM segment_usage WHERE camera_id = OLD.camera_id AND segments = 0;
END;
