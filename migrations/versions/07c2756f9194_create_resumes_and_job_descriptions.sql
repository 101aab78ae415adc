-- retort:revision 07c2756f9194
-- retort:down_revision 6ab519d54207
-- retort:message create resumes and job_descriptions tables
-- retort:created 2025-10-03T10:00:00Z
-- retort:allow prefer-jsonb because the models declare db.JSON and the app compares the documents as text

-- class Resume and class JobDescription. Both tables use the composite
-- primary key (user_id, serial_number) the playbook insists on keeping
-- ("Your Project Specific Guidelines" 2: Composite Primary Keys).
-- resumes.template is still the old integer template number; it is
-- replaced by a real foreign key in revision 8289ba23590a.

-- retort:upgrade
CREATE TABLE resumes (
    user_id       integer NOT NULL,
    serial_number integer NOT NULL,
    title         varchar(200),
    template      integer,
    parsed_resume json    NOT NULL,
    created_at    timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT resumes_pkey PRIMARY KEY (user_id, serial_number),
    CONSTRAINT resumes_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
);

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

-- retort:downgrade
-- retort:allow statements-after-access-exclusive because both tables are dropped together and nothing else waits on them
DROP TABLE job_descriptions;
DROP TABLE resumes;
