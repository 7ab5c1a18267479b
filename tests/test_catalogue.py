"""The rule catalogue: stable IDs, both languages in step, the README table current."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from kcsubmit import i18n
from kcsubmit.catalogue_view import rules_markdown
from kcsubmit.profile import load
from kcsubmit.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
KIND_LETTER = {"video": "V", "document": "D", "image": "I", "archive": "A", "submission": "S"}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_kind_has_rules():
    """The catalogue is read from RULES; the suite reads nothing outside the repository."""
    for kind in KIND_LETTER:
        assert any(r.kind == kind for r in RULES.values()), kind


def test_every_rule_has_its_check():
    assert [r.id for r in RULES.values() if r.check is None] == []


def test_ids_and_names_are_well_formed():
    names = [r.name for r in RULES.values()]
    assert len(set(names)) == len(names)
    for rule in RULES.values():
        assert re.fullmatch(r"[VDIAS]\d{3}", rule.id)
        assert rule.id[0] == KIND_LETTER[rule.kind]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_rule_has_every_text(lang):
    texts = i18n.texts(lang)
    for rule_id in RULES:
        entry = texts.get(rule_id)
        assert entry, f"{lang}: no texts for {rule_id}"
        for key in i18n.RULE_FIELDS:
            assert entry.get(key, "").strip(), f"{lang}: {rule_id}.{key} is empty"


def test_languages_in_step():
    zh, en = i18n.texts("zh"), i18n.texts("en")
    assert set(zh) == set(en)
    for section in zh:
        assert set(zh[section]) == set(en[section]), section
        for key in zh[section]:
            assert placeholders(zh[section][key]) == placeholders(en[section][key]), f"{section}.{key}"


def test_variants_used_by_checks_have_messages():
    folder = ROOT / "src" / "kcsubmit" / "rules"
    source = "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py")))
    for block in source.split("@rule(")[1:]:
        rule_id = block[1:5]
        for variant in re.findall(r'variant="(\w+)"', block):
            for lang in i18n.LANGS:
                assert f"message_{variant}" in i18n.texts(lang)[rule_id], (rule_id, variant, lang)


def test_readme_rule_table_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert rules_markdown(load("2023"), "zh") in readme, "regenerate with `kcsubmit rules --markdown --lang zh`"


def test_every_fixable_rule_has_a_fixer_that_claims_its_step():
    """A rule names the fixer step that repairs it (Rule.fix); a fixer module in FIXERS claims it."""
    from kcsubmit.fixers import FIXERS, fixer
    from kcsubmit.rules.base import FIX_STEPS

    claimed = {step: kind for kind in FIXERS for step in fixer(kind).STEPS}
    assert set(claimed) <= set(FIX_STEPS)
    for rule in RULES.values():
        assert rule.fixable == (rule.fix is not None)
        if rule.fixable:
            assert rule.fix in claimed, f"{rule.id}: no fixer claims {rule.fix}"
        assert rule.fix_option in (None, "--trim", "--fit"), rule.id
