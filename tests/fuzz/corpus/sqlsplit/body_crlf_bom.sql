-- retort:upgrade
CREATE TABLE users (
    id bigint PRIMARY KEY,
    name text NOT NULL
);

-- retort:downgrade
DROP TABLE users;
