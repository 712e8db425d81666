"""The curriculum format: shipped files validate, the schema stays current, broken files are reported
(file, field, reason) without stopping the others from loading. Plain pytest, no Streamlit."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from models.curriculum import (
    CURRICULA_DIR,
    MAX_FILE_BYTES,
    STEP_ORDER,
    Curriculum,
    CurriculumError,
    checklist_items,
    json_schema,
    load_catalog,
    load_file,
)
from models.rules import ADCES7, CODES

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(CURRICULA_DIR.glob("*.yaml"))
SCHEMA_LINE = "# yaml-language-server: $schema=./schema.json"
BASE = "diabetes-dsmt-group.yaml"  # the file broken copies are made from


def _shipped(name: str = BASE) -> dict:
    return yaml.safe_load((CURRICULA_DIR / name).read_text(encoding="utf-8"))


def _write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _with_valid_neighbour(tmp_path: Path) -> None:
    """A valid curriculum next to the broken one, to show one bad file does not stop the rest."""
    shutil.copy(CURRICULA_DIR / "hypertension-group.yaml", tmp_path / "hypertension-group.yaml")


def _only_error(tmp_path: Path, file_name: str) -> CurriculumError:
    catalog = load_catalog(tmp_path)
    assert "hypertension-group" in catalog.curricula, catalog.errors
    assert catalog.errors, "the broken file was accepted"
    assert {e.file for e in catalog.errors} == {file_name}
    for err in catalog.errors:
        assert err.field and err.reason
        assert str(err).startswith(f"{file_name}: {err.field}: ")
    return catalog.errors[0]


# ---------------------------------------------------------------- shipped curricula


def test_three_curricula_are_shipped():
    assert {p.stem for p in SHIPPED} >= {"diabetes-dsmt-group", "hypertension-group", "asthma-group"}


def test_all_shipped_curricula_validate():
    catalog = load_catalog(CURRICULA_DIR)
    assert catalog.errors == []
    assert set(catalog.curricula) == {p.stem for p in SHIPPED}
    for cur_id, file_name in catalog.files.items():
        assert file_name == f"{cur_id}.yaml", "id must match the file stem"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_curriculum_content(path: Path):
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    cur, errors = load_file(path)
    assert errors == [] and cur is not None
    assert cur.minutes == sum(s.minutes for s in cur.steps)
    assert tuple(s.id for s in cur.steps) == STEP_ORDER
    assert set(cur.behaviours) <= set(ADCES7)
    assert set(cur.codes) <= set(CODES)
    for step in cur.steps:
        assert 3 <= len(step.checklist) <= 6, step.id
    assert 4 <= len(cur.assessment) <= 8
    assert 3 <= len(cur.topics) <= 5
    for topic in cur.topics:
        assert 3 <= len(topic.key_points) <= 5, topic.id
    activities = cur.step("activity").activities
    assert 1 <= len(activities) <= 3
    for act in activities:
        assert act.minutes and act.materials and act.instructions
    assert sum(a.minutes or 0 for a in activities) <= cur.step("activity").minutes
    assert 3 <= len(cur.step("qa").prompts) <= 5
    assert 3 <= len(cur.step("summary").recap) <= 6
    assert 2 <= len(cur.step("summary").handouts) <= 4


def test_diabetes_session_is_four_dsmt_units():
    cur, _ = load_file(CURRICULA_DIR / "diabetes-dsmt-group.yaml")
    assert cur is not None
    assert cur.codes == ["G0109", "G0108"]
    assert cur.minutes == 120
    # modelled on the 8-item Stanford Diabetes Self-Efficacy Scale, rated 1-10
    assert len(cur.assessment) == 8
    assert {a.scale for a in cur.assessment} == {"1-10"}


@pytest.mark.parametrize("name", ["hypertension-group.yaml", "asthma-group.yaml"])
def test_cpt_sessions_are_one_hour(name: str):
    cur, _ = load_file(CURRICULA_DIR / name)
    assert cur is not None
    assert cur.codes == ["98961", "98962", "98960"]
    assert cur.minutes == 60


def test_json_round_trip():
    for cur in load_catalog(CURRICULA_DIR).curricula.values():
        assert Curriculum.from_json(cur.to_json()) == cur


# ---------------------------------------------------------------- schema


def test_committed_schema_is_current():
    committed = (CURRICULA_DIR / "schema.json").read_text(encoding="utf-8")
    assert committed == json_schema(), "run: uv run python scripts/write_schema.py"


def test_schema_json_is_not_loaded_as_a_curriculum():
    assert all(e.file != "schema.json" for e in load_catalog(CURRICULA_DIR).errors)


# ---------------------------------------------------------------- checklist items


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_checklist_items_keys_are_unique(path: Path):
    cur, _ = load_file(path)
    assert cur is not None
    items = checklist_items(cur)
    keys = [i.key for i in items]
    assert len(keys) == len(set(keys))
    assert {i.kind for i in items} == {"topic", "activity", "check"}
    topic_keys = {i.key for i in items if i.kind == "topic"}
    assert topic_keys == {f"teach:topic:{t.id}" for t in cur.topics}
    activity_keys = {i.key for i in items if i.kind == "activity"}
    assert activity_keys == {f"activity:activity:{a.id}" for a in cur.step("activity").activities}
    assert sum(i.kind == "check" for i in items) == sum(len(s.checklist) for s in cur.steps)
    for item in items:
        assert item.key.startswith(f"{item.step}:{item.kind}:")


def test_checklist_items_for_one_step():
    cur, _ = load_file(CURRICULA_DIR / BASE)
    assert cur is not None
    items = checklist_items(cur, "intro")
    assert items and {i.step for i in items} == {"intro"}
    assert [i.key for i in items] == [f"intro:check:{n}" for n in range(len(cur.step("intro").checklist))]


# ---------------------------------------------------------------- broken files


def _mutate(fn) -> dict:
    data = copy.deepcopy(_shipped())
    fn(data)
    return data


def _drop_step(d):
    del d["steps"][2]


def _swap_steps(d):
    d["steps"][1], d["steps"][2] = d["steps"][2], d["steps"][1]


def _wrong_total(d):
    d["minutes"] = d["minutes"] + 5


def _negative_step_minutes(d):
    d["steps"][0]["minutes"] = -5


def _huge_minutes(d):
    d["steps"][1]["minutes"] = 100000
    d["minutes"] = sum(s["minutes"] for s in d["steps"])


def _unknown_code(d):
    d["codes"] = ["G0109", "99213"]


def _unknown_behaviour(d):
    d["behaviours"] = ["Monitoring", "Eating well"]


def _duplicate_topic(d):
    topics = d["steps"][1]["topics"]
    topics[1]["id"] = topics[0]["id"]


def _extra_field(d):
    d["sponsor"] = "someone"


def _extra_step_field(d):
    d["steps"][0]["notes"] = "not a field"


BROKEN = {
    # name: (mutation, field the error must name, words the reason must contain)
    "missing-step": (_drop_step, "steps", "at least 5"),
    "misordered-steps": (_swap_steps, "steps", "in this order"),
    "minutes-dont-add-up": (_wrong_total, "minutes", "add up"),
    "negative-minutes": (_negative_step_minutes, "steps.0.minutes", "greater than or equal to 1"),
    "huge-minutes": (_huge_minutes, "minutes", "less than or equal to 600"),
    "unknown-code": (_unknown_code, "codes.1", "98960"),
    "unknown-behaviour": (_unknown_behaviour, "behaviours.1", "Healthy coping"),
    "duplicate-topic-id": (_duplicate_topic, "steps.1.topics.1.id", "used twice"),
    "extra-field": (_extra_field, "sponsor", "not permitted"),
    "extra-step-field": (_extra_step_field, "steps.0.notes", "not permitted"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_curriculum_is_reported_and_others_still_load(tmp_path: Path, case: str):
    mutate, field, reason = BROKEN[case]
    _with_valid_neighbour(tmp_path)
    _write(tmp_path, f"{case}.yaml", _mutate(mutate))
    catalog = load_catalog(tmp_path)
    assert list(catalog.curricula) == ["hypertension-group"]
    _only_error(tmp_path, f"{case}.yaml")
    matching = [e for e in catalog.errors if e.field == field]
    assert matching, f"no error names field {field!r}: {catalog.errors}"
    assert any(reason in e.reason for e in matching), matching


def test_bad_yaml(tmp_path: Path):
    _with_valid_neighbour(tmp_path)
    (tmp_path / "bad.yaml").write_text("id: x\nsteps: [intro, teach\ntitle: : :\n", encoding="utf-8")
    err = _only_error(tmp_path, "bad.yaml")
    assert err.field.startswith("line ")
    assert "not valid YAML" in err.reason


@pytest.mark.parametrize("content", ["- just\n- a list\n", "just a string\n", "42\n"])
def test_not_a_mapping(tmp_path: Path, content: str):
    _with_valid_neighbour(tmp_path)
    (tmp_path / "list.yaml").write_text(content, encoding="utf-8")
    err = _only_error(tmp_path, "list.yaml")
    assert err.field == "(whole file)"
    assert "mapping" in err.reason


@pytest.mark.parametrize("content", [b"", b"\n\n", b"# only a comment\n"])
def test_empty_file(tmp_path: Path, content: bytes):
    _with_valid_neighbour(tmp_path)
    (tmp_path / "empty.yaml").write_bytes(content)
    err = _only_error(tmp_path, "empty.yaml")
    assert err.field == "(whole file)"
    assert "mapping" in err.reason


def test_non_utf8(tmp_path: Path):
    _with_valid_neighbour(tmp_path)
    text = (CURRICULA_DIR / BASE).read_text(encoding="utf-8").replace("Living well", "Caf\u00e9 well")
    (tmp_path / "latin1.yaml").write_bytes(text.replace("\u2013", "-").encode("latin-1"))
    err = _only_error(tmp_path, "latin1.yaml")
    assert err.field == "(whole file)"
    assert "UTF-8" in err.reason


@pytest.mark.parametrize("size", [MAX_FILE_BYTES + 100_000, 5_000_000])
def test_file_over_size_limit(tmp_path: Path, size: int):
    _with_valid_neighbour(tmp_path)
    head = (CURRICULA_DIR / BASE).read_text(encoding="utf-8") + "\n# padding\n"
    padding = ("#" + "x" * 99 + "\n") * ((size - len(head)) // 101 + 1)
    path = tmp_path / "huge.yaml"
    path.write_text(head + padding, encoding="utf-8")
    assert path.stat().st_size > MAX_FILE_BYTES
    err = _only_error(tmp_path, "huge.yaml")
    assert err.field == "(whole file)"
    assert "limit" in err.reason


def test_file_at_size_limit_still_loads(tmp_path: Path):
    head = (CURRICULA_DIR / BASE).read_text(encoding="utf-8") + "\n"
    path = tmp_path / "diabetes-dsmt-group.yaml"
    path.write_text(head + "#" * (MAX_FILE_BYTES - len(head.encode("utf-8")) - 1) + "\n", encoding="utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    cur, errors = load_file(path)
    assert errors == [] and cur is not None


def test_duplicate_id_across_two_files(tmp_path: Path):
    _with_valid_neighbour(tmp_path)
    data = _shipped()
    _write(tmp_path, "a-first.yaml", data)
    _write(tmp_path, "b-second.yaml", data)
    catalog = load_catalog(tmp_path)
    assert set(catalog.curricula) == {"diabetes-dsmt-group", "hypertension-group"}
    assert catalog.files["diabetes-dsmt-group"] == "a-first.yaml"
    assert len(catalog.errors) == 1
    err = catalog.errors[0]
    assert (err.file, err.field) == ("b-second.yaml", "id")
    assert "a-first.yaml" in err.reason and "ignored" in err.reason


def test_several_broken_files_are_all_reported(tmp_path: Path):
    _with_valid_neighbour(tmp_path)
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    _write(tmp_path, "misordered.yaml", _mutate(_swap_steps))
    _write(tmp_path, "extra.yml", _mutate(_extra_field))
    catalog = load_catalog(tmp_path)
    assert list(catalog.curricula) == ["hypertension-group"]
    assert {e.file for e in catalog.errors} == {"empty.yaml", "misordered.yaml", "extra.yml"}


def test_missing_folder_is_an_error_not_a_crash(tmp_path: Path):
    catalog = load_catalog(tmp_path / "nope")
    assert catalog.curricula == {}
    assert catalog.errors and catalog.errors[0].field == "(folder)"


def test_unquoted_numeric_code_is_rejected(tmp_path: Path):
    """YAML reads 98961 without quotes as a number; the file must say "98961"."""
    data = _shipped("hypertension-group.yaml")
    data["codes"] = [98961]
    cur, errors = load_file(_write(tmp_path, "numeric.yaml", data))
    assert cur is None
    assert errors[0].field == "codes.0"


def test_content_in_the_wrong_step_is_rejected(tmp_path: Path):
    data = _mutate(lambda d: d["steps"][3].update(recap=["misplaced"]))
    cur, errors = load_file(_write(tmp_path, "wrong-step.yaml", data))
    assert cur is None
    assert errors[0].field == "steps.3"
    assert "does not belong" in errors[0].reason
