-- 0007: households are named by a random public ID, never by their row
-- number.
--
-- Every owner sees their household's ID (GET /api/me, camera and member
-- answers, form values); a row number told them how many households were
-- created before theirs, and the admin routes named households by it
-- (issue 14, finding 3, as 0006 did for events, users, sessions and
-- tokens). public_id is 128 random bits as 32 lowercase hex characters, like
-- a camera's ID. The row number stays the internal key: users and cameras
-- refer to it, grants carry it, and it never leaves the server.
--
-- The table is small and referenced by foreign keys, so the public ID is
-- added and checked by triggers (as users' is in 0006) instead of a
-- rebuild. Existing households get fresh random IDs.
ALTER TABLE households ADD COLUMN public_id TEXT;
UPDATE households SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX households_public_id ON households (public_id);
CREATE TRIGGER households_public_id_valid
BEFORE INSERT ON households
WHEN NEW.public_id IS NULL OR length(NEW.public_id) <> 32 OR NEW.public_id GLOB '*[^0-9a-f]*'
BEGIN
    SELECT RAISE(ABORT, 'a household needs a random public ID');
END;
CREATE TRIGGER households_public_id_fixed
BEFORE UPDATE OF public_id ON households
WHEN NEW.public_id IS NOT OLD.public_id
BEGIN
    SELECT RAISE(ABORT, 'a household''s public ID never changes');
END;
