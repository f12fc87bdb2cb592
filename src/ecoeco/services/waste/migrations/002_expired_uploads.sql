-- Presigned analyses whose image never arrived are expired (and their objects deleted) by the waste
-- service's cleanup; the partial index keeps its scan to the few rows still waiting for an upload.
ALTER TABLE analyses ADD COLUMN expired_at timestamptz;
CREATE INDEX analyses_awaiting_upload ON analyses (created_at)
    WHERE enqueued_at IS NULL AND expired_at IS NULL;
