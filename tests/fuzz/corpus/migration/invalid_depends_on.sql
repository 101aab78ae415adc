-- retort:revision a1b2c3d4e5f6
-- retort:down_revision none
-- retort:message test
-- retort:depends_on abc Bad

-- retort:upgrade
CREATE TABLE t (a int);

-- retort:downgrade
DROP TABLE t;
