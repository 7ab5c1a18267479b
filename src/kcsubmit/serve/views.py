"""HTML fragments of the results, built from the HTML report's own parts (:class:`Page`).

Every string from outside (names, studio, facts, document text) is escaped by ``html.escape``
here or in :mod:`kcsubmit.reporters.html`; the fragments are inserted into the page as they are.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from ..deliverables import fields_needed
from ..i18n import finding_message, texts, ui
from ..models import Finding, FixReport, PackReport, Profile, Report, Severity
from ..names import readable
from ..profile import info
from ..reporters import profile_lines
from ..reporters.html import MARK, STATUS, Page, _children, _rich
from ..units import Bytes


def t(key: str, lang: str, **values: object) -> str:
    return ui(f"serve_{key}", lang, **values)


def field_label(key: str, lang: str) -> str:
    """What the page calls a name template's field: ``serve_field_title`` when there is one, else its name."""
    known = texts(lang)["ui"].get(f"serve_field_{key}")
    return known or key


def profile_state(profile: Profile, fields: dict[str, str], lang: str) -> dict[str, Any]:
    """What the page shows of the chosen profile: which profile judges (the reports' own lines),
    its deliverables, the fields its name templates need, and its checklist of checks by hand."""
    def count(low: int, high: int | None) -> str:
        return f"≥ {low}" if high is None else (str(low) if low == high else f"{low}–{high}")

    return {
        "profile_lines": profile_lines(Report(rules=profile.name, files=(), profile=info(profile)), lang),
        "deliverables": [{"id": d.id, "title": d.title or d.id, "kind": d.kind,
                          "count": count(d.min_count, d.max_count)} for d in profile.deliverables],
        "fields": [{"key": k, "label": field_label(k, lang), "value": fields.get(k, "")}
                   for k in fields_needed(profile)],
        "manual": [{"id": m.id, "text": m.text(lang)} for m in profile.manual],
    }


def report(report: Report, lang: str) -> str:
    """The check: a verdict with the counts, the files at a glance, one card per file."""
    page = Page(readable(report), lang, "")
    r = page.report
    state = "ok" if r.ok else "fail"
    verdict = page.label("verdict_ok") if r.ok else page.label("verdict_fail", errors=r.errors)
    counts = [("files", len(r.files)), ("error", r.errors), ("warning", r.warnings), ("info", r.infos),
              ("fixable", r.fixable)]
    names = {"files": "files", "error": "errors", "warning": "warnings", "info": "infos", "fixable": "fixable"}
    tiles = "".join(f'<div class="count {k}{" zero" if n == 0 else ""}"><b>{n}</b>'
                    f'<span>{escape(page.label(names[k]))}</span></div>' for k, n in counts)
    step = t("next_fix" if r.fixable else ("next_pack" if r.ok else "next_hand"), lang)
    parts = [f'<section class="summary {state}"><div class="verdict"><span class="mark">'
             f'{MARK["ok" if r.ok else "error"]}</span>{escape(verdict)}</div><div class="counts">{tiles}</div>'
             f'<p class="next">{escape(step)}</p></section>', page.overview()]
    children = _children(r.files)
    parts += [page.card(i, children) for i in children[None]]
    if r.submission:
        parts.append(page.submission_card())
    return "\n".join(p for p in parts if p)


def fixed(result: FixReport, after: Report | None, before: Report | None, lang: str) -> str:
    """Before → after, per file: what was done, the findings before and after, and the thumbnails."""
    result = readable(result)
    previews_before = before.previews if before else {}
    previews_after = after.previews if after else {}
    page = Page(readable(after) if after else Report(rules="", files=()), lang, "")
    rows = []
    for f in result.files:
        action = ui(f"fix_{f.action}", lang)
        left = page.strip(tuple(previews_before.get(f.source, ()))[:1], f.kind)
        right = page.strip(tuple(previews_after.get(f.output or "", ()))[:1], f.kind) if f.output else ""
        state = "error" if f.error or any(x.severity is Severity.ERROR for x in f.after) else "ok"
        rows.append(
            f'<article class="card fixed {state}"><header><span class="mark {state}">{MARK[state]}</span>'
            f'<h2>{escape(Path(f.source).name)}</h2><span class="tag kind">{escape(action)}</span></header>'
            f'<div class="pair"><div class="side"><h3>{escape(ui("fix_col_before", lang))}</h3>{left}'
            f'{_findings(f.before, lang)}</div><div class="arrow">→</div>'
            f'<div class="side"><h3>{escape(ui("fix_col_after", lang))}</h3>{right}'
            f'{_findings(f.after, lang) if f.output else ""}'
            + (f'<p class="fix-error">{escape(f.error)}</p>' if f.error else "")
            + (f'<p class="where">{escape(t("saved_as", lang, name=Path(f.output).name))}</p>' if f.output else "")
            + '</div></div></article>')
    return "\n".join(rows)


def _findings(findings: tuple[Finding, ...], lang: str) -> str:
    if not findings:
        return f'<p class="passed">✓ {escape(ui("html_passed", lang))}</p>'
    ordered = sorted(findings, key=lambda f: (f.severity.rank, f.rule))
    items = [f'<li class="finding {STATUS[f.severity]}"><code class="rule">{escape(f.rule)}</code> '
             f'{_rich(finding_message(f, lang))}</li>' for f in ordered]
    return f'<ul class="findings short">{"".join(items)}</ul>'


def packed(result: PackReport, lang: str, profile: Profile | None = None) -> str:
    """The archives with their download links, sizes against the limit and where to upload each;
    or what stops the packing."""
    result = readable(result)
    if result.blocking or result.failures:
        items = [f'<li class="finding error"><b>{escape(Path(path.split("!")[0]).name)}</b> '
                 f'<code class="rule">{escape(f.rule)}</code> {_rich(finding_message(f, lang))}</li>'
                 for path, f in result.blocking]
        items += [f'<li class="finding error"><b>{escape(Path(p).name)}</b> {escape(e)}</li>'
                  for p, e in result.failures]
        return (f'<section class="summary fail"><p>{escape(ui("pack_refused", lang))}</p>'
                f'<ul class="findings short">{"".join(items)}</ul><p class="next">{escape(t("next_hand", lang))}'
                f'</p></section>')
    rows = []
    for i, a in enumerate(result.archives):
        limit, where = result.limit, (ui("pack_upload_theme", lang, theme=a.theme) if a.theme
                                      else ui("pack_upload_case", lang))
        if a.deliverable and profile is not None:  # the call's own upload page, for these deliverables
            found = [profile.deliverable(x) for x in a.deliverable.split("+")]
            shown = [d for d in found if d is not None]
            where = t("upload_deliverable", lang, deliverable="、".join(d.title or d.id for d in shown))
            own = [profile.for_deliverable(d).archive.get("max_bytes") for d in shown]
            limit = min((x for x in own if x), default=0) or limit
        share = a.size / limit if limit else 0
        size = escape(Bytes(a.size).render(lang))
        if limit:
            size += f' / {escape(Bytes(limit).render(lang))} ({share:.0%})'
        rows.append(
            f'<li class="archive"><a class="download" href="/download/{i}" download>'
            f'{escape(Path(a.path).name)}</a>'
            f'<span class="size">{size}</span>'
            + (f'<meter min="0" max="1" value="{share:.4f}"></meter>' if limit else '') +
            f'<span class="upload-to">{escape(t("upload_to", lang, where=where))}</span>'
            f'<span class="entries">{escape(", ".join(a.entries))}</span></li>')
    return (f'<section class="summary ok"><div class="verdict"><span class="mark">{MARK["ok"]}</span>'
            f'{escape(t("packed", lang, count=len(result.archives)))}</div></section>'
            f'<ul class="archives">{"".join(rows)}</ul>')


__all__ = ["report", "fixed", "packed"]
