"""What one session's screens read: the welcome names for the projector."""

from __future__ import annotations

from models.attendance import set_present
from models.session_view import welcome_first_names
from tests.factories import make_session


def test_welcome_names_only_first_names_of_present_when_on(db):
    from models.sessions import set_projector_names

    s, people, _ = make_session(db, n=3)
    assert welcome_first_names(db, session_id=s.id) == []
    set_projector_names(db, session_id=s.id, show=True)
    set_present(db, session_id=s.id, participant_id=people[2].id, present=False)
    assert welcome_first_names(db, session_id=s.id) == sorted([people[0].first_name, people[1].first_name])
