-- 0014: share links (issue 21). A link lets whoever holds its secret watch
-- one camera's live view, or one recorded range of it, until it expires,
-- is revoked (its row deleted) or runs out of views. Only the SHA-256 of
-- the secret is stored (like api_tokens.token_hash): the secret is shown
-- once, at creation. The policy reads the row on every request, together
-- with its creator and camera, so a link dies with its creator's access.
CREATE TABLE share_links (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    token_digest   BLOB    NOT NULL UNIQUE CHECK (length(token_digest) = 32),
    camera_id      TEXT    NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    created_by     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL CHECK (kind IN ('live', 'clip')),
    -- The clip's range; 0 and 0 for a live link.
    start_ns       INTEGER NOT NULL DEFAULT 0,
    end_ns         INTEGER NOT NULL DEFAULT 0,
    created_at_ns  INTEGER NOT NULL,
    expires_at_ns  INTEGER NOT NULL,
    -- argon2id of the passcode; '' when the link has none.
    passcode_hash  TEXT    NOT NULL DEFAULT '',
    -- 0: no limit. views counts the media sessions and downloads started.
    max_views      INTEGER NOT NULL DEFAULT 0 CHECK (max_views >= 0),
    views          INTEGER NOT NULL DEFAULT 0,
    CHECK (kind = 'live' OR end_ns > start_ns)
);
-- The cascades, and a household's listing by camera.
CREATE INDEX share_links_camera ON share_links (camera_id);
CREATE INDEX share_links_creator ON share_links (created_by);
