-- 0003: when a camera joined its current household.
--
-- Footage belongs to the household that owned the camera when it was
-- recorded. A camera moved to another household keeps its immutable ID and
-- its segments, so playback must never serve the new household what was
-- recorded before the move: it reads only footage from household_since_ns
-- on. 0 means "since creation" (cameras never moved).
ALTER TABLE cameras ADD COLUMN household_since_ns INTEGER NOT NULL DEFAULT 0 CHECK (household_since_ns >= 0);
