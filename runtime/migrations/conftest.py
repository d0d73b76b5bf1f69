"""Keep pytest's doctest collection away from Alembic scripts (they run only under Alembic)."""

collect_ignore = ["env.py"]
collect_ignore_glob = ["versions/*.py"]
