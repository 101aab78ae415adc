-- retort:revision 4b2a9c1d3e5f
-- retort:down_revision 7c1e0b9a8d2f   9f8e7d6c5b4a	deadbeef0001
-- retort:message merge heads
-- retort:created 2025-10-25T08:30:00Z
-- retort:depends_on 1234567890ab schema_v2
-- retort:branch_labels main billing_2
-- retort:transaction on

-- retort:upgrade
-- retort:downgrade
