-- 0015: ONVIF.
--
-- onvif_url is the camera's ONVIF device service (http[s]://host[:port]/...),
-- '' when none: the address its streams were found at, used for its events
-- and PTZ. It names the main stream's host (the directory holds that), so
-- the camera's credentials go to no other host.
-- event_source picks which events count for the camera: Hearth's own motion
-- detector ('hearth'), the camera's analytics over ONVIF ('camera'), or
-- both.
ALTER TABLE cameras ADD COLUMN onvif_url TEXT NOT NULL DEFAULT '';
ALTER TABLE cameras ADD COLUMN event_source TEXT NOT NULL DEFAULT 'hearth'
    CHECK (event_source IN ('hearth', 'camera', 'both'));
