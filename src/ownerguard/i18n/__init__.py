"""Every text people read, in one message catalogue keyed by code, translated at the edge.

Catalogues are gettext ``.po`` files (Babel reads them), one per topic, under
``i18n/locale/<locale>/LC_MESSAGES/<topic>.po``: ``zh_CN`` is the source language, ``en`` the
second. A language is a directory: adding ``zh_Hant`` (Hong Kong and Taiwan owners) or handing
the files to an outside translator needs no code change. Message ids are codes, never prose:

- ``error.<code>``   — what a service refused and what to do (``errors.Problem``)
- ``reason.<code>``  — policy decisions (stored in the audit log as the code)
- ``field.<name>``, ``purpose.<code>``, ``role.<code>`` — override the domain catalogues' labels
- everything else    — pages of the console (no prefix) and of the owner portal (``ow_``)

Placeholders are Python's ``%(name)s`` (gettext's python-format), so ``jinja2.ext.i18n``'s
new-style ``_("key", n=3)`` and ``translate("key", lang, n=3)`` read the same entries. A
parameter that is itself a code to show (a field name, a purpose) is passed as ``Label``; one
that is a refusal (``errors.Problem``: why a value was refused) is shown by its own message; a
list or tuple of either is shown joined by the language's ``list_sep`` (、 or ", ").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from babel.messages.pofile import read_po

SOURCE = "zh_CN"
_ALIASES = {"zh": "zh_CN", "zh-cn": "zh_CN", "zh_cn": "zh_CN", "en-us": "en", "en-gb": "en",
            "en_us": "en", "en_gb": "en"}
LOCALE_DIR = Path(str(files("ownerguard.i18n").joinpath("locale")))


@dataclass(frozen=True)
class Label:
    """A parameter shown by its label: ``Label("field", "phone")`` → 手机号 / mobile. ``own``
    carries the (zh, en) labels of a domain catalogue (fields, purposes, roles), used when the
    message catalogue has no entry of its own (``domain.fields.field_label`` builds these)."""

    kind: str
    code: str
    own: tuple[str, str] | None = None

    def text(self, lang: str | None = None) -> str:
        return label(self.kind, self.code, lang, self.own)


def locales() -> tuple[str, ...]:
    """Every language with a catalogue, the source first."""
    found = sorted(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())
    return tuple([SOURCE] + [lang for lang in found if lang != SOURCE])


def normalise(lang: str | None) -> str:
    """``zh``/``zh-CN``/``en-US`` → a catalogue's locale; unknown → the source language."""
    if not lang:
        return SOURCE
    key = lang.strip().replace("-", "_")
    key = _ALIASES.get(key.lower(), key)
    return key if key in catalogue() else SOURCE


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """locale → msgid → text, read once from the ``.po`` files."""
    out: dict[str, dict[str, str]] = {}
    for lang in locales():
        texts: dict[str, str] = {}
        for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as fh:
                for message in read_po(fh):
                    if message.id and message.string and not message.fuzzy:
                        if message.id in texts:
                            raise ValueError(f"{po.name}: {message.id!r} is defined twice")
                        texts[str(message.id)] = str(message.string)
        out[lang] = texts
    return out


def has(msgid: str, lang: str = SOURCE) -> bool:
    return msgid in catalogue().get(normalise(lang), {})


def translate(msgid: str, lang: str | None = SOURCE, /, **params: object) -> str:
    """The text of ``msgid`` in ``lang`` (falling back to the source language, then to the
    id itself so a missing entry is visible, never a crash), with ``params`` filled in."""
    lang = normalise(lang)
    texts = catalogue()
    text = texts[lang].get(msgid) or texts[SOURCE].get(msgid)
    if text is None:
        return msgid
    shown = {k: _shown(v, lang) for k, v in params.items()}
    try:
        return text % shown          # also turns the catalogue's "%%" into "%"
    except (KeyError, ValueError, TypeError):
        return text


def describe(code: str, lang: str | None = SOURCE) -> str:
    """The text of a decision or refusal code: a policy reason (``reason.<code>``), else a
    refusal (``error.<code>``), else a page text of that id; the code itself if none."""
    for msgid in (f"reason.{code}", f"error.{code}", code):
        if has(msgid):
            return translate(msgid, lang)
    return code


def _shown(value: object, lang: str) -> object:
    """A parameter as it appears in the text: labels and refusals in ``lang``, lists joined."""
    if isinstance(value, Label):
        return label(value.kind, value.code, lang, value.own)
    message = getattr(value, "message", None)
    if callable(message):
        return message(lang)
    if isinstance(value, (list, tuple)):
        return translate("list_sep", lang).join(str(_shown(v, lang)) for v in value)
    return value


def label(kind: str, code: str | None, lang: str | None = SOURCE,
          own: tuple[str, str] | None = None) -> str:
    """The label of a code (``field``, ``purpose``, ``role``, ``alert``…): the catalogue's
    entry in ``lang``; else ``own`` — the (zh, en) labels a domain catalogue carries as data
    (fields, purposes and roles do: a deployment adds its own purposes in settings.toml);
    else the source catalogue's entry; else the code."""
    if not code:
        return ""
    lang = normalise(lang)
    msgid = f"{kind}.{code}"
    texts = catalogue()
    if msgid in texts[lang]:
        return translate(msgid, lang)
    if own:
        return own[1] if lang == "en" else own[0]
    return texts[SOURCE].get(msgid, code)


class Translations:
    """gettext-style callables for ``jinja2.ext.i18n`` (``install_gettext_translations``)."""

    def __init__(self, lang: str | None):
        self.lang = normalise(lang)

    def gettext(self, msgid: str) -> str:
        return translate(msgid, self.lang)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translate(singular if n == 1 else plural, self.lang)

    def pgettext(self, context: str, msgid: str) -> str:
        return translate(f"{context}.{msgid}", self.lang)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.pgettext(context, singular if n == 1 else plural)
