-- retort:revision 9f8e7d6c5b4a
-- retort:down_revision 0a1b2c3d4e5f
-- retort:transaction off

-- retort:upgrade
CREATE INDEX CONCURRENTLY users_name_idx ON users (name);

-- retort:verify
SELECT name FROM users LIMIT 0;

-- retort:downgrade
DROP INDEX CONCURRENTLY users_name_idx;