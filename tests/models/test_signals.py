"""'Session N changed' (models/signals.py): the in-process notifier (subscribers hear their own session, the
highest revision, from any thread; closing ends them), a write is signalled only once it commits (a rolled-back
write says nothing), and on PostgreSQL a change committed through one engine reaches a listener on its own
connection, as another replica's would, also after that connection was dropped."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session

from models import signals
from models.attendance import mark_arrived, mark_left, set_caregiver, set_present
from models.curriculum import checklist_items
from models.db import init_engine, session_scope
from models.session_view import load_session_view, session_revision
from models.sessions import go_to_step, set_tick, start_session
from models.signals import Notifier, PgListener, parse_payload, start_listener
from tests.factories import make_session


def run_async(coro):
    """In a thread of its own: the browser tests' Playwright keeps an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Recorder(Notifier):
    def __init__(self) -> None:
        super().__init__()
        self.published: list[tuple[int, int]] = []

    def publish(self, session_id: int, revision: int) -> None:
        self.published.append((session_id, revision))
        super().publish(session_id, revision)


@pytest.fixture
def heard(monkeypatch) -> list[tuple[int, int]]:
    """What this process's notifier is told during the test."""
    rec = Recorder()
    monkeypatch.setattr(signals, "NOTIFIER", rec)
    return rec.published


# ---------------------------------------------------------------- the notifier


def test_subscribers_hear_their_own_session_from_any_thread():
    async def main():
        n = Notifier()
        one, also_one, two = n.subscribe(1), n.subscribe(1), n.subscribe(2)
        assert n.listeners(1) == 2 and n.listeners() == 3
        writer = threading.Thread(target=lambda: (n.publish(1, 5), n.publish(1, 7), n.publish(1, 6)))
        writer.start()
        writer.join()
        assert await one.wait(5) and await also_one.wait(5)
        assert one.take() == (7, False)  # the highest revision told, once
        assert not await one.wait(0.05) and one.take() == (None, False)
        assert also_one.take() == (7, False)
        assert not await two.wait(0.05)
        n.resync()
        assert await two.wait(5) and two.take() == (None, True)
        assert one.take() == (None, True)
        one.close()
        assert n.listeners(1) == 1
        n.publish(1, 8)
        assert not await one.wait(0.05)
        assert await also_one.wait(5) and also_one.take() == (8, True)  # the resync above too
        n.close()  # the server stops: everyone is woken and closed, and later subscribers are closed at once
        assert await also_one.wait(5) and also_one.closed and two.closed
        assert n.listeners() == 0
        late = n.subscribe(1)
        assert late.closed and n.listeners() == 0

    run_async(main())


def test_a_subscriber_whose_loop_ended_is_dropped():
    n = Notifier()

    async def subscribe():
        return n.subscribe(3)

    run_async(subscribe())
    assert n.listeners(3) == 1
    n.publish(3, 1)
    assert n.listeners(3) == 0


def test_payloads():
    assert parse_payload("12:345") == (12, 345)
    for junk in ("", "12", ":3", "a:1", "1:b", "1:2:3", "١:٢", "-1:2"):
        assert parse_payload(junk) is None


# ---------------------------------------------------------------- a write is signalled after it commits


def test_a_committed_write_signals_its_revision_after_the_commit(engine, heard):
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
    assert heard == []  # planning does not touch the revision
    with session_scope(engine) as db:
        start_session(db, session_id=s.id)
        go_to_step(db, session_id=s.id, step="teach")
        assert heard == []  # nothing before the commit
    with session_scope(engine) as db:
        revision = session_revision(db, s.id)
    assert heard == [(s.id, revision)]  # one signal per transaction, with the revision it committed


def test_a_rolled_back_write_signals_nothing(engine, heard):
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
        sid = s.id
    with pytest.raises(RuntimeError), session_scope(engine) as db:
        start_session(db, session_id=sid)
        raise RuntimeError("the page failed after the write")
    with Session(engine) as db:  # rolled back, then the same session commits something else
        start_session(db, session_id=sid)
        db.rollback()
        db.commit()
    assert heard == []
    with session_scope(engine) as db:
        start_session(db, session_id=sid)
    assert heard == [(sid, 1)]


def test_only_what_the_projector_shows_signals_it(engine, heard):
    """Leaving the room, coming back, a caregiver and a tick on the facilitator's checklist change nothing the
    projector shows (it names, at most, who is present, and marks topics and activities covered): they record
    activity without waking the projectors; a person marked absent who arrives, or a topic ticked, does."""
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=3)
        sid, ada, cora = s.id, people[0].id, people[2].id
        set_present(db, session_id=sid, participant_id=cora, present=False)
        start_session(db, session_id=sid)
    heard.clear()
    for fn in (mark_left, mark_arrived):
        with session_scope(engine) as db:
            fn(db, session_id=sid, participant_id=ada)
    with session_scope(engine) as db:
        set_caregiver(db, session_id=sid, participant_id=ada, present=True, name="Invented Helper")
    with session_scope(engine) as db:
        items = checklist_items(load_session_view(db, sid).curriculum)
    check = next(i.key for i in items if i.kind == "check")
    topic = next(i.key for i in items if i.kind == "topic")
    with session_scope(engine) as db:
        set_tick(db, session_id=sid, item_key=check, done=True)  # the facilitator's own checklist
    assert heard == []
    with session_scope(engine) as db:
        set_tick(db, session_id=sid, item_key=topic, done=True)  # a topic: covered on the projector
    assert len(heard) == 1
    heard.clear()
    with session_scope(engine) as db:
        before = session_revision(db, sid)
        mark_arrived(db, session_id=sid, participant_id=cora)  # was absent: now present, as the projector may say
    assert heard == [(sid, before + 1)]


# ---------------------------------------------------------------- PostgreSQL: another replica's change


def _write(url: str, fn) -> None:
    engine = init_engine(url)
    try:
        with session_scope(engine) as db:
            fn(db)
    finally:
        engine.dispose()


def test_a_change_through_one_engine_reaches_a_listener_on_another_connection(pg_cluster):
    name, url = pg_cluster.fresh()
    try:
        engine = init_engine(url)
        with session_scope(engine) as db:
            s, _, _ = make_session(db, n=2)
            sid = s.id
        engine.dispose()
        heard = Notifier()  # not this process's notifier: only what PostgreSQL delivers reaches it

        async def main():
            listener = PgListener(url, heard, retry=0.2)
            sub = heard.subscribe(sid)
            task = asyncio.create_task(listener.run())
            try:
                await asyncio.wait_for(listener.listening.wait(), 30)
                assert await sub.wait(5) and sub.take() == (None, True)  # connected: read the revision again
                await asyncio.to_thread(_write, url, lambda db: start_session(db, session_id=sid))
                assert await sub.wait(20) and sub.take() == (1, False)

                def rolled_back(db):
                    go_to_step(db, session_id=sid, step="teach")
                    raise RuntimeError("rolled back")

                with pytest.raises(RuntimeError):
                    await asyncio.to_thread(_write, url, rolled_back)
                await asyncio.to_thread(_write, url, lambda db: go_to_step(db, session_id=sid, step="activity"))
                assert await sub.wait(20) and sub.take() == (2, False)  # the rolled-back write said nothing

                # the listener's connection is dropped: it listens again, says so, and hears the next change
                pg_cluster._admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  f"WHERE query LIKE 'LISTEN {signals.CHANNEL}%'")
                assert await sub.wait(30) and sub.take() == (None, True)
                await asyncio.to_thread(_write, url, lambda db: go_to_step(db, session_id=sid, step="teach"))
                assert await sub.wait(20) and sub.take() == (3, False)
            finally:
                task.cancel()

        run_async(main())
    finally:
        pg_cluster.drop(name)


def test_one_listener_per_process_and_none_for_sqlite(pg_cluster, tmp_path):
    name, url = pg_cluster.fresh()
    pg, lite = init_engine(url), init_engine(f"sqlite:///{tmp_path / 'one.db'}")

    async def main():
        assert start_listener(lite) is None
        first = start_listener(pg)
        assert start_listener(pg) is first
        await asyncio.wait_for(first.listening.wait(), 30)
        signals.stop_listeners()

    try:
        run_async(main())
    finally:
        pg.dispose()
        lite.dispose()
        pg_cluster.drop(name)
