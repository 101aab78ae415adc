#!/usr/bin/python3
"""Writes an Alembic project mirroring a retort versions directory: the same
revision ids, down_revisions, branch labels and depends_on, with empty
upgrade/downgrade functions. Used to check that retort keeps alembic_version
exactly as Alembic does, and that Alembic reads what retort wrote.

usage: alembic_mirror.py RETORT_VERSIONS_DIR OUT_DIR SQLALCHEMY_URL
(env.py takes another database with: alembic -x url=URL ...)
"""
import os
import sys

src, out, url = sys.argv[1:4]
os.makedirs(os.path.join(out, "versions"), exist_ok=True)
with open(os.path.join(out, "alembic.ini"), "w") as f:
    f.write("[alembic]\nscript_location = %s\nsqlalchemy.url = %s\n" % (out, url.replace("%", "%%")))
with open(os.path.join(out, "env.py"), "w") as f:
    f.write('''from alembic import context
from sqlalchemy import engine_from_config, pool
cfg = context.config
url = context.get_x_argument(as_dictionary=True).get("url")
if url:
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
engine = engine_from_config(cfg.get_section(cfg.config_ini_section), prefix="sqlalchemy.",
                            poolclass=pool.NullPool)
with engine.connect() as conn:
    context.configure(connection=conn, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
''')
with open(os.path.join(out, "script.py.mako"), "w") as f:
    f.write("")


def tuple_or(value):
    ids = value.split()
    if not ids or ids == ["none"]:
        return None
    return ids[0] if len(ids) == 1 else tuple(ids)


for name in sorted(os.listdir(src)):
    if not name.endswith(".sql"):
        continue
    head = {}
    with open(os.path.join(src, name), encoding="utf-8-sig") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("-- retort:upgrade"):
                break
            if line.startswith("-- retort:"):
                key, _, value = line[len("-- retort:"):].partition(" ")
                head[key] = value.strip()
    rev = head["revision"]
    with open(os.path.join(out, "versions", rev + ".py"), "w") as f:
        f.write("revision = %r\n" % rev)
        f.write("down_revision = %r\n" % (tuple_or(head.get("down_revision", "none")),))
        labels = head.get("branch_labels", "").split()
        f.write("branch_labels = %r\n" % (tuple(labels) if labels else None,))
        f.write("depends_on = %r\n" % (tuple_or(head.get("depends_on", "none")),))
        f.write("def upgrade():\n    pass\n\ndef downgrade():\n    pass\n")
