// /live's screen drawn by one component (ui/live_screen.py): the header (steps, clock, Pause / Resume), what the
// step delivers with its ticks, and the people's cards with their notes. The server sends data; every text put on
// the page goes through esc() first. Each click or saved field is sent as one event; the server writes it, reads
// the session again and sends the new data, and this draws it. What the educator is typing is never replaced by a
// redraw (a field whose text differs from the text it was drawn with keeps it, and the version it was typed
// against, until it is saved, a conflict is resolved, or the server says to show what is stored), and the focus
// stays on the control that had it.
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                                                                '"': "&quot;", "'": "&#39;"}[c]));
// A widget key as Streamlit writes it in a class name (st-key-...), so that the page's tests and the drafts
// keeper (ui/drafts.py, which mirrors every note field it finds by that class) find these fields as the others.
const keyClass = (k) => "st-key-" + String(k).replace(/[^A-Za-z0-9_-]/g, "-");
const attr = (on, name) => (on ? ` ${name}` : "");

/*COUNT_JS*/

// The header as sections, each one element: the title row, the steps, the clock with its controls, the warnings.
function header(d) {
  const live = d.status === "live";
  const top = `<div class="gsf-top"><div class="gsf-titles"><h1>${esc(d.title)}</h1>
    <p class="gsf-caption">${esc(d.caption)}</p></div>
    <a class="gsf-link" href="${esc(d.projector_url)}" target="_blank" rel="noopener"
      title="Opens the audience view in a new window for the projector.">Projector ↗</a>
    <button data-act="curtain" data-focus="curtain" title="${esc(d.curtain_help)} Shortcut: H" aria-keyshortcuts="H"
      aria-pressed="${d.curtain}">${d.curtain ? "Lift curtain" : "Curtain on"}</button></div>`;
  let steps = `<div class="gsf-steps st-key-live_steps">`;
  if (live) {
    steps += `<button data-act="step" data-id="${esc(d.prev || "")}" data-focus="prev"
      title="Previous step. Shortcut: B" aria-keyshortcuts="B" ${attr(!d.prev, "disabled")}>◀ Previous</button>`;
  }
  for (const s of d.steps) {
    steps += `<span class="${keyClass("step_" + s.id)}"><button data-act="step" data-id="${esc(s.id)}"
      data-focus="step-${esc(s.id)}" class="${s.current ? "gsf-current" : ""}"
      data-testid="stBaseButton-${s.current ? "primary" : "secondary"}"
      ${attr(s.current, 'aria-current="step"')} title="${esc(s.help)}" ${attr(!live, "disabled")}>
      ${esc(s.label)}<span class="gsf-sr"> ${esc(s.title)}</span></button></span>`;
  }
  if (live) {
    steps += `<button data-act="step" data-id="${esc(d.next || "")}" data-focus="next"
      title="Next step. Shortcut: N" aria-keyshortcuts="N" ${attr(!d.next, "disabled")}>Next ▶</button>`;
  }
  steps += `</div>`;
  let clock = `<div class="gsf-clockrow"><div class="gsf-clockcell">`;
  clock += d.clock ? d.clock : `<p><strong>Not started</strong> · ${esc(d.not_started)}</p>`;
  clock += `</div><div class="gsf-controls">`;
  if (d.status === "planned") {
    clock += `<button class="gsf-primary" data-act="start" data-focus="start"
      title="Starts the clock on step 1. Shortcut: S" aria-keyshortcuts="S">▶ Start session</button>`;
  } else if (live) {
    clock += `<span class="${keyClass("pause_" + d.sid)}"><button data-act="pause" data-focus="pause"
      data-paused="${d.paused}" title="Pause or resume the clock. Shortcut: P"
      aria-keyshortcuts="P">${d.paused ? "▶ Resume" : "❚❚ Pause"}</button></span>
      <button data-act="end" data-focus="end" title="End the session (asks first)">End session…</button>`;
  } else {
    clock += `<p class="gsf-info">${esc(d.ended_text)}</p><a href="${esc(d.record_url)}" target="_self">Open the
      session record</a>`;
  }
  clock += `</div></div>`;
  const warnings = `<div>${d.warnings.map((w) => `<p class="gsf-warning" role="status">${esc(w)}</p>`).join("")}</div>`;
  return [["top", top], ["steps", steps], ["clock", clock], ["warnings", warnings]];
}

// What the step delivers as sections, each one element: the title with the step's texts, the progress, each tick.
function deliverables(d) {
  const title = `<div><h2 class="gsf-step-title">${esc(d.step_title)}</h2>${d.texts.map((block) =>
    `<p class="gsf-label">${esc(block.label)}</p><pre>${esc(block.lines.join("\n"))}</pre>`).join("")}</div>`;
  const out = [["title", title], ["progress", `<div data-testid="stProgress" class="gsf-progress" role="progressbar"
    aria-label="Curriculum delivered" aria-valuetext="${d.done} of ${d.total} items"
    aria-valuemin="0" aria-valuemax="${d.total}" aria-valuenow="${d.done}"><span style="width: ${d.total ?
    (100 * d.done) / d.total : 0}%"></span><p>Curriculum delivered: ${d.done} of ${d.total} items</p></div>`]];
  let heading = false;
  for (const t of d.ticks) {
    if (t.kind === "check" && !heading) {
      out.push(["checklist", `<p class="gsf-label">Facilitator checklist</p>`]);
      heading = true;
    }
    const box = `<label title="${esc(t.help)}"><input type="checkbox" data-act="tick" data-id="${esc(t.key)}"
      data-v="${t.v}" data-focus="tick-${esc(t.key)}" ${attr(t.on, "checked")} ${attr(d.ro, "disabled")}><span
      >${esc(t.label)}</span></label>`;
    out.push([`tick-${t.key}`, t.kind === "check" ? `<div class="${keyClass(t.widget)}">${box}</div>`
      : `<div class="gsf-box ${keyClass(t.widget)}">${box}<pre>${esc(t.body)}</pre></div>`]);
  }
  return out;
}

// A conflict on a note (another screen wrote first): both values, and a button to keep each (ui/conflicts.py).
function conflict(c) {
  if (!c) return "";
  return `<div class="gsf-offer ${keyClass("conflict_" + c.key)}" role="alert"><p class="gsf-warning">${esc(c.label)}
    was changed on another screen after this screen showed it. Nothing was overwritten: choose which to keep.</p>
    <div class="gsf-both"><div><p class="gsf-caption">Saved from the other screen</p><pre>${esc(c.theirs || "(empty)")}</pre>
    <button data-act="keep" data-id="${esc(c.key)}" data-mine="false" data-focus="theirs-${esc(c.key)}">Keep theirs
    </button></div><div><p class="gsf-caption">Yours, not saved</p><pre>${esc(c.mine || "(empty)")}</pre>
    <button class="gsf-primary" data-act="keep" data-id="${esc(c.key)}" data-mine="true"
    data-focus="mine-${esc(c.key)}">Keep mine</button></div></div></div>`;
}

// A note typed in this browser that never reached the record (ui/drafts.py): its text, restore it or discard it.
function offer(o, help) {
  if (!o) return "";
  return `<div class="gsf-offer ${keyClass("draft_" + o.key)}" role="status"><p class="gsf-warning">${esc(o.said)}</p>
    <pre>${esc(o.text)}</pre><div class="gsf-row"><button class="gsf-primary" data-act="restore" data-id="${esc(o.key)}"
    data-focus="restore-${esc(o.key)}" title="${esc(help || "")}">Restore and save</button>
    <button data-act="discard" data-id="${esc(o.key)}" data-focus="discard-${esc(o.key)}">Discard it</button></div></div>`;
}

function note(d, n) {
  if (!n) return "";
  let h = `<div class="${keyClass(n.key)}"><textarea data-field="${esc(n.key)}" data-pid="${n.pid ?? ""}"
    data-v="${n.v ?? ""}" data-gen="${n.gen}" data-focus="${esc(n.key)}" aria-label="${esc(n.label)}"
    placeholder="${esc(n.placeholder)}" rows="2" ${attr(d.ro, "disabled")}>${esc(n.text)}</textarea></div>
    <div class="gsf-tags" role="group" aria-label="Tags">`;
  for (const t of d.tags) {
    const on = n.tags.includes(t.tag);
    h += `<button class="gsf-tag" data-act="tag" data-field="${esc(n.key)}" data-tag="${esc(t.tag)}"
      data-focus="${esc(n.key)}-${esc(t.tag)}" aria-pressed="${on}" title="${esc(t.tag)}"
      ${attr(d.ro, "disabled")}>${esc(t.short)}</button>`;
  }
  h += `</div>`;
  if (n.earlier) h += `<p class="gsf-caption">Earlier: ${esc(n.earlier)}</p>`;
  return h + conflict(n.conflict) + offer(n.draft);
}

function person(d, p) {
  let h = `<div class="gsf-card ${keyClass(`person_${d.sid}_${p.id}`)}"><strong>${esc(p.line)}</strong>
    <div class="gsf-row">`;
  if (d.status === "live") {
    h += `<span class="${keyClass(`presence_${d.sid}_${p.id}`)}"><button data-act="presence" data-id="${p.id}"
      data-in="${p.in_room}" data-focus="presence-${p.id}" title="${esc(p.presence_help)}">
      ${p.in_room ? "Left now" : "Arrived now"}</button></span>`;
    if (p.never_came) {
      h += `<button class="gsf-quiet" data-act="never" data-id="${p.id}" data-focus="never-${p.id}"
        title="Mark absent: withdraws the presence recorded so far (kept in history)">Never came</button>`;
    }
  } else if (d.status === "planned") {
    h += `<span class="${keyClass(`present_${d.sid}_${p.id}`)}"><label><input type="checkbox" data-act="present"
      data-id="${p.id}" data-focus="present-${p.id}" ${attr(p.present, "checked")}> Present</label></span>`;
  }
  h += `<span class="${keyClass(`carer_${d.sid}_${p.id}`)}"><label
    title="A caregiver or family member came with them (never counted in the group size)"><input type="checkbox"
    data-act="carer" data-id="${p.id}" data-v="${p.carer_v}" data-focus="carer-${p.id}"
    ${attr(p.carer, "checked")} ${attr(d.ro, "disabled")}> Caregiver</label></span></div>`;
  if (p.carer && !d.ro) {
    h += `<div class="gsf-row">
      <label>Caregiver's name <input type="text" data-carer="name" data-id="${p.id}" data-v="${p.carer_v}"
        data-focus="carer-name-${p.id}" maxlength="${d.max_name}" value="${esc(p.carer_name)}"></label>
      <label>Relationship <input type="text" data-carer="rel" data-id="${p.id}" data-v="${p.carer_v}"
        data-focus="carer-rel-${p.id}" maxlength="${d.max_rel}" placeholder="e.g. daughter"
        value="${esc(p.carer_rel)}"></label></div>`;
  }
  return h + note(d, p.note) + `</div>`;
}

// The people's column as sections, each one element: the heading with the head-count, each card, the group's note.
function people(d) {
  const out = [["people-head", `<div><h2>Participants</h2><p class="gsf-room ${d.room.ok ? "" : "gsf-warning"}">
    ${esc(d.room.text)}</p></div>`]];
  if (d.curtain) {
    return [...out, ["curtain", `<p class="gsf-caption">Participants are hidden while the privacy curtain is on.</p>`]];
  }
  if (d.elsewhere.length) {
    out.push(["elsewhere", `<div>${d.elsewhere.map((x) => conflict(x.conflict) + offer(x.draft,
      "Saved as the note there")).join("")}</div>`]);
  }
  for (const p of d.people) out.push([`card-${p.id}`, person(d, p)]);
  if (d.group) out.push(["group", `<div class="gsf-card ${keyClass(`group_${d.sid}`)}"><strong>Whole group</strong>
    ${note(d, d.group)}</div>`]);
  return out;
}

// Put `sections` ([key, markup of one element]) into `box`, replacing only those whose markup changed since they
// were drawn: a click redraws its card and the figures it moves, not the whole screen (the browser's work on each
// answer is most of what the educator waits for). Another set of sections is drawn afresh.
function put(box, sections) {
  const now = [...box.children];
  const same = now.length === sections.length && now.every((el, i) => el.dataset.section === sections[i][0]);
  const make = ([key, markup]) => {
    const t = document.createElement("template");
    t.innerHTML = markup.trim();
    const el = t.content.firstElementChild;
    el.dataset.section = key;
    el.gsfMarkup = markup;
    return el;
  };
  if (!same) { box.replaceChildren(...sections.map(make)); return; }
  sections.forEach((sec, i) => { if (now[i].gsfMarkup !== sec[1]) now[i].replaceWith(make(sec)); });
}

// Draw `data` into the screen, keeping what is being typed and the focus.
function draw(root, data, focusTo) {
  // what is being typed, with the version it was typed against, and where the focus is
  const typed = {};
  for (const f of root.querySelectorAll("[data-field]:is(textarea)")) {
    if (f.value !== f.defaultValue) typed[f.dataset.field] = { value: f.value, v: f.dataset.v, gen: f.dataset.gen };
  }
  const carers = {};
  for (const f of root.querySelectorAll("input[data-carer]")) {
    if (f.value !== f.defaultValue) carers[`${f.dataset.carer}-${f.dataset.id}`] = f.value;
  }
  const at = root.contains(document.activeElement) ? document.activeElement : null;
  const focus = at && at.dataset.focus;
  const sel = at && "selectionStart" in at ? [at.selectionStart, at.selectionEnd] : null;

  root.redrawing = true;  // the focused field taken off the page by the redraw is not "left": nothing is saved
  if (!root.querySelector(".gsf-head")) {
    root.innerHTML = `<div class="gsf-top-box"><div class="gsf-head st-key-live_header"></div></div>
      <div class="gsf-cols"><div class="gsf-content"></div><div class="gsf-people"></div></div>`;
  }
  put(root.querySelector(".gsf-head"), header(data));
  put(root.querySelector(".gsf-content"), deliverables(data));
  put(root.querySelector(".gsf-people"), people(data));
  if (root.place) root.place();  // a header drawn afresh while pinned is pinned in the same place

  for (const f of root.querySelectorAll("textarea[data-field]")) {
    const t = typed[f.dataset.field];  // still unsaved (what is stored now is not what was typed), and the server did
    // not say to show what is stored (a new generation: a draft restored, "Keep theirs")
    if (t && (t.gen === f.dataset.gen || t.gen === "") && t.value !== f.defaultValue && !f.disabled) {
      f.value = t.value;
      f.dataset.v = t.v;
    }
  }
  for (const f of root.querySelectorAll("input[data-carer]")) {
    const t = carers[`${f.dataset.carer}-${f.dataset.id}`];
    if (t !== undefined && t !== f.defaultValue) f.value = t;
  }
  if (focus) {
    const again = root.querySelector(`[data-focus="${CSS.escape(focus)}"]`);
    if (again && !again.disabled) {
      again.focus({ preventScroll: true });
      if (sel && "selectionStart" in again) { try { again.setSelectionRange(...sel); } catch (e) { /* */ } }
    }
  }
  root.redrawing = false;
  const dropped = !document.activeElement || document.activeElement === document.body;
  if (focusTo && dropped) root.querySelector(`[data-focus="${CSS.escape(focusTo)}"]`)?.focus();
  for (const c of root.querySelectorAll(".gsf-clock")) gsfCount(c);
}

// The clicks the fast path writes (ui/live_route.py): the answer comes without a Streamlit run.
const FAST = new Set(["step", "pause", "tick", "presence", "carer", "note"]);

function notesOf(d) { return [...(d.people || []).map((p) => p.note), d.group].filter(Boolean); }

// The screen's data to draw: the session as last read (`view`, from the page's run or a fast answer, whichever
// read began later) with what the page's last run adds of this browser's own (`own`): each note field's generation,
// a conflict met saving it, a draft offered back, and the drafts offered for fields not on the screen. A field the
// page's last run did not draw (another step, reached by the fast path) has no known generation yet: text typed
// into it is kept when the page's run draws it with its own (draw()).
function compose(view, own) {
  const d = structuredClone(view);
  const mine = {};
  for (const n of notesOf(own)) mine[n.key] = n;
  for (const n of notesOf(d)) {
    const o = mine[n.key];
    if (o) { n.gen = o.gen; n.conflict = o.conflict; n.draft = o.draft; } else n.gen = "";
  }
  d.elsewhere = own.elsewhere || [];
  return d;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".gsf-live");
  const first = !root;
  if (first) {
    parentElement.querySelector(".gsf-load-error")?.remove();  // an earlier run could not load this script
    // One screen per page: one left by an element this one replaced (the browser can keep the container of a
    // component that moved for another component drawn in its place) is stale; it goes with its clock.
    for (const old of document.querySelectorAll(".gsf-live")) old.remove();
    root = document.createElement("div");
    root.className = "gsf-live";
    parentElement.appendChild(root);
  }
  // Every event is kept until it has been handled, and sent in the order it was made. A plain click goes first to
  // the fast path (ui/live_route.py), one at a time: its answer is the screen's new data. Anything else, or a click
  // the fast path leaves to the page (a conflict, a refusal, no connection), goes on the component's trigger with
  // every event not yet handled, and so does each event after it until the page's run says it has handled them
  // (data.ack): two events close together can reach the server as one trigger, and neither is lost. Numbered per
  // page load; the server handles each number once, by whichever path (live_screen.page_events).
  if (first) { root.page = Math.random().toString(36).slice(2); root.seq = 0; root.queue = []; root.own = {}; }
  root.setTriggerValue = setTriggerValue;
  root.actUrl = data.act_url;
  if (data.ack && data.ack.page === root.page) root.queue = root.queue.filter((e) => e.seq > data.ack.seq);
  // A write of this screen's moves its cell's version (a note; a tick; a person's entry, by their presence or their
  // caregiver): an event of that cell made against a version this screen's own write replaced (a tag pressed while
  // the field was being left, a second click before the first one's answer) is sent against the version its write
  // made. Only this screen's own versions are followed: another screen's write in between is still a conflict.
  const cell = (e) => (e.act === "note" ? e.key : e.act === "tick" ? `tick:${e.id}` : e.act === "carer" ?
    `att:${e.id}` : null);
  const own = (e) => {
    const made = root.own[cell(e)];
    if (!made) return e;
    let v = String(e.v ?? "");
    for (let n = 0; v in made && n < 100; n++) v = made[v];
    return { ...e, v };
  };
  const toPage = () => {
    for (const e of root.queue) e.via = "page";
    root.setTriggerValue("act", { page: root.page, events: root.queue.map(own) });
  };
  const pump = () => {
    if (root.inflight || !root.queue.length) return;
    const head = root.queue[0];
    if (root.queue.some((e) => e.via === "page") || !FAST.has(head.act) || !root.actUrl) { toPage(); return; }
    root.inflight = true;
    fetch(new URL(root.actUrl, window.location.href), {
      method: "POST", credentials: "same-origin", body: JSON.stringify({ ...own(head), page: root.page }),
      headers: { "Content-Type": "application/json", "X-GSF-Live": "1" },
    }).then((r) => (r.ok ? r.json() : null)).catch(() => null).then((a) => {
      root.inflight = false;
      if (!a || !a.done) { toPage(); return; }
      root.queue = root.queue.filter((e) => e.seq !== head.seq);
      if (a.saved) {
        root.own[a.saved.key] = { ...root.own[a.saved.key], [String(a.saved.from ?? "")]: String(a.saved.to) };
      }
      if (a.data && a.data.snap >= root.view.snap) { root.view = a.data; root.draw(); }
      if (a.parts) root.setTriggerValue("refresh", `fast-${head.seq}`);  // the parts under it, drawn by the page
      pump();
    });
  };
  root.send = (v) => {
    root.queue.push({ ...v, seq: ++root.seq });
    pump();
  };

  // The session as read: the newer of this run's and the last fast answer's.
  if (!root.view || data.snap >= root.view.snap) root.view = data;
  root.last = data;
  root.draw = () => draw(root, compose(root.view, root.last));
  draw(root, compose(root.view, root.last), data.focus);
  // an answer that changes the parts under the component too (a step with ratings, goals or the open queue):
  // drawn, now they are asked for (first = the page's own run, which draws them already)
  if (first) root.refreshed = data.refresh;
  else if (data.refresh !== root.refreshed) {
    root.refreshed = data.refresh;
    setTriggerValue("refresh", data.refresh);
  }

  if (!first) return;
  // The header stays in view below the parts under the component too (the ratings, the queue, late arrivals): it
  // is sticky within the component, and pinned to the window once the component's end has scrolled above it. Its
  // box keeps its height in the page meanwhile, so nothing moves when it is pinned or let go.
  const box = root.querySelector(".gsf-top-box");
  const place = () => {
    const top = 40;  // under Streamlit's header, 2.5rem (pages/live.py)
    const r = root.getBoundingClientRect();
    const head = box.firstElementChild;
    if (!box.classList.contains("gsf-pinned")) box.dataset.height = String(head ? head.offsetHeight : 0);
    const pinned = r.bottom < top + Number(box.dataset.height);
    box.style.minHeight = pinned ? `${box.dataset.height}px` : "";
    box.classList.toggle("gsf-pinned", pinned);
    if (head) {
      head.style.left = pinned ? `${r.left}px` : "";
      head.style.width = pinned ? `${r.width}px` : "";
    }
  };
  root.place = place;
  let queued = false;
  const soon = () => { if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; place(); }); } };
  (document.querySelector('[data-testid="stMain"]') || window).addEventListener("scroll", soon, { passive: true });
  window.addEventListener("resize", soon);
  // The default screen's keyboard shortcuts: S starts, B and N step back and on, P pauses or resumes, H draws or
  // lifts the privacy curtain. Not while typing in a field, nor with a modifier (Shift+B / Shift+N are the
  // projector's pages, Streamlit's buttons under the screen). One listener for the window: the newest screen's.
  window.__gsfLiveKeysRoot = root;
  if (!window.__gsfLiveKeys) {
    window.__gsfLiveKeys = true;
    const keys = { s: "start", b: "prev", n: "next", p: "pause", h: "curtain" };
    window.addEventListener("keydown", (ev) => {
      const target = keys[ev.key];
      if (!target || ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.repeat) return;
      const at = document.activeElement;
      const typing = "input, textarea, select, [role=combobox], [role=textbox]";
      if (at && (at.isContentEditable || at.closest(typing))) return;
      const r = window.__gsfLiveKeysRoot;
      const button = r && r.isConnected && r.querySelector(`button[data-focus="${target}"]`);
      if (!button || button.disabled) return;
      ev.preventDefault();
      button.click();
    });
  }
  const noteOf = (key) => {
    const f = root.querySelector(`textarea[data-field="${CSS.escape(key)}"]`);
    const tags = [...root.querySelectorAll(`button[data-act="tag"][data-field="${CSS.escape(key)}"]`)]
      .filter((b) => b.getAttribute("aria-pressed") === "true").map((b) => b.dataset.tag);
    return { act: "note", key, text: f.value, tags, v: f.dataset.v };
  };
  root.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-act]");
    if (!b || b.disabled) return;
    const act = b.dataset.act;
    if (act === "tag") {
      b.setAttribute("aria-pressed", String(b.getAttribute("aria-pressed") !== "true"));
      root.send(noteOf(b.dataset.field));
    } else if (act === "presence") {
      root.send({ act, id: b.dataset.id, in_room: b.dataset.in === "true" });
    } else if (act === "keep") {
      root.send({ act, id: b.dataset.id, mine: b.dataset.mine === "true" });
    } else if (act === "pause") {
      root.send({ act, paused: b.dataset.paused === "true" });
    } else {
      root.send({ act, id: b.dataset.id || null });
    }
  });
  root.addEventListener("change", (ev) => {
    const i = ev.target;
    if (i.type === "checkbox" && i.dataset.act) {
      root.send({ act: i.dataset.act, id: i.dataset.id, v: i.dataset.v, on: i.checked });
    } else if (i.dataset.carer) {
      const card = i.closest(".gsf-card");
      const name = card.querySelector('input[data-carer="name"]').value;
      const rel = card.querySelector('input[data-carer="rel"]').value;
      root.send({ act: "carer", id: i.dataset.id, v: i.dataset.v, on: true, name, rel });
    }
  });
  root.addEventListener("pointerdown", (ev) => {
    root.tagDown = ev.target.closest('button[data-act="tag"]')?.dataset.field;
  });
  root.addEventListener("pointerup", () => setTimeout(() => { root.tagDown = undefined; }, 0));
  // A note is saved when its field (or one of its tags) is left, as /live's other text areas, when it holds something
  // new; not when a tag of it is being pressed with the pointer: that click saves text and tags together.
  root.addEventListener("focusout", (ev) => {
    const key = ev.target.dataset && ev.target.dataset.field;
    if (!key || root.tagDown === key || root.redrawing) return;
    const f = root.querySelector(`textarea[data-field="${CSS.escape(key)}"]`);
    if (f && f.value !== f.defaultValue) root.send(noteOf(key));
  });
}
