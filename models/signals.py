"""How the screens that follow a session (the projector) learn that "session N changed,
revision R" the moment the change is committed, instead of asking every second.

Every write a projector must follow bumps the session's revision through models.session_rows.touch, which calls
`session_changed` here inside the writer's transaction. Nothing is said before that transaction commits, and a
rolled-back write says nothing:
- in this process, `NOTIFIER.publish` runs after the commit (SQLAlchemy's `after_commit` session event); that is
  all SQLite needs (one app process per database file);
- on PostgreSQL the writer's transaction also runs `pg_notify('gsf_session', '<id>:<revision>')`, which
  PostgreSQL delivers at commit, and to no one on rollback, to every connection listening: each server process
  keeps one (`PgListener`, started by `start_listener`) and forwards what it hears to its own notifier, so a change
  made on one replica reaches the projectors served by another.

The notifier is thread-safe on the publishing side (writers are Streamlit script threads) and asyncio-friendly on
the listening side (an HTTP route awaits `Subscription.wait` in the server's event loop). A listener told
`resync` may have missed signals (the PostgreSQL connection was re-made) and should read the revision again.
No Streamlit here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

log = logging.getLogger("facilitator")

CHANNEL = "gsf_session"  # the PostgreSQL notification channel
_PENDING = "gsf_changed_sessions"  # Session.info key: {session id: revision} written in the open transaction


# ---------------------------------------------------------------- in this process


class Subscription:
    """One listener's news about one session. Created in, and awaited from, one event loop."""

    def __init__(self, notifier: Notifier, session_id: int, loop: asyncio.AbstractEventLoop) -> None:
        self.session_id = session_id
        self._notifier, self._loop = notifier, loop
        self._event = asyncio.Event()
        self._revision: int | None = None
        self._resync = False
        self.closed = False

    # called in the loop's thread (posted there by the notifier)
    def _offer(self, revision: int | None, resync: bool, close: bool) -> None:
        if revision is not None and (self._revision is None or revision > self._revision):
            self._revision = revision
        self._resync = self._resync or resync
        self.closed = self.closed or close
        self._event.set()

    def _post(self, revision: int | None = None, *, resync: bool = False, close: bool = False) -> None:
        try:
            self._loop.call_soon_threadsafe(self._offer, revision, resync, close)
        except RuntimeError:  # its loop has ended: nobody is listening any more
            self._notifier.unsubscribe(self)

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` seconds for news; True when there is some (read it with `take`), or when closed."""
        if self._event.is_set():
            return True
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def take(self) -> tuple[int | None, bool]:
        """(the highest revision signalled since the last take or None, whether signals may have been lost)."""
        self._event.clear()
        revision, resync = self._revision, self._resync
        self._revision, self._resync = None, False
        return revision, resync

    def close(self) -> None:
        self._notifier.unsubscribe(self)


class Notifier:
    """Who follows which session in this process, and telling them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[int, set[Subscription]] = {}
        self._closed = False

    def subscribe(self, session_id: int) -> Subscription:
        """Follow a session; call it in the event loop that will await the subscription."""
        sub = Subscription(self, session_id, asyncio.get_running_loop())
        with self._lock:
            if self._closed:
                sub.closed = True
            else:
                self._subs.setdefault(session_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.session_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.session_id]

    def listeners(self, session_id: int | None = None) -> int:
        with self._lock:
            if session_id is not None:
                return len(self._subs.get(session_id, ()))
            return sum(len(s) for s in self._subs.values())

    def _all(self, session_id: int | None = None) -> list[Subscription]:
        with self._lock:
            if session_id is not None:
                return list(self._subs.get(session_id, ()))
            return [sub for subs in self._subs.values() for sub in subs]

    def publish(self, session_id: int, revision: int) -> None:
        """Session `session_id` is now at `revision` (from any thread)."""
        for sub in self._all(session_id):
            sub._post(revision)

    def resync(self) -> None:
        """Signals may have been lost (a listener reconnected): every follower should read the revision again."""
        for sub in self._all():
            sub._post(resync=True)

    def close(self) -> None:
        """The server is shutting down: end every subscription, now and from now on."""
        with self._lock:
            self._closed = True
        for sub in self._all():
            sub._post(close=True)
            self.unsubscribe(sub)


NOTIFIER = Notifier()


# ---------------------------------------------------------------- the writer's side


def session_changed(db: Session, session_id: int, revision: int) -> None:
    """Inside a write's transaction: say that the session is at `revision` once (and only if) it commits."""
    pending = db.info.setdefault(_PENDING, {})
    pending[session_id] = max(revision, pending.get(session_id, revision))
    if db.get_bind().dialect.name == "postgresql":  # delivered by PostgreSQL at commit, to every replica
        db.execute(text("SELECT pg_notify(:channel, :payload)"),
                   {"channel": CHANNEL, "payload": f"{session_id}:{revision}"})


@event.listens_for(Session, "after_commit")
def _publish_committed(db: Session) -> None:
    for session_id, revision in (db.info.pop(_PENDING, None) or {}).items():
        NOTIFIER.publish(session_id, revision)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(db: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit (after_commit took it)
        db.info.pop(_PENDING, None)


def parse_payload(payload: str) -> tuple[int, int] | None:
    """'<id>:<revision>' from a notification; None for anything else."""
    sid, _, rev = payload.partition(":")
    if sid.isascii() and sid.isdigit() and rev.isascii() and rev.isdigit():
        return int(sid), int(rev)
    return None


# ---------------------------------------------------------------- PostgreSQL: other replicas' changes


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq (psycopg) takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgListener:
    """`LISTEN gsf_session` on a connection of its own, forwarding each notification to the notifier. A dropped
    connection is made again (every `retry` seconds while it fails), and then every follower is told to read the
    revision again, since signals may have been missed meanwhile (also on the first connection: a follower may
    have subscribed before it was listening)."""

    def __init__(self, url: str, notifier: Notifier | None = None, *, retry: float = 2.0) -> None:
        self.conninfo, self.notifier, self.retry = libpq_url(url), notifier or NOTIFIER, retry
        self.listening = asyncio.Event()

    async def run(self) -> None:
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self.notifier.resync()
                    async for note in conn.notifies():
                        parsed = parse_payload(note.payload)
                        if parsed:
                            self.notifier.publish(*parsed)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away or restarted: listen again
                log.warning("session change listener lost its connection (%s); retrying", type(exc).__name__)
            self.listening.clear()
            await asyncio.sleep(self.retry)


_LISTENERS: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Task, PgListener]] = {}


def start_listener(engine: Engine) -> PgListener | None:
    """In a running event loop: this process's listener for the engine's PostgreSQL database, started on first
    use; None for SQLite (one process: the in-memory notifier is enough)."""
    if engine.dialect.name != "postgresql":
        return None
    url = engine.url.render_as_string(hide_password=False)
    loop = asyncio.get_running_loop()
    held = _LISTENERS.get(url)
    if held is None or held[0] is not loop or held[1].done():
        listener = PgListener(url)
        held = (loop, loop.create_task(listener.run(), name="gsf-session-listener"), listener)
        _LISTENERS[url] = held
    return held[2]


def stop_listeners(urls: Iterable[str] | None = None) -> None:
    """Cancel this process's listeners (tests)."""
    for url in list(urls if urls is not None else _LISTENERS):
        held = _LISTENERS.pop(url, None)
        if held and not held[0].is_closed():
            held[0].call_soon_threadsafe(held[1].cancel)
