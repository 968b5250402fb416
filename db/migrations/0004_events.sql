-- 0004: events (motion and external triggers) and each camera's detection
-- settings.

-- Detection settings of a camera; the defaults match nvr.Detection's.
-- motion_zones is a JSON array of {name, mask, polygon} in normalized
-- coordinates ('[]': the whole picture). events_enabled = 0 turns events
-- off altogether: no detection and external triggers are refused.
ALTER TABLE cameras ADD COLUMN detector TEXT NOT NULL DEFAULT 'auto'
    CHECK (detector IN ('auto', 'bitstream', 'pixel', 'off'));
ALTER TABLE cameras ADD COLUMN motion_sensitivity INTEGER NOT NULL DEFAULT 50
    CHECK (motion_sensitivity BETWEEN 1 AND 100);
ALTER TABLE cameras ADD COLUMN motion_zones TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(motion_zones) AND json_type(motion_zones) = 'array');
ALTER TABLE cameras ADD COLUMN events_enabled INTEGER NOT NULL DEFAULT 1
    CHECK (events_enabled IN (0, 1));

-- One event of one camera: from start_ns to end_ns (NULL while open).
-- last_ns is the end of the activity seen so far, written at least every
-- second while the event is open, so that an event a crash left open is
-- closed at its last activity on the next start (RepairOpenEvents).
--
-- camera_id has no foreign key, for the reason segments have none: a row
-- stands for a file (the thumbnail) that SQL cannot unlink. db.DeleteCamera
-- marks the camera's events deleting in the same transaction as the
-- camera's removal; the events sweep unlinks each thumbnail, then removes
-- the row. CreateEvent checks in its statement that the camera exists.
--
-- The thumbnail's path is never stored: it is always
-- <data>/thumbnails/<camera_id>/<id>.<ext of thumb_type>, computed from
-- this row, so a row can only name its own camera's file.
--
-- id is AUTOINCREMENT: clients hold event IDs, and a deleted event's ID
-- must never come back naming another event.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id     TEXT    NOT NULL CHECK (length(camera_id) = 32 AND camera_id NOT GLOB '*[^0-9a-f]*'),
    kind          TEXT    NOT NULL CHECK (kind IN ('motion', 'trigger')),
    label         TEXT    NOT NULL DEFAULT '' CHECK (length(label) <= 64),
    start_ns      INTEGER NOT NULL CHECK (start_ns > 0),
    last_ns       INTEGER NOT NULL CHECK (last_ns >= start_ns),
    end_ns        INTEGER CHECK (end_ns IS NULL OR end_ns >= start_ns),
    score         REAL    NOT NULL DEFAULT 0 CHECK (score >= 0),
    zones         TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(zones) AND json_type(zones) = 'array'),
    pinned        INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    thumb_type    TEXT    NOT NULL DEFAULT '' CHECK (thumb_type IN ('', 'image/jpeg', 'video/mp4')),
    state         TEXT    NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'deleting')),
    created_at_ns INTEGER NOT NULL
);
-- Listings: per camera, newest first, continued by (start_ns, id) cursors.
CREATE INDEX events_camera_start ON events (camera_id, start_ns DESC, id DESC);
-- RepairOpenEvents on start.
CREATE INDEX events_open ON events (id) WHERE end_ns IS NULL;
-- The sweep: events being deleted, and expiry of closed unpinned ones.
CREATE INDEX events_deleting ON events (id) WHERE state = 'deleting';
CREATE INDEX events_expiry ON events (camera_id, end_ns) WHERE state = 'live' AND pinned = 0;
-- PinnedRanges, read by every retention pass.
CREATE INDEX events_pinned ON events (camera_id, start_ns) WHERE pinned = 1 AND state = 'live';

-- An event never changes camera or start; cursors and thumbnails rely on it.
CREATE TRIGGER events_identity_fixed
BEFORE UPDATE OF camera_id, start_ns ON events
WHEN NEW.camera_id IS NOT OLD.camera_id OR NEW.start_ns IS NOT OLD.start_ns
BEGIN
    SELECT RAISE(ABORT, 'an event''s camera and start never change');
END;
