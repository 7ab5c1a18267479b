"""The HTML report: one self-contained page for teachers who would rather look than read.

Everything is inside the file: the CSS inline, every picture a ``data:`` URI,
no script, no external URL; it opens from the file system on any laptop,
without a network.  The page is in the chosen language (``<html lang>``):

- a header (what was checked, the rules profile, when);
- the summary: a green or red verdict, the counts (files, errors, warnings,
  notes, fixable) and the next command;
- a file overview (one chip per file, linking to its card);
- one card per file: path, kind, theme, the facts line, a strip of
  thumbnails (``Report.previews``, made by :func:`kcsubmit.thumbnails.attach`), then its findings (severity
  badge, rule ID, message, next step, and the rule's what/why/how-to-fix in
  a ``<details>``).  Files inside a document or an archive are cards nested
  in their outer file's card;
- the submission's own findings, and the files skipped.

The page reads only the report: a report without previews gets empty strips.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from html import escape
from typing import TextIO

from ..i18n import finding_message, finding_next, rule_text, ui
from ..models import FileResult, Finding, Report, Severity, Thumb
from ..names import readable
from ..version import __version__
from . import Options, facts_line, profile_lines, write_utf8

STRIP_CLASS = "strip"  # one element of this class per file (the tests count them)

HTML_LANG = {"zh": "zh-CN", "en": "en"}
STATUS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}
MARK = {"error": "✗", "warning": "!", "info": "i", "ok": "✓"}


def render(report: Report, out: TextIO, options: Options) -> None:
    """Write ``report`` as one self-contained HTML page to ``out``."""
    page = Page(readable(report), options.lang, readable(options.target))
    write_utf8(out, page.render())  # the page declares UTF-8, whatever the console's code page


class Page:
    """The page of one report, built as strings (every text through ``html.escape``)."""

    def __init__(self, report: Report, lang: str, target: str) -> None:
        self.report, self.lang, self.target = report, lang, target
        self.base = _common_folder([r.path for r in report.files])

    def label(self, key: str, **values: object) -> str:
        return ui(f"html_{key}", self.lang, **values)

    def render(self) -> str:
        body = [self.header(), self.summary(), self.overview(), '<main>']
        children = _children(self.report.files)
        body += [self.card(i, children) for i in children[None]]
        if self.report.submission:
            body.append(self.submission_card())
        if self.report.skipped:
            names = [s.path for s in self.report.skipped]
            body.append(f'<p class="skipped">{escape(ui("skipped", self.lang, count=len(names), names=names))}</p>')
        body.append(self.manual())
        body.append('</main>')
        body.append(f'<footer>{escape(self.label("footer", version=__version__))}</footer>')
        return TEMPLATE.format(lang=HTML_LANG[self.lang], title=escape(self.label("title")), css=CSS,
                               body="\n".join(body))

    def header(self) -> str:
        meta = [(self.label("checked"), self.target), (self.label("rules"), self.report.rules),
                (self.label("generated"), datetime.now().strftime("%Y-%m-%d %H:%M"))]
        items = "".join(f"<span><b>{escape(k)}</b> {escape(v)}</span>" for k, v in meta)
        judged = "".join(f'<p class="profile">{escape(line)}</p>' for line in profile_lines(self.report, self.lang))
        return (f'<header class="top"><div class="brand">kcsubmit</div>'
                f'<h1>{escape(self.label("title"))}</h1><p class="meta">{items}</p>{judged}</header>')

    def manual(self) -> str:
        """The profile's checks only a person can make: a checklist, never pass/fail."""
        items = self.report.profile.manual if self.report.profile is not None else ()
        if not items:
            return ""
        rows = "".join(f'<li><label><input type="checkbox"> <b>{escape(m.id)}</b> {escape(m.text(self.lang))}'
                       f'</label></li>' for m in items)
        return (f'<section class="manual"><h2>{escape(ui("manual_title", self.lang))}</h2>'
                f'<ul class="checklist">{rows}</ul></section>')

    def summary(self) -> str:
        r = self.report
        state = "ok" if r.ok else "fail"
        verdict = self.label("verdict_ok") if r.ok else self.label("verdict_fail", errors=r.errors)
        counts = [("files", len(r.files), self.label("files")),
                  ("error", r.errors, self.label("errors")),
                  ("warning", r.warnings, self.label("warnings")),
                  ("info", r.infos, self.label("infos")),
                  ("fixable", r.fixable, self.label("fixable"))]
        tiles = "".join(f'<div class="count {key}{" zero" if n == 0 else ""}">'
                        f'<b>{n}</b><span>{escape(name)}</span></div>'
                        for key, n, name in counts)
        if not r.files and not r.submission:
            steps = [ui("no_files", self.lang)]
        elif r.fixable and (not r.ok or r.warnings):
            steps = [ui("summary_next_fix", self.lang, target=self.target)]
        elif r.ok:
            steps = [self.label("next_pack", target=self.target)]
        else:
            steps = []
        line = ui("summary_ok" if r.ok else "summary_fail", self.lang, files=len(r.files), errors=r.errors,
                  warnings=r.warnings, infos=r.infos, fixable=r.fixable)
        nexts = "".join(f'<p class="next">{_rich(s)}</p>' for s in steps)
        return (f'<section class="summary {state}"><div class="verdict"><span class="mark">'
                f'{MARK["ok" if r.ok else "error"]}</span>{escape(verdict)}</div>'
                f'<div class="counts">{tiles}</div><p class="line">{escape(line)}</p>{nexts}</section>')

    def overview(self) -> str:
        if len(self.report.files) < 2:
            return ""
        chips = []
        for i, r in enumerate(self.report.files):
            state = _state(r.findings)
            if _inside(r.path):
                name, nested = "…!" + r.path.rpartition("!")[2].rpartition("/")[2], " nested"
            else:
                name, nested = self.short(r.path), ""
            chips.append(f'<a class="chip {state}{nested}" href="#f{i}" title="{escape(r.path)}">'
                         f'<span class="mark">{MARK[state]}</span>{escape(name)}</a>')
        return (f'<nav class="overview"><h2>{escape(self.label("overview"))}</h2>'
                f'<div class="chips">{"".join(chips)}</div></nav>')

    def short(self, path: str) -> str:
        """The path without the folder shared by every file (shown once, in the header)."""
        if self.base and path[:len(self.base) + 1] in (self.base + "/", self.base + os.sep):
            return path[len(self.base) + 1:]
        return path

    def card(self, index: int, children: Mapping[int | None, list[int]]) -> str:
        r = self.report.files[index]
        state = _state(r.findings)
        if _inside(r.path):  # "DOC!word/media/image3.png": the outer file by its name only
            parent, _, inner = r.path.rpartition("!")
            name = f'<span class="outer">{escape(os.path.basename(parent))}!</span>{escape(inner)}'
        else:
            name = escape(self.short(r.path))
        tags = [f'<span class="tag kind">{escape(ui("kind_" + r.kind, self.lang))}</span>']
        if r.theme:
            colon = "：" if self.lang == "zh" else ": "
            tags.append(f'<span class="tag theme">{escape(ui("theme", self.lang) + colon + r.theme)}</span>')
        facts = facts_line(r.kind, r.facts, self.lang)
        parts = [f'<article class="card {state}" id="f{index}">',
                 f'<header><span class="mark {state}">{MARK[state]}</span>'
                 f'<h2 title="{escape(r.path)}">{name}</h2>{"".join(tags)}</header>',
                 f'<p class="facts">{escape(facts)}</p>' if facts else "",
                 self.strip(tuple(self.report.previews.get(r.path, ())), r.kind),
                 self.findings(r.findings)]
        inside = children.get(index, [])
        if inside:
            parts.append(f'<div class="children"><h3>{escape(self.label("inside", count=len(inside)))}</h3>')
            parts += [self.card(i, children) for i in inside]
            parts.append('</div>')
        parts.append('</article>')
        return "\n".join(p for p in parts if p)

    def strip(self, thumbs: tuple[Thumb, ...], kind: str) -> str:
        figures = []
        for t in thumbs:
            if t.role == "after":
                caption = f"{self.label('after')} · {t.caption}"
                figures.append('<span class="arrow">→</span>')
            elif t.role == "picture":
                caption = f"{self.label('now')} · {t.caption}" if len(thumbs) > 1 else t.caption
            elif t.role == "placeholder":
                caption = self.label("no_preview")
            elif t.role == "icon":
                caption = ui("kind_" + kind, self.lang)
            else:
                caption = t.caption
            figures.append(f'<figure class="thumb {t.role}"><img src="{escape(t.src)}" width="{t.width}" '
                           f'height="{t.height}" alt="{escape(caption)}"><figcaption>{escape(caption)}'
                           f'</figcaption></figure>')
        return f'<div class="{STRIP_CLASS}">{"".join(figures)}</div>'

    def findings(self, findings: tuple[Finding, ...]) -> str:
        if not findings:
            return f'<p class="passed">✓ {escape(self.label("passed"))}</p>'
        items = [self.finding(f) for f in sorted(findings, key=lambda f: (f.severity.rank, f.rule))]
        return f'<ul class="findings">{"".join(items)}</ul>'

    def finding(self, f: Finding) -> str:
        level = STATUS[f.severity]
        step = finding_next(f, self.lang, self.target)
        fixable = f'<span class="tag fix">{escape(self.label("fixable"))}</span>' if f.fixable else ""
        sections = []
        for key, heading in (("what", "explain_what"), ("why", "explain_why"), ("fix", "explain_fix")):
            text = rule_text(f.rule, key, self.lang, f.values).strip()
            if text:
                sections.append(f"<dt>{escape(ui(heading, self.lang))}</dt><dd>{_rich(text)}</dd>")
        title = rule_text(f.rule, "title", self.lang)
        details = (f'<details><summary>{escape(f.rule)} {escape(title)} · {escape(self.label("details"))}</summary>'
                   f'<dl>{"".join(sections)}</dl></details>') if sections else ""
        return (f'<li class="finding {level}"><div class="head"><span class="badge {level}">'
                f'{escape(ui("severity_" + level, self.lang))}</span><code class="rule">{escape(f.rule)}</code>'
                f'<span class="msg">{_rich(finding_message(f, self.lang))}</span>{fixable}</div>'
                + (f'<p class="step">→ {_rich(step)}</p>' if step else "") + details + '</li>')

    def submission_card(self) -> str:
        state = _state(self.report.submission)
        return (f'<article class="card {state} whole"><header><span class="mark {state}">{MARK[state]}</span>'
                f'<h2>{escape(ui("kind_submission", self.lang))}</h2></header>'
                f'{self.findings(self.report.submission)}</article>')


def _state(findings: tuple[Finding, ...]) -> str:
    if not findings:
        return "ok"
    return STATUS[min(findings, key=lambda f: f.severity.rank).severity]


def _inside(path: str) -> bool:
    """Whether ``path`` names a file inside a document or an archive (``OUTER!inner``)."""
    return "!" in path and not os.path.isfile(path)


def _children(files: tuple[FileResult, ...]) -> dict[int | None, list[int]]:
    """Index of each file's outer file (``OUTER!inner``) when that is in the report too; None: top level."""
    where = {r.path: i for i, r in enumerate(files)}
    tree: dict[int | None, list[int]] = {None: []}
    for i, r in enumerate(files):
        parent: int | None = None
        outer = r.path
        while _inside(outer):
            outer = outer.rpartition("!")[0]
            if outer in where:
                parent = where[outer]
                break
        tree.setdefault(parent, []).append(i)
    return tree


def _common_folder(paths: list[str]) -> str:
    """The folder every file sits in (``/tmp/demo``), or "" when they share none."""
    folders = [os.path.dirname(p.split("!", 1)[0]) for p in paths]
    if not folders or any(not f for f in folders):
        return ""
    try:
        common = os.path.commonpath(folders)
    except ValueError:  # absolute and relative paths mixed, or other drives
        return ""
    return "" if common in ("", ".") or common == os.path.dirname(common) else common  # not a root


def _rich(text: str) -> str:
    """Escape ``text``; spans between backticks become ``<code>`` (commands to type)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: plain text
        return escape(text)
    return "".join(f"<code>{escape(p)}</code>" if i % 2 else escape(p) for i, p in enumerate(parts))


TEMPLATE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<div class="page">
{body}
</div>
</body>
</html>
"""

CSS = """
:root { --red:#c62828; --red-bg:#fdecea; --amber:#a65b00; --amber-bg:#fff3d6; --blue:#1a5fb4; --blue-bg:#e6effb;
  --green:#1b7f3b; --green-bg:#e6f5eb; --ink:#1f2933; --muted:#5f6b7a; --line:#dde2e8; --paper:#fff; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f5f7; color: var(--ink);
  font: 15px/1.65 "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; }
.page { max-width: 1120px; margin: 0 auto; padding: 24px 24px 40px; }
code { font-family: "SFMono-Regular", Consolas, "Noto Sans Mono CJK SC", monospace; font-size: .92em;
  background: #eef1f4; border-radius: 4px; padding: 1px 5px; word-break: break-all; }
header.top { border-bottom: 3px solid var(--ink); padding-bottom: 10px; margin-bottom: 18px; }
header.top .brand { font-size: 13px; letter-spacing: .12em; color: var(--muted); text-transform: uppercase; }
header.top h1 { font-size: 28px; margin: 2px 0 6px; }
header.top .meta { margin: 0; color: var(--muted); font-size: 14px; display: flex; flex-wrap: wrap; gap: 6px 22px; }
header.top .meta b { color: var(--ink); font-weight: 600; margin-right: 4px; }
.profile { margin: 4px 0 0; color: var(--muted); }
.manual { margin: 18px 0; } .checklist { list-style: none; padding-left: 0; } .checklist li { margin: 6px 0; }
.summary { border-radius: 10px; padding: 18px 22px; margin-bottom: 18px; border: 1px solid; }
.summary.ok { background: var(--green-bg); border-color: #a9dbb8; }
.summary.fail { background: var(--red-bg); border-color: #f3b4ae; }
.verdict { font-size: 24px; font-weight: 700; display: flex; align-items: center; gap: 12px; }
.summary.ok .verdict { color: var(--green); } .summary.fail .verdict { color: var(--red); }
.verdict .mark { display: inline-flex; width: 38px; height: 38px; border-radius: 50%; color: #fff;
  align-items: center; justify-content: center; font-size: 22px; }
.summary.ok .verdict .mark { background: var(--green); } .summary.fail .verdict .mark { background: var(--red); }
.counts { display: flex; flex-wrap: wrap; gap: 10px; margin: 14px 0 8px; }
.count { background: var(--paper); border-radius: 8px; padding: 6px 16px; min-width: 96px;
  border: 1px solid var(--line); }
.count b { display: block; font-size: 26px; line-height: 1.2; }
.count span { color: var(--muted); font-size: 13px; }
.count.error b { color: var(--red); } .count.warning b { color: var(--amber); }
.count.info b { color: var(--blue); } .count.fixable b { color: var(--green); } .count.zero b { color: #9aa4b1; }
.summary .line { margin: 6px 0 0; }
.summary .next { margin: 6px 0 0; font-weight: 600; }
.overview { margin-bottom: 18px; }
.overview h2, .children h3 { font-size: 15px; color: var(--muted); margin: 0 0 8px; font-weight: 600; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; }
.chip { text-decoration: none; color: var(--ink); background: var(--paper); border: 1px solid var(--line);
  border-radius: 999px; padding: 2px 12px 2px 4px; font-size: 13px; display: inline-flex; align-items: center;
  gap: 6px; }
.chip.nested { opacity: .85; }
.mark { display: inline-flex; width: 22px; height: 22px; border-radius: 50%; align-items: center;
  justify-content: center; font-size: 13px; font-weight: 700; color: #fff; flex: none; }
.mark.ok, .chip.ok .mark { background: var(--green); } .mark.error, .chip.error .mark { background: var(--red); }
.mark.warning, .chip.warning .mark { background: #d98a00; } .mark.info, .chip.info .mark { background: var(--blue); }
.card { background: var(--paper); border: 1px solid var(--line); border-left: 6px solid var(--green);
  border-radius: 10px; padding: 14px 18px 12px; margin: 0 0 16px; box-shadow: 0 1px 2px rgba(0,0,0,.04); }
.card.error { border-left-color: var(--red); } .card.warning { border-left-color: #d98a00; }
.card.info { border-left-color: var(--blue); }
.card > header { display: flex; align-items: center; flex-wrap: wrap; gap: 8px; }
.card h2 { font-size: 17px; margin: 0; word-break: break-all; }
.card h2 .outer { color: var(--muted); font-weight: 400; }
.tag { font-size: 12px; border-radius: 4px; padding: 1px 8px; background: #eef1f4; color: var(--muted);
  white-space: nowrap; }
.tag.theme { background: #f1e9fb; color: #6a3ea1; }
.tag.fix { background: var(--green-bg); color: var(--green); margin-left: 6px; }
.facts { margin: 4px 0 8px 30px; color: var(--muted); font-size: 14px; }
.strip { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 10px; margin: 0 0 10px 30px; }
.thumb { margin: 0; text-align: center; }
.thumb img { display: block; height: 120px; width: auto; max-width: 240px; border-radius: 6px;
  background: #111; border: 1px solid var(--line); }
.thumb.placeholder img, .thumb.icon img { background: none; border: none; }
.thumb.icon img { height: 72px; }
.thumb.after img { outline: 3px solid var(--green); outline-offset: 1px; }
.thumb figcaption { font-size: 12px; color: var(--muted); margin-top: 3px; }
.thumb.after figcaption { color: var(--green); font-weight: 600; }
.arrow { align-self: center; font-size: 22px; color: var(--green); padding: 0 2px 18px; }
.passed { margin: 0 0 4px 30px; color: var(--green); font-weight: 600; }
.findings { list-style: none; margin: 0 0 4px 30px; padding: 0; }
.finding { border-top: 1px solid var(--line); padding: 8px 0 6px; }
.finding .head { display: flex; align-items: baseline; flex-wrap: wrap; gap: 4px 8px; }
.badge { font-size: 12px; font-weight: 700; border-radius: 4px; padding: 1px 8px; color: #fff; white-space: nowrap; }
.badge.error { background: var(--red); } .badge.warning { background: #d98a00; }
.badge.info { background: var(--blue); }
.rule { font-weight: 700; background: none; padding: 0; }
.finding.error .rule { color: var(--red); } .finding.warning .rule { color: var(--amber); }
.finding.info .rule { color: var(--blue); }
.msg { flex: 1 1 420px; }
.step { margin: 2px 0 0; color: #1d4f91; }
details { margin: 4px 0 0; font-size: 14px; }
details summary { cursor: pointer; color: var(--muted); }
details dl { margin: 6px 0 0; padding: 8px 14px; background: #f7f9fb; border-radius: 6px; }
details dt { font-weight: 700; margin-top: 4px; }
details dd { margin: 0 0 4px; white-space: pre-line; }
.children { margin: 10px 0 4px 30px; padding-left: 14px; border-left: 2px dashed var(--line); }
.children .card { box-shadow: none; margin-bottom: 10px; }
.skipped { color: var(--muted); font-size: 14px; }
footer { margin-top: 24px; color: var(--muted); font-size: 13px; text-align: center; }
@media print { body { background: #fff; } .card { break-inside: avoid; box-shadow: none; } }
"""
