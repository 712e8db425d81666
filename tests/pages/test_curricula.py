import shutil

from models.curriculum import CURRICULA_DIR
from tests.pages.helpers import app


def test_lists_every_curriculum_with_steps(any_db_url):
    at = app("pages/curricula.py").run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert any("diabetes" in lab for lab in labels)
    assert any("blood pressure" in lab for lab in labels)
    assert any("asthma" in lab for lab in labels)
    texts = " ".join(t.value for t in at.text)
    assert "Topic:" in texts and "Hand-out:" in texts and "Activity:" in texts


def test_broken_files_listed_and_valid_ones_usable(any_db_url, tmp_path, monkeypatch):
    folder = tmp_path / "cur"
    folder.mkdir()
    shutil.copy(CURRICULA_DIR / "asthma-group.yaml", folder)
    (folder / "broken.yaml").write_text("id: broken\nsteps: [\n", encoding="utf-8")
    monkeypatch.setenv("CURRICULA_DIR", str(folder))
    at = app("pages/curricula.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["file"]) == ["broken.yaml"]
    assert "YAML" in table["reason"][0]
    assert len(at.expander) == 1
    plan = app("pages/plan.py").run()
    options = plan.selectbox(key="plan_curriculum").options
    assert len(options) == 1 and "asthma" in options[0]
