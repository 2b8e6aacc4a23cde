"""One message catalogue keyed by code (``ownerguard.i18n``): every text used by the code and
the templates exists in every language; no entry is empty or unused; placeholders agree between
languages; a new language is a directory, not a code change."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

import ownerguard
from ownerguard import i18n
from ownerguard.vault.policy import REASONS
from ownerguard.web.i18n import FLASH, LOGIN_NOTICES, OWNER_FLASH

PACKAGE = Path(ownerguard.__file__).parent
TEMPLATES = PACKAGE / "web" / "templates"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
KINDS = {"Problem", "Invalid", "NotFound", "Forbidden", "Conflict", "Unauthenticated",
         "TooMany", "Unavailable"}


def _name(node: ast.expr) -> str | None:
    """``Invalid`` or ``svc.WorkItemError`` → the class name."""
    return node.id if isinstance(node, ast.Name) else \
        node.attr if isinstance(node, ast.Attribute) else None


def _error_classes() -> set[str]:
    """Every class that is (transitively) a ``Problem``: the kinds, and the services' own
    classes defined on top of them (``class WorkItemError(Conflict)``, ``class
    ShareNotFound(ShareError, NotFound)``…), found in the source."""
    bases: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(
                    n for n in map(_name, node.bases) if n)
    found = set(KINDS)
    while True:
        more = {c for c, b in bases.items() if c not in found and b & found}
        if not more:
            return found
        found |= more


ERROR_CLASSES = _error_classes()


def _codes(arg: ast.expr) -> set[str]:
    """The literal code(s) of a raise: ``"bad_days"``, or both branches of
    ``"code_locked" if tries >= MAX else "code_invalid"``."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return {arg.value}
    if isinstance(arg, ast.IfExp):
        return _codes(arg.body) | _codes(arg.orelse)
    return set()


def _template_ids() -> set[str]:
    used = set()
    for path in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"""\b_\(["']([a-z0-9_.]+)["']""", path.read_text("utf-8")))
    return used


# Label kinds that fall back to the domain catalogues' own labels (a catalogue entry is optional).
DOMAIN_LABELS = {"field", "purpose", "role"}


def _code_ids() -> set[str]:
    """Message ids the Python code names: ``t("key")``, ``translate("key")``, the codes of
    raised problems (``error.<code>``), labels passed as parameters (``Label("broker", "pool")``
    → ``broker.pool``) and what a backup check reports (``report.add("member_hash", …)`` →
    ``finding.member_hash``, or its ``text=``)."""
    used = set()
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "i18n":
            continue                     # the catalogue's own docstrings name example ids
        source = path.read_text("utf-8")
        used |= set(re.findall(r"""(?:\bt|\.t|Translator\(\w+\)|translate)\(["']([a-z0-9_.]+)["']""",
                               source))
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            if _name(node.func) in ERROR_CLASSES and node.args:
                used |= {f"error.{code}" for code in _codes(node.args[0])}
            elif _name(node.func) == "Label" and len(node.args) == 2 \
                    and all(isinstance(a, ast.Constant) for a in node.args) \
                    and node.args[0].value not in DOMAIN_LABELS:
                used.add(f"{node.args[0].value}.{node.args[1].value}")
            elif isinstance(node.func, ast.Attribute) and node.func.attr == "add" \
                    and getattr(node.func.value, "id", None) == "report" and node.args:
                text = [k.value for k in node.keywords if k.arg == "text"]
                used |= {f"finding.{code}" for code in
                         (_codes(text[0]) if text else _codes(node.args[0]))}
    return {m for m in used if not m.endswith(".")}


def test_every_used_text_exists_in_every_language():
    used = _template_ids() | _code_ids() | FLASH | OWNER_FLASH
    used |= {f"reason.{code}" for code in REASONS}
    assert len(used) > 300
    for lang in i18n.locales():
        texts = i18n.catalogue()[lang]
        # A refusal that is a policy decision reads as its reason (errors.Problem.message).
        missing = sorted(m for m in used if m not in texts
                         and not (m.startswith("error.") and "reason." + m[6:] in texts))
        assert not missing, (lang, missing[:20])
    for code in LOGIN_NOTICES:
        assert i18n.has(code) or i18n.has(f"error.{code}"), code


def test_languages_hold_the_same_ids_and_placeholders():
    cats = i18n.catalogue()
    source = cats[i18n.SOURCE]
    for lang in i18n.locales():
        assert set(cats[lang]) == set(source), (lang, sorted(set(cats[lang]) ^ set(source))[:10])
        for msgid, text in cats[lang].items():
            assert text.strip(), (lang, msgid)
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(source[msgid])), \
                (lang, msgid)
            text % {name: "x" for name in PLACEHOLDER.findall(text)}   # well-formed


def test_every_policy_reason_has_a_text_and_no_orphans():
    reasons = {m[len("reason."):] for m in i18n.catalogue()[i18n.SOURCE]
               if m.startswith("reason.")}
    assert reasons == set(REASONS)


def test_a_language_is_a_directory(tmp_path, monkeypatch):
    """A third language (zh_Hant for Hong Kong and Taiwan owners) needs no code change."""
    import shutil

    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    po = locale / "zh_Hant" / "LC_MESSAGES"
    po.mkdir(parents=True)
    (po / "portal.po").write_text('msgid "ow_portal"\nmsgstr "業主門戶"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    i18n.catalogue.cache_clear()
    try:
        assert "zh_Hant" in i18n.locales()
        assert i18n.translate("ow_portal", "zh_Hant") == "業主門戶"
        assert i18n.translate("ow_nav_data", "zh_Hant") == i18n.translate("ow_nav_data")
    finally:
        i18n.catalogue.cache_clear()


def test_the_catalogues_are_well_formed_po_files():
    for path in i18n.LOCALE_DIR.rglob("*.po"):
        with path.open("rb") as fh:
            cat = read_po(fh)
        assert len(cat) > 0, path
