// kcsubmit serve: the page's behaviour. Names from files and people are only ever set as
// textContent or attribute values; the report fragments come escaped from the server.
"use strict";

const T = JSON.parse(document.body.dataset.texts);
const TOKEN = document.querySelector('meta[name="kcsubmit-token"]').content;
const ROLES = ["video", "document", "image", "none"];
const RESULT = { check: "report", fix: "fixed", pack: "packed" };
let state = null;
let polling = null;
let shownJob = null; // "kind:started" of the last job whose result was loaded

function $(id) { return document.getElementById(id); }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function post(url, data) {
  return fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "X-Kcsubmit-Token": TOKEN, "Content-Type": "application/json" },
    body: JSON.stringify(data || {}),
  });
}

function say(text, bad) {
  const m = $("message");
  m.textContent = text || "";
  m.className = "message" + (bad ? " bad" : "");
}

async function answer(response) {
  if (response.ok) return true;
  let text = response.statusText;
  try { text = (await response.json()).error || text; } catch (e) { /* not JSON */ }
  say(text, true);
  return false;
}

function size(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(1) + " MB";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + " KB";
  return n + " B";
}

// ------------------------------------------------------------------ state
async function refresh() {
  const response = await fetch("/api/state", { credentials: "same-origin" });
  if (!response.ok) return;
  state = await response.json();
  render();
}

function render() {
  const studio = $("studio");
  if (document.activeElement !== studio) studio.value = state.studio;
  $("rules").value = state.rules;
  $("fit").value = state.fit;
  $("trim").checked = state.trim;
  renderProfile();
  renderFiles();
  renderJob();
}

// The chosen profile: which one judges, the fields its name templates need, its checks by hand.
let shownFields = null;
let shownManual = null;

function renderProfile() {
  $("profile-lines").replaceChildren(...state.profile_lines.map((line) => el("p", { class: "profile", text: line })));
  const keys = state.fields.map((f) => f.key).join(",");
  if (keys !== shownFields) {
    shownFields = keys;
    $("field-inputs").replaceChildren(...state.fields.map((f) => {
      const input = el("input", { type: "text", autocomplete: "off", maxlength: "200", "data-field": f.key });
      input.addEventListener("change", async () => {
        if (await answer(await post("/api/settings", { fields: { [f.key]: input.value } }))) clearResults();
        refresh();
      });
      return el("label", { class: "field" }, f.label, input);
    }));
  }
  for (const f of state.fields) {
    const input = $("field-inputs").querySelector(`input[data-field="${f.key}"]`);
    if (input && document.activeElement !== input) input.value = f.value;
  }
  $("fields").hidden = state.fields.length === 0;
  const manual = state.rules + ":" + state.manual.map((m) => m.id).join(",");
  if (manual !== shownManual) {
    shownManual = manual;
    // A checklist, never pass/fail: the ticks are the teacher's own, kept by this browser.
    $("manual").querySelector("ul").replaceChildren(...state.manual.map((m) => {
      const key = "kcsubmit-manual:" + state.rules + ":" + m.id;
      const box = el("input", { type: "checkbox", "data-manual": m.id });
      box.checked = localStorage.getItem(key) === "1";
      box.addEventListener("change", () => localStorage.setItem(key, box.checked ? "1" : "0"));
      return el("li", {}, el("label", {}, box, " ", el("b", { text: m.id }), " ", m.text));
    }));
  }
  $("manual").hidden = state.manual.length === 0;
  $("pack-intro").hidden = state.deliverables.length > 0;
  $("pack-intro-deliverables").hidden = state.deliverables.length === 0;
}

// A role select: theme video / case document / case picture, or the profile's deliverables.
function roleSelect(item) {
  const role = el("select", { class: "role", "aria-label": T.col_role });
  if (state.deliverables.length) {
    for (const d of state.deliverables) {
      role.append(el("option", { value: "d:" + d.id, text: d.title + " (" + d.count + ")" }));
    }
    role.append(el("option", { value: "none", text: T.role_none }));
    role.value = item.deliverable ? "d:" + item.deliverable : "none";
  } else {
    for (const r of ROLES) role.append(el("option", { value: r, text: T["role_" + r] }));
    role.value = item.role;
  }
  return role;
}

function renderFiles() {
  const body = $("files").querySelector("tbody");
  body.replaceChildren();
  $("no-files").hidden = state.items.length > 0;
  $("files").hidden = state.items.length === 0;
  for (const item of state.items) {
    const role = roleSelect(item);
    const theme = el("select", { class: "theme", "aria-label": T.col_theme });
    theme.append(el("option", { value: "", text: "—" }));
    for (const name of state.themes) theme.append(el("option", { value: name, text: name }));
    theme.value = item.theme || "";
    theme.disabled = item.role !== "video";
    const change = () => edit(item.id, role.value.startsWith("d:")
      ? { role: "deliverable", deliverable: role.value.slice(2) }
      : { role: role.value, theme: theme.value || null });
    role.addEventListener("change", change);
    theme.addEventListener("change", change);
    const why = state.unused[item.id];
    const name = el("td", { class: "name" }, el("span", { class: "shown", text: item.name }));
    if (item.stored !== item.name) name.append(el("small", { class: "stored", text: T.stored_as + " " + item.stored }));
    if (why) name.append(el("small", { class: "why", text: T["unused_" + why] }));
    const remove = el("button", { type: "button", class: "remove", title: T.remove, text: "✕",
      onclick: () => edit(item.id, { remove: true }) });
    body.append(el("tr", { "data-id": String(item.id) }, name,
      el("td", { text: (T["kind_" + item.kind] || item.kind) + " · " + size(item.size) }),
      el("td", {}, role), el("td", { class: "theme-cell", hidden: "" }, theme), el("td", {}, remove)));
    body.lastChild.querySelector(".theme-cell").hidden = state.deliverables.length > 0;
  }
  $("col-theme").hidden = state.deliverables.length > 0;
}

async function edit(id, data) {
  if (await answer(await post("/api/files/" + id, data))) clearResults();
  refresh();
}

function clearResults() {
  for (const id of ["report", "fixed", "packed"]) $(id).replaceChildren();
}

// ------------------------------------------------------------------ jobs
function renderJob() {
  const job = state.job;
  const running = job && job.status === "running";
  for (const button of document.querySelectorAll("button[data-job]")) button.disabled = running;
  for (const kind of Object.keys(RESULT)) {
    const box = $("job-" + kind);
    if (!job || job.kind !== kind) { box.replaceChildren(); continue; }
    const rows = [];
    const title = T["job_" + job.status].replace("{seconds}", job.seconds);
    rows.push(el("p", { class: "status " + job.status, text: title }));
    if (job.error) rows.push(el("p", { class: "job-error", text: job.error }));
    if (kind === "fix") {
      job.steps.forEach((step, i) => {
        const bar = el("progress", { max: "1", value: String(step.done) });
        const pct = Math.round(step.done * 100) + "%";
        rows.push(el("div", { class: "bar" + (i === job.current && running ? " now" : "") },
          el("span", { class: "name", text: step.name || "…" }), bar, el("span", { class: "pct", text: pct })));
      });
    } else if (running) {
      rows.push(el("progress", { class: "busy" }));
    }
    box.replaceChildren(...rows);
  }
  if (running && !polling) polling = setInterval(refresh, 600);
  if (!running && polling) { clearInterval(polling); polling = null; }
  const key = job ? job.kind + ":" + job.status + ":" + job.seconds : null;
  if (job && job.status !== "running" && key !== shownJob) {
    shownJob = key;
    loadResults();
  }
}

async function loadResults() {
  const has = state.has;
  await Promise.all([
    has.report ? fragment("report") : $("report").replaceChildren(),
    has.fixed ? fragment("fixed") : $("fixed").replaceChildren(),
    has.packed || has.refused ? fragment("packed") : $("packed").replaceChildren(),
  ]);
}

async function fragment(which) {
  const response = await fetch("/fragment/" + which, { credentials: "same-origin" });
  if (response.ok) $(which).innerHTML = await response.text(); // built and escaped by the server
}

async function start(kind) {
  say("");
  if (await answer(await post("/api/jobs/" + kind))) {
    $(RESULT[kind]).replaceChildren();
  }
  refresh();
}

// ------------------------------------------------------------------ uploads
const queue = [];
let uploading = false;

function enqueue(files) {
  for (const file of files) queue.push(file);
  if (!uploading) next();
}

async function next() {
  const file = queue.shift();
  if (!file) { uploading = false; refresh(); return; }
  uploading = true;
  await upload(file);
  next();
}

function upload(file) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const bar = el("progress", { max: "1", value: "0" });
    const pct = el("span", { class: "pct", text: "0%" });
    const cancel = el("button", { type: "button", class: "cancel", text: T.cancel, onclick: () => xhr.abort() });
    const row = el("li", { class: "uploading" }, el("span", { class: "name", text: file.name }), bar, pct, cancel);
    $("uploads").append(row);
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      bar.value = e.loaded / e.total;
      pct.textContent = Math.round(100 * e.loaded / e.total) + "%";
    });
    const done = (text, bad) => { row.remove(); if (text) say(text, bad); resolve(); refresh(); };
    xhr.addEventListener("load", () => {
      if (xhr.status === 200) { clearResults(); done(""); return; }
      let text = xhr.statusText;
      try { text = JSON.parse(xhr.responseText).error || text; } catch (e) { /* not JSON */ }
      done(file.name + ": " + text, true);
    });
    xhr.addEventListener("error", () => done(file.name + ": " + T.upload_failed, true));
    xhr.addEventListener("abort", () => done(file.name + ": " + T.upload_cancelled, false));
    xhr.open("POST", "/api/upload?name=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("X-Kcsubmit-Token", TOKEN);
    xhr.send(file);
  });
}

// A dropped folder: every file in it, at any depth (only names travel, never paths).
async function dropped(items) {
  const files = [];
  const walk = async (entry) => {
    if (entry.isFile) {
      files.push(await new Promise((ok, fail) => entry.file(ok, fail)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (!batch.length) break;
        for (const child of batch) await walk(child);
      }
    }
  };
  const entries = [...items].map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null)).filter(Boolean);
  for (const entry of entries) await walk(entry);
  return files;
}

// ------------------------------------------------------------------ wiring
function wire() {
  $("studio").addEventListener("change", async (e) => {
    if (await answer(await post("/api/settings", { studio: e.target.value }))) clearResults();
    refresh();
  });
  for (const id of ["rules", "fit"]) {
    $(id).addEventListener("change", async (e) => {
      if (await answer(await post("/api/settings", { [id]: e.target.value }))) clearResults();
      refresh();
    });
  }
  $("trim").addEventListener("change", async (e) => {
    if (await answer(await post("/api/settings", { trim: e.target.checked }))) clearResults();
    refresh();
  });
  for (const button of document.querySelectorAll("button[data-lang]")) {
    button.addEventListener("click", async () => {
      await post("/api/lang", { lang: button.dataset.lang });
      location.reload();
    });
  }
  for (const button of document.querySelectorAll("button[data-job]")) {
    button.addEventListener("click", () => start(button.dataset.job));
  }
  for (const id of ["pick", "pick-folder"]) {
    $(id).addEventListener("change", (e) => { enqueue([...e.target.files]); e.target.value = ""; });
  }
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const files = e.dataTransfer.items ? await dropped(e.dataTransfer.items) : [...e.dataTransfer.files];
    enqueue(files.length ? files : [...e.dataTransfer.files]);
  });
  refresh();
}

wire();
