"""Invented people and sessions for tests. No real patient data: every name here is made up."""

from __future__ import annotations

from datetime import UTC, datetime

from models.curriculum import CURRICULA_DIR, load_catalog
from models.people import create_facilitator, create_participant
from models.sessions import create_session

INVENTED = [
    ("Ada", "Testwell"), ("Bram", "Fakeley"), ("Cora", "Inventa"), ("Dov", "Madeup"),
    ("Esi", "Notreal"), ("Finn", "Fictor"), ("Gia", "Pretendo"), ("Hal", "Sampleton"),
    ("Ivo", "Placeholm"), ("Jun", "Dummond"),
]
SCHEDULED = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # make_session's time unless told


def curriculum(cid: str = "diabetes-dsmt-group"):
    return load_catalog(CURRICULA_DIR).curricula[cid]


def make_session(db, *, n: int = 3, cid: str = "diabetes-dsmt-group", code: str | None = None,
                 credential: str = "RN, CDCES", when: datetime | None = None):
    cur = curriculum(cid)
    fac = create_facilitator(db, name="Pat Educator", credential=credential)
    people = [create_participant(db, first_name=f, last_name=last) for f, last in INVENTED[:n]]
    s = create_session(
        db,
        curriculum=cur,
        billing_code=code or cur.codes[0],
        scheduled_at=when or SCHEDULED,
        setting="clinic",
        facilitator_id=fac.id,
        participant_ids=[p.id for p in people],
    )
    return s, people, fac
