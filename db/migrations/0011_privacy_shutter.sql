-- 0011: privacy shutters.
--
-- A camera's shutter state is four columns of its row, so the policy's one
-- camera-access read sees it in the same snapshot as everything else it
-- decides on (it evaluates "closed now" from them at each decision):
-- shutter_closed is the hand switch; shutter_start_min/shutter_end_min the
-- daily schedule in minutes after local midnight ([start, end), wrapping
-- past midnight when start > end; 0/0 is no schedule); keep_recording
-- makes a closed shutter refuse viewing only.
ALTER TABLE cameras ADD COLUMN shutter_closed INTEGER NOT NULL DEFAULT 0 CHECK (shutter_closed IN (0, 1));
ALTER TABLE cameras ADD COLUMN shutter_start_min INTEGER NOT NULL DEFAULT 0 CHECK (shutter_start_min BETWEEN 0 AND 1439);
ALTER TABLE cameras ADD COLUMN shutter_end_min INTEGER NOT NULL DEFAULT 0 CHECK (shutter_end_min BETWEEN 0 AND 1439);
ALTER TABLE cameras ADD COLUMN shutter_keep_recording INTEGER NOT NULL DEFAULT 0 CHECK (shutter_keep_recording IN (0, 1));

-- The timeline's history: each hand close is a period, open (end_ns NULL)
-- until the hand open that ends it, written in the transaction of the
-- switch. At most one period per camera is open.
CREATE TABLE shutter_periods (
    id        INTEGER PRIMARY KEY,
    camera_id TEXT    NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    start_ns  INTEGER NOT NULL,
    end_ns    INTEGER CHECK (end_ns IS NULL OR end_ns >= start_ns)
);
CREATE UNIQUE INDEX shutter_periods_open ON shutter_periods (camera_id) WHERE end_ns IS NULL;
CREATE INDEX shutter_periods_camera_start ON shutter_periods (camera_id, start_ns);

-- Every setting of a schedule, from when it held: the scheduled periods
-- of the past are expanded from the schedule that held then, not from
-- today's.
CREATE TABLE shutter_schedules (
    id        INTEGER PRIMARY KEY,
    camera_id TEXT    NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    from_ns   INTEGER NOT NULL,
    start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
    end_min   INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1439)
);
CREATE INDEX shutter_schedules_camera_from ON shutter_schedules (camera_id, from_ns);
