-- retort:revision 6ee1c5ab22d4
-- retort:down_revision none
-- retort:message create users table
-- retort:created 2025-10-01T09:00:00Z
-- retort:allow prefer-identity because the ids stay serial, as in the Flask-SQLAlchemy models the app still uses

-- Resume Modifier, initial schema (app/models/temp.py: class User).
-- The root of the history: `retort upgrade head` on an empty database
-- starts here, like `flask db upgrade` in the playbook's "Initial Setup".

-- retort:upgrade
CREATE TABLE users (
    id            serial       NOT NULL,
    username      varchar(80)  NOT NULL,
    email         varchar(120) NOT NULL,
    password_hash varchar(256),
    first_name    varchar(50),
    last_name     varchar(50),
    created_at    timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_email_key UNIQUE (email)
);

-- retort:downgrade
DROP TABLE users;
