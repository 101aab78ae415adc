-- retort:revision 4d68eb8716bd
-- retort:down_revision a003f1a5e3fc
-- retort:message index users.phone concurrently
-- retort:created 2025-10-15T08:45:00Z
-- retort:transaction off

-- The playbook's "DO" item 5 adds idx_phone together with the column; on
-- production (Railway) a plain CREATE INDEX blocks writes to users for the
-- whole build, so the index comes on its own, built CONCURRENTLY.
-- CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block,
-- hence "transaction off": the statements run one by one, in autocommit.
-- A failed concurrent build leaves an INVALID index behind; the leading
-- DROP ... IF EXISTS makes a re-run after such a failure succeed, and the
-- verify section refuses an invalid index.

-- retort:upgrade
DROP INDEX CONCURRENTLY IF EXISTS idx_users_phone;
CREATE INDEX CONCURRENTLY idx_users_phone ON users (phone);

-- retort:downgrade
DROP INDEX CONCURRENTLY IF EXISTS idx_users_phone;

-- retort:verify
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index
                    WHERE indexrelid = to_regclass('idx_users_phone')
                      AND indisvalid) THEN
        RAISE EXCEPTION 'index idx_users_phone is missing or invalid';
    END IF;
END
$$;
