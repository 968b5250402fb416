-- 0010: notification channels and rules (issue 17), after the event
-- review marks (0008) and the MQTT integrations (0009).
--
-- A channel is one way to reach one user; a rule says which messages the
-- user wants. Neither row decides anything: for every message the policy
-- is asked at send time whether the user may still see the camera, so a
-- rule naming a camera the user has since lost sends nothing. Both go with
-- their user (ON DELETE CASCADE); a rule naming a camera goes with the
-- camera, so a camera removed and a new one created can never inherit it.
--
-- public_id is the row's only name outside the server (randomID's form).
-- secret holds the webhook's HMAC key, an ntfy token or a push
-- subscription's keys; it is never returned by any answer.
-- local_ok = 1 only when the appliance admin set the target (the CLI), so
-- that it may reach this appliance, like cameras.local_ok.
CREATE TABLE notify_channels (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id     TEXT    NOT NULL UNIQUE CHECK (length(public_id) = 32 AND public_id NOT GLOB '*[^0-9a-f]*'),
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('webhook', 'ntfy', 'email', 'webpush')),
    name          TEXT    NOT NULL CHECK (name <> '' AND length(name) <= 64),
    target        TEXT    NOT NULL CHECK (target <> '' AND length(target) <= 2048),
    secret        TEXT    NOT NULL DEFAULT '' CHECK (length(secret) <= 4096),
    local_ok      INTEGER NOT NULL DEFAULT 0 CHECK (local_ok IN (0, 1)),
    created_at_ns INTEGER NOT NULL
);
CREATE INDEX notify_channels_user ON notify_channels (user_id, id);

-- kinds and labels are JSON arrays of strings. camera_id NULL: every
-- camera the user may see at the moment of each message. Quiet hours are
-- minutes after midnight; equal start and end: none.
CREATE TABLE notify_rules (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id     TEXT    NOT NULL UNIQUE CHECK (length(public_id) = 32 AND public_id NOT GLOB '*[^0-9a-f]*'),
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    camera_id     TEXT    REFERENCES cameras (id) ON DELETE CASCADE,
    kinds         TEXT    NOT NULL CHECK (json_valid(kinds) AND json_type(kinds) = 'array' AND json_array_length(kinds) > 0),
    labels        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(labels) AND json_type(labels) = 'array'),
    quiet_start   INTEGER NOT NULL DEFAULT 0 CHECK (quiet_start BETWEEN 0 AND 1439),
    quiet_end     INTEGER NOT NULL DEFAULT 0 CHECK (quiet_end BETWEEN 0 AND 1439),
    cooldown_ms   INTEGER NOT NULL DEFAULT 0 CHECK (cooldown_ms BETWEEN 0 AND 86400000),
    thumbnail     INTEGER NOT NULL DEFAULT 1 CHECK (thumbnail IN (0, 1)),
    created_at_ns INTEGER NOT NULL
);
CREATE INDEX notify_rules_user ON notify_rules (user_id, id);
-- The delivery engine's candidate read, once per event.
CREATE INDEX notify_rules_camera ON notify_rules (camera_id);

-- Camera health as events: "offline" (no frames for the grace period,
-- from the last frame until frames return) and "stalled" (frames arrive,
-- nothing is indexed), written by nvr/notify's health watcher, so the
-- events list and the timeline show outages as what they are.
--
-- events.kind's CHECK is widened in place with SQLite's documented
-- procedure for CHECK changes (https://sqlite.org/lang_altertable.html,
-- "otheralter"): every existing row satisfies the wider check, nothing on
-- disk changes. A rebuild (CREATE, copy, DROP, RENAME) would run the
-- DROP's implicit DELETE through event_reviews' ON DELETE CASCADE and
-- lose every review mark. RESET makes this connection read the new
-- schema; the others read it when they next open.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (kind IN (''motion'', ''trigger''))',
                       'CHECK (kind IN (''motion'', ''trigger'', ''offline'', ''stalled''))')
WHERE type = 'table' AND name = 'events';
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;
