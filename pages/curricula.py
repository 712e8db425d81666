"""Every standardized curriculum with its steps, minutes and checklists, the course files (module curricula in
order), and the files that failed."""

import streamlit as st

from models.rules import CODES
from ui.pages import page
from ui.setup import catalog, page_setup
from ui.text import md_escape, plain

page_setup("curricula")
st.title(page("curricula").title)
cat = catalog()
st.caption(
    "One YAML file per curriculum in the curricula folder, checked against curricula/schema.json. "
    "A file that fails is listed below and never stops the app."
)

if cat.errors:
    st.subheader("Files that failed validation")
    st.dataframe(
        [{"file": plain(e.file), "field": plain(e.field), "reason": plain(e.reason)} for e in cat.errors],
        hide_index=True,
        width="stretch",
    )

if not cat.curricula:
    st.warning("No valid curriculum was found.")

if cat.courses or cat.course_errors:
    st.subheader("Courses")
    st.caption("A course file in the courses/ folder lists its module curricula in order, one session each, weekly "
               "unless other dates are chosen; plan one on the Courses page.")
    if cat.course_errors:
        st.dataframe([{"file": plain(e.file), "field": plain(e.field), "reason": plain(e.reason)}
                      for e in cat.course_errors], hide_index=True, width="stretch")
    st.dataframe([{
        "course": plain(t.name),
        "modules": " → ".join(plain(cat.curricula[m].title) for m in t.modules),
        "code": t.code or "",
        "when": " ".join(x for x in ((t.weekday or "").capitalize(), t.time or "") if x),
        "file": cat.course_files.get(t.id, "?"),
    } for t in sorted(cat.courses.values(), key=lambda t: t.name)], hide_index=True, width="stretch")
    st.subheader("Curricula")

for cur in sorted(cat.curricula.values(), key=lambda c: c.title):
    with st.expander(f"{md_escape(cur.title)} — version {md_escape(cur.version)} · {cur.minutes} min"):
        st.text(f"Condition: {plain(cur.condition)}")
        st.text("Codes: " + ", ".join(f"{c} ({CODES[c].label})" for c in cur.codes))
        st.text("ADCES7 behaviours: " + ", ".join(cur.behaviours))
        st.text(f"File: {cat.files.get(cur.id, '?')}")
        if cur.description:
            st.text(plain(cur.description))
        for step in cur.steps:
            st.markdown(f"#### {md_escape(step.display_title)} · {step.minutes} min")
            lines = [f"☐ {line}" for line in step.checklist]
            lines += [f"Assessment ({item.scale}): {item.prompt}" for item in step.assessment]
            for topic in step.topics:
                lines += [f"Topic: {topic.title}", *(f"   • {kp}" for kp in topic.key_points)]
            for act in step.activities:
                lines.append(f"Activity: {act.title}" + (f" ({act.minutes} min)" if act.minutes else ""))
                if act.materials:
                    lines.append("   Materials: " + "; ".join(act.materials))
                lines += [f"   → {ins}" for ins in act.instructions]
            for prefix, texts in (("Prompt", step.prompts), ("Recap", step.recap), ("Hand-out", step.handouts)):
                lines += [f"{prefix}: {t}" for t in texts]
            st.text(plain("\n".join(lines)))
