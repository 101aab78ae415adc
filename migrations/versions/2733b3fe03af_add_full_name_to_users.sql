-- retort:revision 2733b3fe03af
-- retort:down_revision 4d68eb8716bd
-- retort:message add full_name to users
-- retort:created 2025-10-17T13:20:00Z
-- retort:allow statements-after-access-exclusive because the backfill needs the new column in the same transaction; users is small

-- Playbook "Migration Best Practices", DO item 4 ("Handle data
-- transformations"): add the column as nullable, then populate it from
-- first_name/last_name. Two deliberate differences from the playbook:
--  * CONCAT(first_name, ' ', last_name) leaves a stray space when one part
--    is NULL, and two varchar(50) parts plus a space (101 characters) can
--    overflow varchar(100); CONCAT_WS + LEFT handle both.
--  * the final "make it NOT NULL" step is left out: accounts created
--    without first and last name (e.g. through Google sign-in) have no
--    full name, and SET NOT NULL would fail on them.
-- first_name and last_name stay, so the downgrade loses nothing.

-- retort:upgrade
ALTER TABLE users ADD COLUMN full_name varchar(100);

UPDATE users
   SET full_name = LEFT(CONCAT_WS(' ', first_name, last_name), 100)
 WHERE first_name IS NOT NULL OR last_name IS NOT NULL;

-- retort:downgrade
ALTER TABLE users DROP COLUMN full_name;

-- retort:verify
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM users
                WHERE full_name IS NULL
                  AND (first_name IS NOT NULL OR last_name IS NOT NULL)) THEN
        RAISE EXCEPTION 'users.full_name not populated';
    END IF;
END
$$;
