-- retort:upgrade
CREATE INDEX CONCURRENTLY users_name_idx ON users (name);

-- retort:verify
SELECT name FROM users LIMIT 0;

-- retort:downgrade
DROP INDEX CONCURRENTLY users_name_idx;