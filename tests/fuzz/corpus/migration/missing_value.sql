-- retort:revision   
-- retort:down_revision none

-- retort:upgrade
CREATE TABLE t (a int);

-- retort:downgrade
DROP TABLE t;
