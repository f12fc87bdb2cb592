-- Results of the workers' journals (synced by services.workers.sync). Applied into schema "tasks".
CREATE TABLE IF NOT EXISTS tasks.task_results (
    task_id     text PRIMARY KEY,
    job_id      text,
    worker      text NOT NULL,
    task_name   text NOT NULL,
    user_id     text,
    state       text NOT NULL CHECK (state IN ('received', 'running', 'failed', 'succeeded', 'dead')),
    attempts    integer NOT NULL,
    result      jsonb,
    error       text,
    received_at timestamptz,
    started_at  timestamptz,
    finished_at timestamptz,
    updated_at  timestamptz NOT NULL,
    synced_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS task_results_job_id ON tasks.task_results (job_id);
CREATE INDEX IF NOT EXISTS task_results_state ON tasks.task_results (state);

-- Must equal ecoeco.shared.jobs.STATE_RANK (an integration test checks): a sync never lowers a rank.
CREATE OR REPLACE FUNCTION tasks.state_rank(state text) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE state
        WHEN 'received' THEN 0
        WHEN 'running' THEN 1
        WHEN 'failed' THEN 2
        WHEN 'succeeded' THEN 3
        WHEN 'dead' THEN 3
        ELSE -1
    END
$$;
