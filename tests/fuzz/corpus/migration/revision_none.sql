-- retort:revision none
-- retort:down_revision none
-- retort:message test

-- retort:upgrade
CREATE TABLE t (a int);

-- retort:downgrade
DROP TABLE t;
