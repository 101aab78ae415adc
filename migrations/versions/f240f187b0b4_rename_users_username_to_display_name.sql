-- retort:revision f240f187b0b4
-- retort:down_revision 2733b3fe03af
-- retort:message rename users.username to display_name
-- retort:created 2025-10-20T15:00:00Z
-- retort:allow ban-drop-column because the old column's values are copied into the new one first, and back on downgrade
-- retort:allow adding-not-nullable-field,disallowed-unique-constraint,statements-after-access-exclusive because the playbook's add/copy/drop rename runs as one transaction on the small users table

-- Playbook "Scenario 3: Renaming a Column", the "good way": add the new
-- column, copy the data, drop the old one -- never drop-then-add, which
-- loses the data. The new column gets the old one's NOT NULL and UNIQUE
-- constraints (named as PostgreSQL would name them), and the downgrade
-- does the same in reverse, so display_name/username round-trip with
-- their data. (In PostgreSQL alone, ALTER TABLE ... RENAME COLUMN would do
-- it in one statement; the add/copy/drop form is the playbook's pattern.)

-- retort:upgrade
ALTER TABLE users ADD COLUMN display_name varchar(80);

UPDATE users SET display_name = username;

ALTER TABLE users ALTER COLUMN display_name SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_display_name_key UNIQUE (display_name);
ALTER TABLE users DROP COLUMN username;

-- retort:downgrade
ALTER TABLE users ADD COLUMN username varchar(80);

UPDATE users SET username = display_name;

ALTER TABLE users ALTER COLUMN username SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_username_key UNIQUE (username);
ALTER TABLE users DROP COLUMN display_name;
