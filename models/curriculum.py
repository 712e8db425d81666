"""The standardized curriculum format: a pydantic model, a loader that never stops the app, and the
flat list of deliverable checklist items a session ticks. No Streamlit here."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from models.rules import ADCES7, CODES, MAX_COURSE_MODULES, MAX_NAME

STEP_ORDER = ("intro", "teach", "activity", "qa", "summary")
STEP_TITLES = {
    "intro": "Introduction & assessment",
    "teach": "Teaching",
    "activity": "Activities",
    "qa": "Q&A",
    "summary": "Summary & follow-up",
}
MAX_FILE_BYTES = 1_000_000
MAX_MINUTES = 600

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES)]


class _FieldError(ValueError):
    """A whole-curriculum check that names the field it is about (pydantic reports these at the root)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AssessmentItem(_Strict):
    id: Slug
    prompt: Text
    scale: Literal["1-10", "0-10"] = "1-10"

    @property
    def low(self) -> int:
        return int(self.scale.split("-")[0])

    @property
    def high(self) -> int:
        return int(self.scale.split("-")[1])


class Topic(_Strict):
    id: Slug
    title: Text
    key_points: list[Text] = Field(min_length=1, max_length=30)


class Activity(_Strict):
    id: Slug
    title: Text
    minutes: Minutes | None = None
    materials: list[Text] = Field(default_factory=list, max_length=30)
    instructions: list[Text] = Field(min_length=1, max_length=30)


class Step(_Strict):
    id: Literal["intro", "teach", "activity", "qa", "summary"]
    title: Text | None = None
    minutes: Minutes
    checklist: list[Text] = Field(default_factory=list, max_length=50)
    # per-step content; which ones a step may carry is checked below
    assessment: list[AssessmentItem] = Field(default_factory=list, max_length=20)
    topics: list[Topic] = Field(default_factory=list, max_length=20)
    activities: list[Activity] = Field(default_factory=list, max_length=20)
    prompts: list[Text] = Field(default_factory=list, max_length=30)
    recap: list[Text] = Field(default_factory=list, max_length=30)
    handouts: list[Text] = Field(default_factory=list, max_length=30)

    @property
    def display_title(self) -> str:
        return self.title or STEP_TITLES[self.id]

    @model_validator(mode="after")
    def _content_fits_step(self) -> Step:
        required = {"intro": "assessment", "teach": "topics", "activity": "activities", "qa": "prompts",
                    "summary": "recap"}
        allowed = {"intro": {"assessment"}, "teach": {"topics"}, "activity": {"activities"},
                   "qa": {"prompts"}, "summary": {"recap", "handouts"}}
        if not getattr(self, required[self.id]):
            raise ValueError(f"step '{self.id}' needs at least one entry in '{required[self.id]}'")
        for field in ("assessment", "topics", "activities", "prompts", "recap", "handouts"):
            if getattr(self, field) and field not in allowed[self.id]:
                raise ValueError(f"'{field}' does not belong in step '{self.id}'")
        return self


class Curriculum(_Strict):
    """One standardized group-education curriculum, delivered in five steps."""

    id: Slug
    title: Text
    version: Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]
    condition: Text
    codes: list[Literal["98960", "98961", "98962", "G0108", "G0109"]] = Field(min_length=1)
    minutes: Minutes
    behaviours: list[Literal[ADCES7]] = Field(min_length=1)  # type: ignore[valid-type]
    description: Text | None = None
    steps: list[Step] = Field(min_length=5, max_length=5)

    @model_validator(mode="after")
    def _steps_in_order_and_minutes_add_up(self) -> Curriculum:
        ids = tuple(s.id for s in self.steps)
        if ids != STEP_ORDER:
            raise _FieldError("steps", f"steps must be exactly {', '.join(STEP_ORDER)} in this order; "
                                       f"found {', '.join(ids)}")
        total = sum(s.minutes for s in self.steps)
        if total != self.minutes:
            raise _FieldError("minutes", f"step minutes add up to {total}, "
                                         f"but the curriculum says minutes: {self.minutes}")
        if len(set(self.codes)) != len(self.codes):
            raise _FieldError("codes", "codes are listed twice")
        seen: set[str] = set()
        for n, step in enumerate(self.steps):
            for kind, items in (("assessment", step.assessment), ("topics", step.topics),
                                ("activities", step.activities)):
                for i, item in enumerate(items):
                    if item.id in seen:
                        raise _FieldError(f"steps.{n}.{kind}.{i}.id",
                                          f"id '{item.id}' is used twice (in {kind} of step '{step.id}')")
                    seen.add(item.id)
        return self

    def step(self, step_id: str) -> Step:
        return self.steps[STEP_ORDER.index(step_id)]

    @property
    def assessment(self) -> list[AssessmentItem]:
        return self.step("intro").assessment

    @property
    def topics(self) -> list[Topic]:
        return self.step("teach").topics

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> Curriculum:
        return cls.model_validate_json(text)


@dataclass(frozen=True)
class ChecklistItem:
    """One deliverable item of a session: a step's checklist line, a topic or an activity."""

    key: str  # stable within a curriculum version, e.g. "teach:topic:carb-counting", "intro:check:0"
    step: str
    kind: Literal["check", "topic", "activity"]
    label: str


STEP_SHORT = {"intro": "Intro", "teach": "Teaching", "activity": "Activities", "qa": "Q&A", "summary": "Summary"}
SHORT_LABEL_MAX = 22


def short_label(item: AssessmentItem) -> str:
    """A column title that tells the items apart on a laptop: the item's id in words ("se-regular-meals" →
    "Regular meals"), at most SHORT_LABEL_MAX characters; the whole question goes in the column's help."""
    words = re.sub(r"^(se|conf|bp|hb)-", "", item.id).replace("-", " ").replace("_", " ").strip() or item.id
    text = words[:1].upper() + words[1:]
    return text if len(text) <= SHORT_LABEL_MAX else text[: SHORT_LABEL_MAX - 1].rstrip() + "…"


def item_key(step_id: str, kind: str, ident: str | int) -> str:
    """The stored key of a deliverable item: "<step>:<kind>:<topic id, activity id or checklist line number>"."""
    return f"{step_id}:{kind}:{ident}"


def topic_key(topic_id: str) -> str:
    return item_key("teach", "topic", topic_id)


def activity_key(activity_id: str) -> str:
    return item_key("activity", "activity", activity_id)


def checklist_items(cur: Curriculum, step_id: str | None = None) -> list[ChecklistItem]:
    items: list[ChecklistItem] = []
    for step in cur.steps:
        if step_id and step.id != step_id:
            continue
        for topic in step.topics:
            items.append(ChecklistItem(item_key(step.id, "topic", topic.id), step.id, "topic", topic.title))
        for act in step.activities:
            items.append(ChecklistItem(item_key(step.id, "activity", act.id), step.id, "activity", act.title))
        for i, line in enumerate(step.checklist):
            items.append(ChecklistItem(item_key(step.id, "check", i), step.id, "check", line))
    return items


@dataclass(frozen=True)
class CurriculumError:
    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.reason}"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CourseTemplate(_Strict):
    """A course file (`courses/*.yaml` beside the curricula): a named series of module curricula in order, each
    module one session, weekly by default. A curriculum may be listed more than once (a topic revisited)."""

    id: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME, strip_whitespace=True)]
    description: Text | None = None
    modules: list[Slug] = Field(min_length=1, max_length=MAX_COURSE_MODULES)  # curriculum ids, in order
    code: Literal[tuple(CODES)] | None = None  # type: ignore[valid-type]  # the billing code proposed
    weekday: Literal[WEEKDAYS] | None = None  # type: ignore[valid-type]  # the day proposed for the first session
    time: Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] | None = None  # HH:MM

    @property
    def start_time(self) -> wall_time | None:
        return wall_time.fromisoformat(self.time) if self.time else None

    @property
    def weekday_number(self) -> int | None:
        """Monday 0 … Sunday 6, as date.weekday()."""
        return WEEKDAYS.index(self.weekday) if self.weekday else None

    def first_date(self, today: date) -> date:
        """The date proposed for the first session: the next of the course's weekday after today (a week on when
        today is that day: a course is not started on the day it is planned), else today."""
        wd = self.weekday_number
        return today + timedelta(days=(wd - today.weekday()) % 7 or 7) if wd is not None else today


def course_codes(curricula: list[Curriculum]) -> list[str]:
    """The billing codes every one of these curricula may be delivered under, in the first one's order."""
    return [c for c in curricula[0].codes if all(c in cur.codes for cur in curricula)] if curricula else []


def _course_problems(t: CourseTemplate, curricula: dict[str, Curriculum]) -> list[tuple[str, str]]:
    """(field, reason) for a course file whose modules or code do not fit the curricula loaded beside it."""
    missing = [(f"modules.{i}", f"no curriculum '{m}' in the curricula folder")
               for i, m in enumerate(t.modules) if m not in curricula]
    if missing:
        return missing
    codes = course_codes([curricula[m] for m in t.modules])
    if not codes:
        return [("modules", "the modules have no billing code in common, and a course has one code")]
    if t.code and t.code not in codes:
        return [("code", f"{t.code} is not a code of every module; they share {', '.join(codes)}")]
    return []


def load_course_file(path: Path, curricula: dict[str, Curriculum]) -> tuple[CourseTemplate | None,
                                                                             list[CurriculumError]]:
    data, errors = _read_mapping(path, "id, name, modules …")
    if data is None:
        return None, errors
    try:
        template = CourseTemplate.model_validate(data)
    except ValidationError as exc:
        return None, _validation_errors(path.name, exc)
    problems = _course_problems(template, curricula)
    if problems:
        return None, [CurriculumError(path.name, f, reason) for f, reason in problems]
    return template, []


@dataclass
class CurriculumCatalog:
    curricula: dict[str, Curriculum]
    errors: list[CurriculumError]
    files: dict[str, str]  # curriculum id -> file name
    courses: dict[str, CourseTemplate] = dataclasses.field(default_factory=dict)  # course files (COURSES_SUBDIR)
    course_errors: list[CurriculumError] = dataclasses.field(default_factory=list)
    course_files: dict[str, str] = dataclasses.field(default_factory=dict)  # course id -> file name


def _field_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(whole file)"


def _read_mapping(path: Path, expected: str) -> tuple[dict | None, list[CurriculumError]]:
    """A YAML file's top-level mapping, or the reasons it cannot be read as one (size, encoding, syntax)."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [CurriculumError(name, "(whole file)",
                                          f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")]
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [CurriculumError(name, "(whole file)", f"not UTF-8 text (byte {exc.start})")]
    except OSError as exc:
        return None, [CurriculumError(name, "(whole file)", f"cannot be read: {exc.strerror}")]
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(whole file)"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [CurriculumError(name, where, f"not valid YAML: {problem}")]
    if not isinstance(data, dict):
        return None, [CurriculumError(name, "(whole file)", f"expected a mapping with {expected}")]
    return data, []


def _validation_errors(name: str, exc: ValidationError) -> list[CurriculumError]:
    errors = []
    for err in exc.errors(include_url=False):
        msg = err["msg"].removeprefix("Value error, ")
        cause = (err.get("ctx") or {}).get("error")
        field = cause.field if isinstance(cause, _FieldError) else _field_path(err["loc"])
        errors.append(CurriculumError(name, field, msg))
    return errors


def load_file(path: Path) -> tuple[Curriculum | None, list[CurriculumError]]:
    data, errors = _read_mapping(path, "id, title, steps …")
    if data is None:
        return None, errors
    try:
        return Curriculum.model_validate(data), []
    except ValidationError as exc:
        return None, _validation_errors(path.name, exc)


def load_catalog(folder: Path) -> CurriculumCatalog:
    curricula: dict[str, Curriculum] = {}
    files: dict[str, str] = {}
    errors: list[CurriculumError] = []
    if not folder.is_dir():
        return CurriculumCatalog({}, [CurriculumError(str(folder), "(folder)", "curricula folder not found")], {})
    for path in sorted(list(folder.glob("*.yaml")) + list(folder.glob("*.yml"))):
        cur, errs = load_file(path)
        if cur is None:
            errors.extend(errs)
            continue
        if cur.id in curricula:
            errors.append(CurriculumError(path.name, "id",
                                          f"id '{cur.id}' is already used by {files[cur.id]}; this file is ignored"))
            continue
        curricula[cur.id] = cur
        files[cur.id] = path.name
    catalog = CurriculumCatalog(curricula, errors, files)
    _load_courses(folder / COURSES_SUBDIR, catalog)
    return catalog


COURSES_SUBDIR = "courses"


def _load_courses(folder: Path, catalog: CurriculumCatalog) -> None:
    """The course files of a curricula folder, checked against its curricula; no folder, no courses."""
    if not folder.is_dir():
        return
    for path in sorted(list(folder.glob("*.yaml")) + list(folder.glob("*.yml"))):
        template, errs = load_course_file(path, catalog.curricula)
        if template is None:
            catalog.course_errors.extend(errs)
        elif template.id in catalog.courses:
            catalog.course_errors.append(CurriculumError(
                path.name, "id", f"id '{template.id}' is already used by {catalog.course_files[template.id]}; "
                                 "this file is ignored"))
        else:
            catalog.courses[template.id] = template
            catalog.course_files[template.id] = path.name


CURRICULA_DIR = Path(__file__).resolve().parent.parent / "curricula"


def curricula_dir() -> Path:
    """The shipped curricula folder, or CURRICULA_DIR from the environment (a program's own folder)."""
    override = os.environ.get("CURRICULA_DIR", "").strip()
    return Path(override) if override else CURRICULA_DIR


def json_schema() -> str:
    schema = Curriculum.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Group Session Facilitator curriculum"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
