CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text UNIQUE,
    password_hash text,
    display_name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz,
    deleted_at timestamptz
);

-- One row per external account linked to a user (kakao/google/naver subject id).
CREATE TABLE identities (
    provider text NOT NULL,
    subject text NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id),
    email text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);

-- Refresh tokens: rotated on every use; a rotated token presented again revokes its whole family.
CREATE TABLE refresh_tokens (
    jti text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    family_id text NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
