-- retort:revision b12209810ecc
-- retort:down_revision 6b70e43fe85a
-- retort:message create google_auth table
-- retort:created 2025-10-08T14:00:00Z
-- retort:branch_labels google
-- retort:allow prefer-identity because the ids stay serial, as in the Flask-SQLAlchemy models the app still uses

-- First revision of the "google" branch (forks from 6b70e43fe85a).
-- The playbook's "Current Issues to Address" 2: "Document Google
-- integration tables" -- these tables had been created by hand on some
-- databases; from here on they exist only through migrations, and the
-- COMMENT ON statements document them in the catalog itself
-- (\d+ google_auth in psql shows them).

-- retort:upgrade
CREATE TABLE google_auth (
    id             serial       NOT NULL,
    user_id        integer      NOT NULL,
    google_user_id varchar(255) NOT NULL,
    email          varchar(120),
    access_token   text         NOT NULL,
    refresh_token  text,
    token_expiry   timestamp with time zone,
    scopes         text,
    created_at     timestamp with time zone NOT NULL DEFAULT now(),
    updated_at     timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT google_auth_pkey PRIMARY KEY (id),
    CONSTRAINT google_auth_user_id_key UNIQUE (user_id),
    CONSTRAINT google_auth_google_user_id_key UNIQUE (google_user_id),
    CONSTRAINT google_auth_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
);

COMMENT ON TABLE google_auth IS
    'Google OAuth 2.0 credentials, one row per linked user account.';
COMMENT ON COLUMN google_auth.google_user_id IS
    'The Google account''s stable subject id ("sub" claim).';
COMMENT ON COLUMN google_auth.access_token IS
    'Short-lived access token; refreshed with refresh_token after token_expiry.';
COMMENT ON COLUMN google_auth.refresh_token IS
    'Long-lived refresh token; NULL when Google did not issue one.';
COMMENT ON COLUMN google_auth.token_expiry IS
    'When access_token expires (UTC).';
COMMENT ON COLUMN google_auth.scopes IS
    'Space-separated OAuth scopes granted by the user.';

-- retort:downgrade
DROP TABLE google_auth;
