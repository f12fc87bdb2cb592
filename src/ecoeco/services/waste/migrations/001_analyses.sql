-- One row per analysis: who owns it, where the upload lives, and whether it was handed to q.storage.
-- Progress itself lives in Redis (1 h) and, once synced, in tasks.task_results.
CREATE TABLE analyses (
    job_id text PRIMARY KEY,
    user_id text NOT NULL,
    object_key text NOT NULL,
    content_type text NOT NULL,
    source text NOT NULL CHECK (source IN ('presigned', 'direct')),
    created_at timestamptz NOT NULL DEFAULT now(),
    uploaded_bytes bigint,
    enqueued_at timestamptz
);
CREATE INDEX analyses_user ON analyses (user_id, created_at DESC);
