-- retort:revision a6c9fa37834d
-- retort:down_revision b12209810ecc
-- retort:message create google_docs_exports table
-- retort:created 2025-10-09T11:15:00Z
-- retort:allow prefer-identity because the ids stay serial, as in the Flask-SQLAlchemy models the app still uses

-- Second (and last) revision of the "google" branch: the log of resumes
-- exported to Google Docs. It points at a resume through the resumes
-- table's composite primary key (user_id, serial_number).

-- retort:upgrade
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

-- retort:downgrade
DROP TABLE google_docs_exports;
