-- retort:down_revision 111 abc
-- retort:revision abc

-- retort:upgrade
CREATE TABLE t (a int);

-- retort:downgrade
DROP TABLE t;
