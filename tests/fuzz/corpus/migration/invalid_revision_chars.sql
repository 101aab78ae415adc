-- retort:revision ABC-123
-- retort:down_revision none
-- retort:message test

-- retort:upgrade
CREATE TABLE t (a int);

-- retort:downgrade
DROP TABLE t;
