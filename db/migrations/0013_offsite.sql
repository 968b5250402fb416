-- 0013: off-site copies (issue 21).
--
-- One target per household, removed with it. recipient is the household's
-- age public key: the private key is never stored here, so nothing on the
-- appliance can decrypt the copy. sftp_host_key is empty until the first
-- connection pins it (trust on first use); sftp_key is the appliance's own
-- SSH private key for this target, a secret never shown or logged.
CREATE TABLE offsite_targets (
    household_id  INTEGER PRIMARY KEY REFERENCES households (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('dir', 'sftp')),
    path          TEXT    NOT NULL CHECK (length(path) BETWEEN 1 AND 1024),
    sftp_addr     TEXT    NOT NULL DEFAULT '',
    sftp_user     TEXT    NOT NULL DEFAULT '',
    sftp_host_key TEXT    NOT NULL DEFAULT '',
    sftp_key      TEXT    NOT NULL DEFAULT '',
    recipient     TEXT    NOT NULL CHECK (recipient LIKE 'age1%'),
    continuous    INTEGER NOT NULL DEFAULT 0 CHECK (continuous IN (0, 1)),
    updated_at_ns INTEGER NOT NULL
);
