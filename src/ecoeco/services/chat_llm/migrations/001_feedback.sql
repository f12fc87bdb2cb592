-- Ratings of assistant answers. Chat history itself lives in Redis (it expires); feedback is kept
-- because it is what tells us whether the answers are any good.
CREATE TABLE feedback (
    session_id text NOT NULL,
    message_id text NOT NULL,
    user_id text NOT NULL,
    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment text,
    answer_mode text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, user_id)
);
CREATE INDEX feedback_created_at ON feedback (created_at);
