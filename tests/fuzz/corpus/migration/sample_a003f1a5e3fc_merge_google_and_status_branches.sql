-- retort:revision a003f1a5e3fc
-- retort:down_revision a6c9fa37834d bd06c0c5103e
-- retort:message merge google integration and status branches
-- retort:created 2025-10-14T10:00:00Z

-- Merge revision (what `retort merge -m ... heads` writes, like
-- `flask db merge heads`): it joins the "google" branch (head a6c9fa37834d)
-- and the status branch (head bd06c0c5103e) back into one line of history.
-- It changes nothing in the schema; both bodies are intentionally empty.
-- Downgrading one step from here leaves both parents in alembic_version.

-- retort:upgrade
-- (merge point: no schema change)

-- retort:downgrade
-- (merge point: no schema change)
