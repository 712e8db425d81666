"""The one source of "now" for the domain: aware UTC datetimes. Tests replace `now` to move time."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def to_local(ts: datetime | None) -> datetime | None:
    """A stored timestamp in the server's local time zone, for display."""
    if ts is None:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone()


def from_local(naive_local: datetime) -> datetime:
    """A wall-clock date and time typed by the educator (server's zone) as aware UTC."""
    return naive_local.astimezone().astimezone(UTC)


def fmt_local(ts: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(ts)
    return local.strftime(pattern) if local else "—"
