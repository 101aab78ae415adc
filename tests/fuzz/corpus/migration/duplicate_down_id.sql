-- retort:revision a1b2c3d4e5f6
-- retort:down_revision abc def abc
-- retort:message test

-- retort:upgrade
CREATE TABLE t (a int);

-- retort:downgrade
DROP TABLE t;
