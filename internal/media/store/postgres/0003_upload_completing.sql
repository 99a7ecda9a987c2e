-- uploads gain the state completing: the one request that claimed the
-- completion of a fully received upload (probe, source into Storage, video
-- row) holds it, keeping updated_at fresh while it works; another request
-- seeing it answers the full offset instead of completing it again.
ALTER TABLE uploads DROP CONSTRAINT uploads_state_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_state_check
    CHECK (state IN ('receiving', 'completing', 'completed', 'abandoned'));
-- the expiry sweep looks for receiving uploads not touched for a while
CREATE INDEX uploads_state_touched ON uploads (state, updated_at);
