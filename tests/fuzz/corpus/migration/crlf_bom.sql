-- retort:revision 0a1b2c3d4e5f
-- retort:down_revision none
-- retort:message create users table
-- retort:created 2025-10-24T10:00:00Z

-- retort:upgrade
CREATE TABLE users (
    id bigint PRIMARY KEY,
    name text NOT NULL
);

-- retort:downgrade
DROP TABLE users;
