-- retort:revision 6b70e43fe85a
-- retort:down_revision 07c2756f9194
-- retort:message add phone field to users
-- retort:created 2025-10-06T10:00:00Z

-- The playbook's worked example ("Creating Migrations (The Right Way)"):
-- a new nullable column, so existing rows need nothing. Its index is
-- built later, without locking writes, by 4d68eb8716bd.
-- Two branches start from this revision: the Google integration
-- (b12209810ecc, label "google") and the resume status work
-- (3c2785439c5f); a003f1a5e3fc merges them again.

-- retort:upgrade
ALTER TABLE users ADD COLUMN phone varchar(20);

-- retort:downgrade
ALTER TABLE users DROP COLUMN phone;

-- retort:verify
SELECT phone FROM users LIMIT 0;
