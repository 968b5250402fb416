-- 0009: MQTT integrations (issue 18).
--
-- An integration is a household's link to an MQTT broker: a topic prefix
-- and the API token whose principal every publish and command is decided
-- for (nvr.Integration). The token gets a scope of its own, 'mqtt', so it
-- may see cameras and thumbnails, trigger events and switch recording, and
-- nothing else its user could do.
--
-- SQLite cannot change a CHECK, so api_tokens is rebuilt with 'mqtt' among
-- its scopes. Nothing refers to api_tokens yet, so the rebuild moves no
-- foreign keys; row IDs (the audit log's "token:N") and the counter's
-- high-water mark are kept, so a revoked token's ID never comes back.
CREATE TABLE api_tokens_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    scope           TEXT    NOT NULL CHECK (scope IN ('view', 'trigger', 'all', 'mqtt')),
    token_hash      BLOB    NOT NULL UNIQUE CHECK (length(token_hash) >= 16),
    created_at_ns   INTEGER NOT NULL,
    last_used_at_ns INTEGER NOT NULL DEFAULT 0,
    expires_at_ns   INTEGER NOT NULL DEFAULT 0,
    public_id       TEXT
);

INSERT INTO api_tokens_new (id, user_id, name, scope, token_hash, created_at_ns, last_used_at_ns, expires_at_ns, public_id)
SELECT id, user_id, name, scope, token_hash, created_at_ns, last_used_at_ns, expires_at_ns, public_id
FROM api_tokens;

UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'api_tokens'))
WHERE name = 'api_tokens_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'api_tokens');
INSERT INTO sqlite_sequence (name, seq)
SELECT 'api_tokens_new', seq FROM sqlite_sequence
WHERE name = 'api_tokens' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'api_tokens_new');

DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;

-- As in 0001 and 0006.
CREATE INDEX api_tokens_user ON api_tokens (user_id);
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

-- One integration per household. Revoking its token (or removing the
-- token's user) removes the integration: it has no authority of its own.
-- The topic prefix and the Home Assistant discovery prefix are unique, so
-- two households on one broker never share topics: each household's Home
-- Assistant reads its own discovery prefix and sees its own cameras only.
CREATE TABLE mqtt_integrations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id  INTEGER NOT NULL UNIQUE REFERENCES households (id) ON DELETE CASCADE,
    token_id      INTEGER NOT NULL UNIQUE REFERENCES api_tokens (id) ON DELETE CASCADE,
    topic_prefix  TEXT    NOT NULL UNIQUE CHECK (length(topic_prefix) BETWEEN 1 AND 128),
    discovery_prefix TEXT NOT NULL UNIQUE CHECK (length(discovery_prefix) BETWEEN 1 AND 128),
    created_at_ns INTEGER NOT NULL
);
