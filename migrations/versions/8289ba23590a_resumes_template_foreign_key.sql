-- retort:revision 8289ba23590a
-- retort:down_revision f240f187b0b4
-- retort:message replace resumes.template number by template_id foreign key
-- retort:created 2025-10-24T10:00:00Z
-- retort:allow ban-drop-column because resumes.template is mapped into template_id first, and back on downgrade
-- retort:allow constraint-missing-not-valid,require-concurrent-index-creation,require-concurrent-index-deletion,statements-after-access-exclusive because template_id is new (all NULL when the key is added) and the switch must be one transaction

-- Playbook "Scenario 4: Changing Foreign Key Relationships": the integer
-- resumes.template becomes template_id REFERENCES resume_templates(id),
-- mapped through resume_templates.legacy_template_number.
-- Fixes over the playbook's version:
--  * the playbook's downgrade runs "SET template = template_id", which
--    writes row ids where template numbers belong; here the numbers are
--    mapped back through legacy_template_number, so the data round-trips;
--  * a resume whose template number has no resume_templates row would
--    silently lose its template: the upgrade refuses instead (add the
--    missing templates first);
--  * likewise the downgrade refuses when a resume uses a template that has
--    no legacy number, since the old column could not express it;
--  * template_id gets an index (foreign keys are not indexed implicitly).

-- retort:upgrade
DO $$
DECLARE
    missing text;
BEGIN
    SELECT string_agg(DISTINCT r.template::text, ', ') INTO missing
      FROM resumes r
     WHERE r.template IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM resume_templates rt
                        WHERE rt.legacy_template_number = r.template);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'resumes use template numbers with no resume_templates row (legacy_template_number): %', missing;
    END IF;
END
$$;

ALTER TABLE resumes ADD COLUMN template_id integer;

ALTER TABLE resumes ADD CONSTRAINT fk_resumes_template_id
    FOREIGN KEY (template_id) REFERENCES resume_templates (id);

UPDATE resumes r
   SET template_id = rt.id
  FROM resume_templates rt
 WHERE r.template = rt.legacy_template_number;

CREATE INDEX ix_resumes_template_id ON resumes (template_id);

ALTER TABLE resumes DROP COLUMN template;

-- retort:downgrade
DO $$
DECLARE
    unmapped text;
BEGIN
    SELECT string_agg(DISTINCT rt.name, ', ') INTO unmapped
      FROM resumes r
      JOIN resume_templates rt ON rt.id = r.template_id
     WHERE rt.legacy_template_number IS NULL;
    IF unmapped IS NOT NULL THEN
        RAISE EXCEPTION 'resumes use templates without a legacy_template_number: %', unmapped;
    END IF;
END
$$;

ALTER TABLE resumes ADD COLUMN template integer;

UPDATE resumes r
   SET template = rt.legacy_template_number
  FROM resume_templates rt
 WHERE r.template_id = rt.id;

DROP INDEX ix_resumes_template_id;
ALTER TABLE resumes DROP CONSTRAINT fk_resumes_template_id;
ALTER TABLE resumes DROP COLUMN template_id;
