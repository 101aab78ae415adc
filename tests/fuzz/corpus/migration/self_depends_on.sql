-- retort:revision abc
-- retort:down_revision none
-- retort:message test
-- retort:depends_on abc

-- retort:upgrade
CREATE TABLE t (a int);

-- retort:downgrade
DROP TABLE t;
