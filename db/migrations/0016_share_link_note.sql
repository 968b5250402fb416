-- 0016: a share link's note.
--
-- note is the household's own label for a link ("for the plumber"), shown
-- in the household's list of links and never on the link's page; '' when
-- none.
ALTER TABLE share_links ADD COLUMN note TEXT NOT NULL DEFAULT '';
