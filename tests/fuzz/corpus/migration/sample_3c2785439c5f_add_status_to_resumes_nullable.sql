-- retort:revision 3c2785439c5f
-- retort:down_revision 6b70e43fe85a
-- retort:message add status to resumes (nullable)
-- retort:created 2025-10-10T09:00:00Z

-- Playbook "Scenario 2: Adding a Required (NOT NULL) Column", step 1:
-- add the column as nullable, so the ALTER succeeds on a table that
-- already has rows. Step 2 (backfill, then NOT NULL) is bd06c0c5103e.
-- This is the second branch forking from 6b70e43fe85a.

-- retort:upgrade
ALTER TABLE resumes ADD COLUMN status varchar(20);

-- retort:downgrade
ALTER TABLE resumes DROP COLUMN status;
