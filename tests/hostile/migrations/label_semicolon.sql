-- retort:revision zz1
-- retort:branch_labels a;b
-- retort:down_revision h2
-- retort:message hostile
-- retort:created 2025-10-24T10:00:00Z

-- retort:upgrade
CREATE TABLE hostile (id int);

-- retort:downgrade
DROP TABLE hostile;
