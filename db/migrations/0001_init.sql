-- 0001: households, users, cameras, viewer assignments, sessions, API tokens
-- and the audit log.
--
-- Conventions:
--   * Times are INTEGER nanoseconds since the Unix epoch (UTC) in columns
--     ending in _ns; 0 means "not set" where a column allows it.
--   * Booleans are INTEGER 0/1 with a CHECK.
--   * IDs that principals and other processes hold on to (households, users,
--     sessions, tokens) use AUTOINCREMENT so a deleted row's ID is never
--     handed out again: a revoked token:5 must never come back to life as a
--     new token:5.
--   * Names are unique case-insensitively (COLLATE NOCASE) so "Alice" and
--     "alice" cannot both exist; the store looks names up exactly.

-- A household is a group of people who share cameras.
CREATE TABLE households (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL COLLATE NOCASE UNIQUE CHECK (name <> ''),
    created_at_ns INTEGER NOT NULL
);

-- A user belongs to at most one household; the appliance admin may belong to
-- none (household_id NULL). A household cannot be deleted while it still has
-- users (RESTRICT).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL COLLATE NOCASE UNIQUE CHECK (name <> ''),
    household_id  INTEGER REFERENCES households (id) ON DELETE RESTRICT,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'member', 'viewer')),
    is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    password_hash TEXT    NOT NULL,
    created_at_ns INTEGER NOT NULL
);
-- Users(h) lists a household's users.
CREATE INDEX users_household ON users (household_id);

-- A camera's id is its immutable identity: 32 lowercase hex characters
-- assigned once at creation. Stream URLs never hold credentials; those are
-- in rtsp_username / rtsp_password, which are never rendered or logged.
CREATE TABLE cameras (
    id            TEXT    NOT NULL PRIMARY KEY
                          CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
    household_id  INTEGER NOT NULL REFERENCES households (id) ON DELETE RESTRICT,
    name          TEXT    NOT NULL COLLATE NOCASE CHECK (name <> ''),
    main_url      TEXT    NOT NULL,
    sub_url       TEXT    NOT NULL DEFAULT '',
    rtsp_username TEXT    NOT NULL DEFAULT '',
    rtsp_password TEXT    NOT NULL DEFAULT '',
    transport     TEXT    NOT NULL DEFAULT 'tcp' CHECK (transport IN ('tcp', 'udp', 'auto')),
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at_ns INTEGER NOT NULL,
    -- Also serves HouseholdCameras / Cameras(h), which list by household
    -- ordered by name.
    UNIQUE (household_id, name)
) WITHOUT ROWID; -- small rows looked up by a text key: one B-tree, one seek

-- The cameras an owner assigned to a viewer. Rows go with the user or the
-- camera (CASCADE); moving a camera or changing a viewer's role drops them
-- explicitly.
CREATE TABLE camera_viewers (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    camera_id TEXT    NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, camera_id)
) WITHOUT ROWID;
-- Cascades from cameras and MoveCamera delete by camera.
CREATE INDEX camera_viewers_camera ON camera_viewers (camera_id);

-- Browser sessions. Only the SHA-256 of the token is stored. A session is
-- valid while now < expires_at_ns (absolute) and
-- now < last_seen_at_ns + the idle timeout.
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      BLOB    NOT NULL UNIQUE CHECK (length(token_hash) >= 16),
    created_at_ns   INTEGER NOT NULL,
    last_seen_at_ns INTEGER NOT NULL,
    expires_at_ns   INTEGER NOT NULL,
    client_addr     TEXT    NOT NULL DEFAULT '',
    user_agent      TEXT    NOT NULL DEFAULT ''
);
-- Sessions(u), DeleteUserSessions(u) and the cascade from users.
CREATE INDEX sessions_user ON sessions (user_id);
-- Pruning expired sessions.
CREATE INDEX sessions_expires ON sessions (expires_at_ns);

-- Long-lived API tokens. Only the SHA-256 of the token is stored.
-- expires_at_ns = 0: never expires; last_used_at_ns = 0: never used.
CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    scope           TEXT    NOT NULL CHECK (scope IN ('view', 'trigger', 'all')),
    token_hash      BLOB    NOT NULL UNIQUE CHECK (length(token_hash) >= 16),
    created_at_ns   INTEGER NOT NULL,
    last_used_at_ns INTEGER NOT NULL DEFAULT 0,
    expires_at_ns   INTEGER NOT NULL DEFAULT 0
);
-- Tokens(u) and the cascade from users.
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Access decisions and administrative changes. No foreign keys: the history
-- must outlive the users and cameras it mentions. user_id and camera_id are
-- NULL when there is none (e.g. the CLI, or a household change).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at_ns     INTEGER NOT NULL,
    user_id   INTEGER,
    principal TEXT    NOT NULL,
    camera_id TEXT,
    action    TEXT    NOT NULL,
    result    TEXT    NOT NULL,
    detail    TEXT    NOT NULL DEFAULT ''
);
-- Audit(limit): newest first.
CREATE INDEX audit_log_at ON audit_log (at_ns);
-- A camera's history, newest first.
CREATE INDEX audit_log_camera_at ON audit_log (camera_id, at_ns);
