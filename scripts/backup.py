"""Back up or restore the app's SQLite database.

    uv run python scripts/backup.py                       # consistent copy into data/backups/, app may run
    uv run python scripts/backup.py --to /safe/place.db
    uv run python scripts/backup.py --restore /safe/place.db   # stop the app first

A restore refuses, changing nothing, a file that is not one of this app's databases, a backup from a newer
version of the app, and a running app. The replaced database is kept beside it under a name of its own.
PostgreSQL: pg_dump and pg_restore.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.backup import BackupError, backup, default_backup_path, one_line, restore  # noqa: E402
from models.db import database_url  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=None, help="database URL (default: DATABASE_URL or data/facilitator.db)")
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--to", type=Path, default=None, help="backup file to write (must not exist)")
    what.add_argument("--restore", type=Path, default=None, help="backup file to restore into the database")
    args = ap.parse_args(argv)
    try:
        url = args.url or database_url()
        if args.restore:
            done = restore(args.restore, url)
            print(f"Restored {args.restore} into {done.database}.")
            if done.kept:
                print(f"The database it replaced is kept as {done.kept}.")
            print(f"It is at schema revision {done.revision}; the app migrates an older one forward when it next "
                  "starts.")
        else:
            dest = backup(url, args.to or default_backup_path(url))
            print(f"Backup written to {dest}.")
    except (BackupError, OSError, sqlite3.Error) as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
