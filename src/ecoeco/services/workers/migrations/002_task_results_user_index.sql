-- userinfo reads a user's completed analyses (points, history) by user_id on every profile view.
CREATE INDEX IF NOT EXISTS task_results_user_ai_done
    ON tasks.task_results (user_id)
    WHERE worker = 'ai' AND state = 'succeeded';
