"""Back up or restore the app's SQLite database.

    uv run python scripts/backup.py                       # consistent copy into data/backups/, app may run
    uv run python scripts/backup.py --to /safe/place.db
    uv run python scripts/backup.py --restore /safe/place.db   # stop the app first
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.backup import BackupError, backup, default_backup_path, restore  # noqa: E402
from models.db import database_url  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=None, help="database URL (default: DATABASE_URL or data/facilitator.db)")
    ap.add_argument("--to", type=Path, default=None, help="backup file to write (must not exist)")
    ap.add_argument("--restore", type=Path, default=None, help="backup file to restore into the database")
    args = ap.parse_args(argv)
    url = args.url or database_url()
    try:
        if args.restore:
            dest = restore(args.restore, url)
            print(f"Restored {args.restore} into {dest}.")
        else:
            dest = backup(url, args.to or default_backup_path(url))
            print(f"Backup written to {dest}.")
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
