CREATE TABLE profiles (
    user_id text PRIMARY KEY,
    nickname text NOT NULL,
    avatar_url text,
    language text NOT NULL DEFAULT 'ko',
    theme text NOT NULL DEFAULT 'system',
    notify_push boolean NOT NULL DEFAULT true,
    notify_email boolean NOT NULL DEFAULT false,
    notify_marketing boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
