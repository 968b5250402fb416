-- 0017: the mode a camera's recording switch turns back on.
--
-- record_resume_mode is the last record_mode other than 'off' the camera
-- had: an integration's recording switch (Home Assistant's) turns a camera
-- off and on again, and on must give back what the household chose, events
-- only or continuous, not a guess. Every write of record_mode keeps it (see
-- db/cameras.go). Cameras stored before this migration resume their current
-- mode, or continuous when they are off.
ALTER TABLE cameras ADD COLUMN record_resume_mode TEXT NOT NULL DEFAULT 'continuous'
    CHECK (record_resume_mode IN ('continuous', 'events'));
UPDATE cameras SET record_resume_mode = record_mode WHERE record_mode IN ('continuous', 'events');
