-- retort:revision bd06c0c5103e
-- retort:down_revision 3c2785439c5f
-- retort:message backfill resume status and make it not null
-- retort:created 2025-10-13T16:30:00Z
-- retort:allow adding-not-nullable-field,statements-after-access-exclusive because this is the playbook's backfill-then-SET NOT NULL step on a small table; preflight shows its size

-- Playbook "Scenario 2", step 2: populate existing rows, then make the
-- column NOT NULL. It also gets the server default 'active' (the "DO" list,
-- item 3: NOT NULL columns need a default) so inserts from application
-- code that does not know the column yet keep working.
-- The downgrade restores the previous schema (nullable, no default); the
-- backfilled 'active' values stay, as they cannot be told from real ones.

-- retort:upgrade
UPDATE resumes
   SET status = 'active'
 WHERE status IS NULL;

ALTER TABLE resumes ALTER COLUMN status SET DEFAULT 'active';
ALTER TABLE resumes ALTER COLUMN status SET NOT NULL;

-- retort:downgrade
ALTER TABLE resumes ALTER COLUMN status DROP DEFAULT;
ALTER TABLE resumes ALTER COLUMN status DROP NOT NULL;

-- retort:verify
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM resumes WHERE status IS NULL) THEN
        RAISE EXCEPTION 'resumes.status not backfilled';
    END IF;
END
$$;
