-- retort:revision 6ab519d54207
-- retort:down_revision 6ee1c5ab22d4
-- retort:message create resume_templates table
-- retort:created 2025-10-02T09:30:00Z
-- retort:allow prefer-identity because the ids stay serial, as in the Flask-SQLAlchemy models the app still uses
-- retort:allow prefer-jsonb because the models declare db.JSON and the app compares the documents as text

-- class ResumeTemplate. Until now a resume's template was a bare integer
-- chosen from a list hard-coded in the application; legacy_template_number
-- records which of those numbers a row stands for, so that the later
-- foreign-key migration (playbook "Scenario 4: Changing Foreign Key
-- Relationships") can map old numbers to rows, and map them back on
-- downgrade.
-- JSON columns get a server default, as the playbook's "JSON Fields"
-- guideline asks.

-- retort:upgrade
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

-- retort:downgrade
DROP TABLE resume_templates;
