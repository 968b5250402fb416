-- 0006: events, users, sessions and API tokens are named by a random
-- public ID, never by their row number.
--
-- The AUTOINCREMENT id is one counter shared by every household's cameras:
-- an owner reading the gaps between their own events' IDs counted another
-- household's activity (issue 14, finding 3). public_id is 128 random bits
-- as 32 lowercase hex characters, like a camera's ID; it is the only name
-- of an event in a URL, an answer or a listing cursor, and the tiebreak of
-- the listing order (start, then public_id), so a cursor carries no counter
-- either. id stays as the internal key: it orders the deletion sweep and
-- names the thumbnail file on disk (existing files keep their names), and
-- never leaves the server.
--
-- SQLite cannot add a UNIQUE NOT NULL column with a CHECK to a table with
-- rows, so the table is rebuilt; existing events get fresh random IDs
-- (clients held their old integer IDs only as links into listings).

CREATE TABLE events_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id     TEXT    NOT NULL UNIQUE
                          CHECK (length(public_id) = 32 AND public_id NOT GLOB '*[^0-9a-f]*'),
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

INSERT INTO events_new (id, public_id, camera_id, kind, label, start_ns, last_ns, end_ns, score, zones,
                        pinned, thumb_type, state, created_at_ns)
SELECT id, lower(hex(randomblob(16))), camera_id, kind, label, start_ns, last_ns, end_ns, score, zones,
       pinned, thumb_type, state, created_at_ns
FROM events;

-- Keep the counter's high-water mark: a deleted event's row number (and so
-- its thumbnail file name) is never handed out again.
UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'events'))
WHERE name = 'events_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events');
INSERT INTO sqlite_sequence (name, seq)
SELECT 'events_new', seq FROM sqlite_sequence
WHERE name = 'events' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events_new');

DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

-- Listings: per camera, newest first, continued by (start_ns, public_id)
-- cursors.
CREATE INDEX events_camera_start ON events (camera_id, start_ns DESC, public_id DESC);
-- RepairOpenEvents on start.
CREATE INDEX events_open ON events (id) WHERE end_ns IS NULL;
-- The sweep: events being deleted, and expiry of closed unpinned ones.
CREATE INDEX events_deleting ON events (id) WHERE state = 'deleting';
CREATE INDEX events_expiry ON events (camera_id, end_ns) WHERE state = 'live' AND pinned = 0;
-- PinnedRanges, read by every retention pass.
CREATE INDEX events_pinned ON events (camera_id, start_ns) WHERE pinned = 1 AND state = 'live';

-- An event never changes camera, start or name; cursors, links and
-- thumbnails rely on it.
CREATE TRIGGER events_identity_fixed
BEFORE UPDATE OF camera_id, start_ns, public_id ON events
WHEN NEW.camera_id IS NOT OLD.camera_id OR NEW.start_ns IS NOT OLD.start_ns
  OR NEW.public_id IS NOT OLD.public_id
BEGIN
    SELECT RAISE(ABORT, 'an event''s camera, start and public ID never change');
END;

-- Users, sessions and API tokens: the same reason. An owner lists their
-- household's people, a user their own sessions and tokens; the row
-- numbers counted every household's accounts, sign-ins and tokens. The row
-- number stays the internal key (foreign keys, the audit log's
-- "session:N" principal, which only the appliance admin reads). These
-- tables are small and referenced, so the public ID is added and checked
-- by triggers instead of rebuilding them.
ALTER TABLE users ADD COLUMN public_id TEXT;
UPDATE users SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX users_public_id ON users (public_id);
CREATE TRIGGER users_public_id_valid
BEFORE INSERT ON users
WHEN NEW.public_id IS NULL OR length(NEW.public_id) <> 32 OR NEW.public_id GLOB '*[^0-9a-f]*'
BEGIN
    SELECT RAISE(ABORT, 'a user needs a random public ID');
END;
CREATE TRIGGER users_public_id_fixed
BEFORE UPDATE OF public_id ON users
WHEN NEW.public_id IS NOT OLD.public_id
BEGIN
    SELECT RAISE(ABORT, 'a user''s public ID never changes');
END;

ALTER TABLE sessions ADD COLUMN public_id TEXT;
UPDATE sessions SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);
CREATE TRIGGER sessions_public_id_valid
BEFORE INSERT ON sessions
WHEN NEW.public_id IS NULL OR length(NEW.public_id) <> 32 OR NEW.public_id GLOB '*[^0-9a-f]*'
BEGIN
    SELECT RAISE(ABORT, 'a session needs a random public ID');
END;
CREATE TRIGGER sessions_public_id_fixed
BEFORE UPDATE OF public_id ON sessions
WHEN NEW.public_id IS NOT OLD.public_id
BEGIN
    SELECT RAISE(ABORT, 'a session''s public ID never changes');
END;

ALTER TABLE api_tokens ADD COLUMN public_id TEXT;
UPDATE api_tokens SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX api_tokens_public_id ON api_tokens (public_id);
CREATE TRIGGER api_tokens_public_id_valid
BEFORE INSERT ON api_tokens
WHEN NEW.public_id IS NULL OR length(NEW.public_id) <> 32 OR NEW.public_id GLOB '*[^0-9a-f]*'
BEGIN
    SELECT RAISE(ABORT, 'an API token needs a random public ID');
END;
CREATE TRIGGER api_tokens_public_id_fixed
BEFORE UPDATE OF public_id ON api_tokens
WHEN NEW.public_id IS NOT OLD.public_id
BEGIN
    SELECT RAISE(ABORT, 'an API token''s public ID never changes');
END;
