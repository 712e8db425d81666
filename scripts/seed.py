"""Fill a database of your choosing with invented demo data (never your own database by accident).

    uv run python scripts/seed.py demo --database data/demo.db
    uv run python scripts/seed.py program --database /tmp/program.db [--sessions 2000 --participants 400 --years 5]

Then run the app on it:

    DATABASE_URL=sqlite:///data/demo.db uv run streamlit run streamlit_app.py

The target must be named (--database PATH for SQLite, or a full --url). The app's default database
(data/facilitator.db), the database DATABASE_URL points to, and any database that already holds sessions or
participants are refused unless --force is given. Everyone in the data is made up.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import inspect, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from models.db import DEFAULT_DB, init_engine, make_engine  # noqa: E402
from scripts.demo_data import seed_demo, seed_program  # noqa: E402


class Refused(Exception):
    pass


def _sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database).expanduser().resolve()


def _holdings_sqlite(path: Path) -> tuple[int, int]:
    """(sessions, participants) already in an existing SQLite file, read without changing it."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise Refused(f"{path} cannot be opened as a SQLite database ({exc}).") from exc
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        counts = []
        for table in ("group_session", "participant"):
            counts.append(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if table in names else 0)
        return counts[0], counts[1]
    except sqlite3.DatabaseError as exc:
        raise Refused(f"{path} exists and is not a SQLite database ({exc}); it was not touched.") from exc
    finally:
        con.close()


def _holdings_url(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            return tuple(  # type: ignore[return-value]
                conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() if t in names else 0
                for t in ("group_session", "participant")
            )
    finally:
        engine.dispose()


def check_target(url: str, *, force: bool) -> None:
    """Raise Refused when seeding `url` could write over someone's records."""
    if force:
        return
    path = _sqlite_path(url)
    app_url = os.environ.get("DATABASE_URL", "").strip()
    app_paths = {DEFAULT_DB.resolve()}
    if app_url and _sqlite_path(app_url):
        app_paths.add(_sqlite_path(app_url))
    if path is not None and path in app_paths:
        raise Refused(f"{path} is the app's own database. Name another file with --database, "
                      "or add --force if you really mean to add invented data to it.")
    if path is None and app_url and make_url(app_url) == make_url(url):
        raise Refused("That URL is the app's own database (DATABASE_URL). Use another database, or --force.")
    if path is not None:
        if not path.exists():
            return
        if path.is_dir():
            raise Refused(f"{path} is a folder, not a database file.")
        sessions, people = _holdings_sqlite(path)
    else:
        sessions, people = _holdings_url(url)
    if sessions or people:
        raise Refused(f"{path or 'That database'} already holds {sessions} session(s) and {people} participant(s). "
                      "Name a new file, or add --force to add invented data to it anyway.")


def _run_hint(url: str, given: str | None) -> str:
    if given is not None and not Path(given).is_absolute():
        shown = f"sqlite:///{given}"
    elif _sqlite_path(url) is not None:
        shown = f"sqlite:///{_sqlite_path(url)}"
    else:
        shown = make_url(url).render_as_string(hide_password=True)
    return f"DATABASE_URL={shown} uv run streamlit run streamlit_app.py"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=("demo", "program"), help="a small demo, or a busy multi-year program")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--database", help="SQLite file to create or fill, e.g. data/demo.db")
    where.add_argument("--url", help="a full SQLAlchemy URL instead (e.g. postgresql+psycopg://…)")
    ap.add_argument("--force", action="store_true", help="seed even the app's database or one holding records")
    prog = ap.add_argument_group("program options")
    prog.add_argument("--sessions", type=int, default=2000, help="ended sessions (default 2000)")
    prog.add_argument("--participants", type=int, default=400, help="participants (default 400)")
    prog.add_argument("--years", type=float, default=5, help="years of history up to now (default 5)")
    prog.add_argument("--seed", type=int, default=1234, help="random seed: the same seed gives the same data")
    args = ap.parse_args(argv)

    url = f"sqlite:///{Path(args.database).expanduser()}" if args.database else args.url
    try:
        check_target(url, force=args.force)
    except Refused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2

    engine = init_engine(url)
    began = time.perf_counter()
    try:
        if args.kind == "demo":
            counts = seed_demo(engine)
        else:
            step = max(1, args.sessions // 20)

            def progress(done: int, total: int) -> None:
                if done % step == 0 or done == total:
                    print(f"  {done}/{total} sessions", file=sys.stderr, flush=True)

            counts = seed_program(engine, years=args.years, participants=args.participants,
                                  sessions=args.sessions, seed=args.seed, progress=progress)
    finally:
        engine.dispose()
    took = time.perf_counter() - began
    print(f"Seeded {args.kind} data in {took:.1f} s:")
    for table, n in counts.items():
        print(f"  {table:<18} {n:>9,}")
    print("Run the app on it:")
    print(f"  {_run_hint(url, args.database)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
