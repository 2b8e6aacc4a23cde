"""One error model: a service refuses with a code and parameters; the class says what kind of
refusal it is; the words live in the message catalogue (``ownerguard.i18n``, ``error.<code>``)
and are chosen at the edge — HTTP, the console, the portal, the command line — in the
reader's language.

The exception's own text is the code, never a value: it may reach a log or a crash report, and
parameters are codes, numbers, row numbers, column headers or labels (``i18n.Label``), never a
resident's personal data.
"""

from __future__ import annotations

from typing import ClassVar

from ownerguard.i18n import describe, has, translate


class Problem(Exception):
    """A refusal explained to a person. ``kind`` decides the HTTP status at the edge."""

    kind: ClassVar[str] = "invalid"

    def __init__(self, code: str, /, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return self.code

    def message(self, lang: str | None = None) -> str:
        """``error.<code>``; a refusal that is a policy decision (``out_of_scope``,
        ``role_not_permitted``…) reads as the decision's reason (``reason.<code>``)."""
        if has(f"error.{self.code}"):
            return translate(f"error.{self.code}", lang, **self.params)
        return describe(self.code, lang)


class Invalid(Problem):
    """The request cannot be done as asked: the message says what to fix."""

    kind = "invalid"


class NotFound(Problem):
    """Nothing of that id — or nothing the actor may know exists (out of scope looks the
    same as absent)."""

    kind = "not_found"


class Forbidden(Problem):
    """The actor's role or scope does not allow it."""

    kind = "forbidden"


class Conflict(Problem):
    """The state has moved on (already decided, already ended, not in a state to do that)."""

    kind = "conflict"


class Unauthenticated(Problem):
    """Not signed in, or the session ended."""

    kind = "unauthenticated"


class TooMany(Problem):
    """Rate limited: try again later."""

    kind = "rate_limited"


class Unavailable(Problem):
    """A dependency (the audit log, a vendor) is not available; nothing was done."""

    kind = "unavailable"


# What each kind means over HTTP (one table for the API and the web pages).
HTTP_STATUS: dict[str, int] = {
    "invalid": 422, "not_found": 404, "forbidden": 403, "conflict": 409,
    "unauthenticated": 401, "rate_limited": 429, "unavailable": 503,
}
