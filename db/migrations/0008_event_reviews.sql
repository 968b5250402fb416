-- 0008: "reviewed" marks on events, per user.
--
-- Reviewing is personal (Frigate 0.14's review page, Blue Iris UI3's clip
-- list): one person having looked at an event says nothing about whether
-- another member of the household has, so a mark is a (user, event) row
-- and never a column of events.
--
-- Both keys cascade: a mark means nothing without its user or its event,
-- and an event's row goes only after its thumbnail (db.DeleteEvent), so the
-- cascade never outruns a file. event_id is the event's internal row number
-- (events.id), which never leaves the store; the API names events by
-- public_id.
--
-- The primary key (user_id, event_id) is the index the listings use: "is
-- this event reviewed by this user" is one seek per listed event (the
-- listing walks events per camera in start order and asks NOT EXISTS for
-- the unreviewed filter). event_reviews_event serves the cascade from
-- events, which deletes by event_id.
CREATE TABLE event_reviews (
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id       INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    reviewed_at_ns INTEGER NOT NULL,
    PRIMARY KEY (user_id, event_id)
) WITHOUT ROWID;
CREATE INDEX event_reviews_event ON event_reviews (event_id);

-- The unreviewed listing walks a camera's live events newest first and
-- probes event_reviews for each; once a user has marked a busy month
-- reviewed, the first page of "unreviewed" walks all of it. This partial
-- index holds what that walk reads (camera, start, public ID, and the row
-- number event_reviews is keyed by) for live events only, so a reviewed
-- event costs an index step and a probe, without reading its row.
CREATE INDEX events_live_camera_start ON events (camera_id, start_ns DESC, public_id DESC) WHERE state = 'live';

-- A user's review floor on a camera: every live event of that camera from
-- the camera's household-since up to floor_ns has a mark of that user.
-- It is a hint derived from event_reviews, never the truth: it lets the
-- unreviewed listing start its walk at the floor instead of walking a
-- month of reviewed events. Mark-all raises it (in the transaction that
-- writes the marks); unmarking an event lowers it to that event's start,
-- and so does a new event that starts below it (an event created a moment
-- after the motion it records began).
CREATE TABLE event_review_floors (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    camera_id TEXT    NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    floor_ns  INTEGER NOT NULL,
    PRIMARY KEY (user_id, camera_id)
) WITHOUT ROWID;
-- The cascade from cameras and CreateEvent's lowering, by camera.
CREATE INDEX event_review_floors_camera ON event_review_floors (camera_id, floor_ns);
