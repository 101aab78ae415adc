-- schema.sql - the declared schema of the Resume Modifier sample project.
--
-- This is what the database looks like at head (revision 8289ba23590a) --
-- the counterpart of the playbook's models file app/models/temp.py. Edit it
-- first, then let `retort migrate -m "..."` generate the revision that
-- brings the database here, and `retort verify` compares a live database
-- against it. Columns are listed in the order the migrations create them,
-- and constraints carry the names the migrations give them, so a database
-- built from this file and one built by `retort upgrade head` are the same.

CREATE TABLE users (
    id            serial       NOT NULL,
    email         varchar(120) NOT NULL,
    password_hash varchar(256),
    first_name    varchar(50),
    last_name     varchar(50),
    created_at    timestamp with time zone NOT NULL DEFAULT now(),
    phone         varchar(20),
    full_name     varchar(100),
    display_name  varchar(80)  NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_display_name_key UNIQUE (display_name)
);

CREATE INDEX idx_users_phone ON users (phone);

CREATE TABLE resume_templates (
    id                     serial       NOT NULL,
    name                   varchar(100) NOT NULL,
    description            text,
    style_config           json DEFAULT '{}'::json,
    sections               json DEFAULT '[]'::json,
    legacy_template_number integer,
    created_at             timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT resume_templates_pkey PRIMARY KEY (id),
    CONSTRAINT resume_templates_legacy_template_number_key UNIQUE (legacy_template_number)
);

CREATE TABLE resumes (
    user_id       integer NOT NULL,
    serial_number integer NOT NULL,
    title         varchar(200),
    parsed_resume json    NOT NULL,
    created_at    timestamp with time zone NOT NULL DEFAULT now(),
    status        varchar(20) NOT NULL DEFAULT 'active',
    template_id   integer,
    CONSTRAINT resumes_pkey PRIMARY KEY (user_id, serial_number),
    CONSTRAINT resumes_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_resumes_template_id FOREIGN KEY (template_id)
        REFERENCES resume_templates (id)
);

CREATE INDEX ix_resumes_template_id ON resumes (template_id);

CREATE TABLE job_descriptions (
    user_id       integer NOT NULL,
    serial_number integer NOT NULL,
    title         varchar(200),
    description   text,
    parsed        json    NOT NULL,
    created_at    timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT job_descriptions_pkey PRIMARY KEY (user_id, serial_number),
    CONSTRAINT job_descriptions_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
);

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

CREATE TABLE google_docs_exports (
    id                   serial       NOT NULL,
    user_id              integer      NOT NULL,
    resume_serial_number integer      NOT NULL,
    google_doc_id        varchar(255) NOT NULL,
    google_doc_url       text,
    exported_at          timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT google_docs_exports_pkey PRIMARY KEY (id),
    CONSTRAINT google_docs_exports_google_doc_id_key UNIQUE (google_doc_id),
    CONSTRAINT google_docs_exports_resume_fkey FOREIGN KEY (user_id, resume_serial_number)
        REFERENCES resumes (user_id, serial_number) ON DELETE CASCADE
);

CREATE INDEX ix_google_docs_exports_resume
    ON google_docs_exports (user_id, resume_serial_number);

COMMENT ON TABLE google_docs_exports IS
    'Resumes exported to Google Docs: which resume, which document, when.';
COMMENT ON COLUMN google_docs_exports.google_doc_id IS
    'The Google Drive file id of the exported document.';
