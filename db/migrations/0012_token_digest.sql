-- 0012: RTSP digest credentials for view tokens.
--
-- RTSP clients (Home Assistant, VLC, ffmpeg) authenticate with HTTP digest
-- (RFC 2617, MD5): the server must hold MD5(user:realm:password) to check a
-- response, and a token is stored only as its SHA-256. So a view-scope
-- token created from this version on also stores its digest HA1 under
-- Hearth's RTSP realm. The token carries 256 random bits, so the HA1
-- reveals nothing of it; it does let whoever reads this database play the
-- token's cameras over RTSP until the token is revoked (SECURITY.md).
-- '' for every other token and for view tokens created before: those do
-- not work over RTSP (create a new view token).
ALTER TABLE api_tokens ADD COLUMN digest_ha1 TEXT NOT NULL DEFAULT '';
CREATE INDEX api_tokens_digest_user ON api_tokens (user_id) WHERE digest_ha1 <> '';
