-- retort:revision a1b2c3d4e5f6
-- retort:down_revision none
-- retort:message test
CREATE TABLE t (a int);

-- retort:upgrade
CREATE TABLE t (a int);

-- retort:downgrade
DROP TABLE t;
