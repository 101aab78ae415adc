-- retort:revision zz1
-- retort:down_revision h2
-- retort:message hostile
-- retort:created 2025-10-24T10:00:00Z

-- retort:upgrade
DO $x$ BEGIN END $y$;

-- retort:downgrade
DROP TABLE hostile;
