"""Languages of the web pages (console and owner portal), on top of ``ownerguard.i18n``.

The page language is ``?lang=`` (remembered in the ``lang`` cookie), Chinese by default. URLs
use short codes — ``zh`` for the source catalogue, ``en`` — and any other catalogue by its own
name (``zh_Hant``). Templates get ``_()`` from ``jinja2.ext.i18n`` for their texts and ``t``
for labels of codes (``t.field``, ``t.reason``, ``t.role``…), all read from the catalogues.
"""

from __future__ import annotations

from dataclasses import dataclass

from ownerguard import i18n
from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.purposes import PURPOSES
from ownerguard.domain.staff import ROLES
from ownerguard.i18n import translate

LANG_COOKIE = "lang"
_SHORT = {"zh_CN": "zh", "en": "en"}


def _web_langs() -> tuple[str, ...]:
    return tuple(_SHORT.get(loc, loc) for loc in i18n.locales())


LANGS = _web_langs()
DEFAULT_LANG = LANGS[0]
LOCALE_OF = {_SHORT.get(loc, loc): loc for loc in i18n.locales()}

# Codes that may appear in a URL (``?msg=…`` after a redirect, ``?reason=…`` on sign-in):
# only these are rendered, so a crafted link cannot put arbitrary text on our pages.
FLASH = frozenset({"wo_created", "wo_updated", "wo_comment_added", "nda_done", "alert_reviewed",
                   "export_requested", "export_decided"})
LOGIN_NOTICES = frozenset({"signed_out", "login_expired", "invalid_credentials", "locked",
                           "rate_limited", "otp_required", "otp_invalid", "disabled",
                           "session_expired", "not_signed_in"})
OWNER_FLASH = frozenset({"ow_iq_filed", "ow_iq_flagged", "ow_iq_accepted", "ow_iq_escalated",
                         "ow_rq_filed"})


def normalise_lang(value: str | None) -> str | None:
    """A ``?lang=`` or cookie value → a page language, or None when it names none."""
    if not value:
        return None
    value = value.strip()
    if value in LOCALE_OF:
        return value
    low = value.lower().replace("-", "_")
    if low.startswith("zh") and low not in ("zh_hant", "zh_tw", "zh_hk"):
        return "zh"
    if low.startswith("en"):
        return "en"
    return next((short for short, loc in LOCALE_OF.items() if loc.lower() == low), None)


@dataclass(frozen=True)
class Translator:
    """Labels of codes for templates (``t.reason(code)``, ``t.field(name)``…) and, for Python
    code that builds a page, ``t(msgid, n=3)`` — the same catalogue as ``_()``."""

    lang: str

    @property
    def locale(self) -> str:
        return LOCALE_OF.get(self.lang, i18n.SOURCE)

    def __call__(self, key: str, **params: object) -> str:
        return translate(key, self.locale, **params)

    def error(self, problem) -> str:
        """The message of an ``errors.Problem`` in this language."""
        return problem.message(self.locale)

    def reason(self, code: str) -> str:
        """A policy reason, a sign-in message, or a console error, by its code."""
        text = i18n.describe(code, self.locale)
        return text if text != code else translate("unknown_reason", self.locale, code=code)

    def _label(self, kind: str, code: str | None, item=None) -> str:
        own = (item.label_zh, item.label_en) if item is not None else None
        return i18n.label(kind, code, self.locale, own)

    def field(self, name: str) -> str:
        return self._label("field", name, CATALOGUE.get(name))

    def purpose(self, code: str | None) -> str:
        return self._label("purpose", code, PURPOSES.get(code or ""))

    def role(self, code: str) -> str:
        return self._label("role", code, ROLES.get(code))

    def outcome(self, value: str) -> str:
        return self._code(f"outcome_{value}", value)

    def status(self, value: str) -> str:
        return self._code(f"status_{value}", None) if i18n.has(f"status_{value}") \
            else self._label("wo_status", value)

    def kind(self, value: str) -> str:
        return self._code(f"kind_{value}", value)

    def export_status(self, value: str) -> str:
        return self._code(f"export_status_{value}", value)

    def alert_kind(self, value: str) -> str:
        return self._label("alert", value)

    def severity(self, value: str) -> str:
        return self._code(f"severity_{value}", value)

    def resolution(self, value: str | None) -> str:
        return self._code(f"resolution_{value}", value or "")

    def pii(self, value: str) -> str:
        """The label of a detector finding type (phone, id_card, person_name…)."""
        return self._label("pii", value)

    def basis(self, code: str | None) -> str:
        p = PURPOSES.get(code or "")
        return self(f"basis_{p.basis.value}") if p else ""

    def _code(self, msgid: str, fallback: str | None) -> str:
        return translate(msgid, self.locale) if i18n.has(msgid) else (fallback or "")
