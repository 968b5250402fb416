-- 0005: who may aim a camera at this appliance.
--
-- local_ok = 1: the appliance admin set the camera's URLs (CLI, admin API),
-- so its connections may reach this machine (a restreamer on 127.0.0.1
-- shared by every household, say). local_ok = 0: a household owner set
-- them, and every connection refuses, at the dial, an address of this
-- appliance (loopback, link-local, its own interface addresses), whatever
-- the name resolved to when the URL was checked on save (DNS rebinding).
--
-- New rows default to 0 (refused) so that a writer that forgets the column
-- fails safe. Existing cameras are set to 1: they were accepted before this
-- check existed, and an admin's local cameras must keep working after the
-- upgrade; a household owner's later change of a URL clears the flag.
ALTER TABLE cameras ADD COLUMN local_ok INTEGER NOT NULL DEFAULT 0 CHECK (local_ok IN (0, 1));
UPDATE cameras SET local_ok = 1;
