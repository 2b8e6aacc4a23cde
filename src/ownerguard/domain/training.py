"""Built-in staff training: lessons, a graded quiz and the confidentiality undertaking (L8).

Staff see owners' data masked only until they hold a current training record (a passed quiz,
valid ``TRAINING_VALID_DAYS``) and have signed the current confidentiality agreement (保密协议,
``NDA_VERSION``) in the app. The content is data, shipped with the package and validated when
this module loads — so a company's trainer or lawyer edits files, not code:

- ``content/training/training.toml``  quiz size, pass mark, validity, the lessons in order
- ``content/training/lessons/*.md``   one lesson each: TOML front matter (``+++``) and Markdown
- ``content/training/questions.toml``  the question bank
- ``content/nda/versions.toml``        every version of the undertaking ever offered, with the
  SHA-256 of its Chinese text; ``content/nda/<version>.zh.md`` / ``.en.md`` are the texts.
  A signed version stays readable forever as evidence (``nda_text``).

This module is the content and the pure rules around it; recording results and signatures,
and letting the gate consult them, belong to the services. No I/O beyond reading the package's
own files at import, no clock: callers pass dates and seeds in.

Law references (L1…L26) are ``content/legal/requirements.toml``'s ids; statute article numbers
quoted in the Chinese texts are only those the requirements cite (a test checks it).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import random
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from importlib.resources import files

from ownerguard.errors import Invalid

__all__ = [
    "Lesson",
    "Question",
    "QuestionResult",
    "QuizResult",
    "LESSONS",
    "LESSONS_BY_ID",
    "QUESTIONS",
    "QUESTIONS_BY_ID",
    "QUIZ_SIZE",
    "PASS_MARK",
    "TRAINING_VALID_DAYS",
    "draw_quiz",
    "grade",
    "training_expires_on",
    "training_is_current",
    "NDA_VERSION",
    "NDA_VERSIONS",
    "NDA_TEXT_ZH",
    "NDA_TEXT_EN",
    "NDA_TEXT_SHA256",
    "NDA_PLACEHOLDERS",
    "nda_text",
    "nda_text_hash",
    "nda_is_current",
    "render_nda",
    "ContentError",
]

_CONTENT = files("ownerguard.content")


class ContentError(ValueError):
    """A content file is malformed; the message names the file and what is wrong."""


def _read(*parts: str) -> str:
    node = _CONTENT
    for part in parts:
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


def _toml(*parts: str) -> dict:
    try:
        return tomllib.loads(_read(*parts))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{'/'.join(parts)}: {exc}") from None


# --------------------------------------------------------------------------------------------
# Lessons
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson:
    id: str
    title_zh: str
    title_en: str
    body_zh: str            # Markdown
    body_en: str            # shorter English summary
    refs: tuple[str, ...]   # L-ids of content/legal/requirements.toml


def _lesson(name: str) -> Lesson:
    text = _read("training", "lessons", name)
    if not text.startswith("+++\n") or "\n+++\n" not in text[4:]:
        raise ContentError(f"lessons/{name}: needs TOML front matter between +++ lines")
    front, body = text[4:].split("\n+++\n", 1)
    try:
        meta = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"lessons/{name}: {exc}") from None
    missing = {"id", "title_zh", "title_en", "refs", "summary_en"} - set(meta)
    if missing or not body.strip():
        raise ContentError(f"lessons/{name}: missing {sorted(missing) or ['body']}")
    return Lesson(meta["id"], meta["title_zh"], meta["title_en"], body, meta["summary_en"],
                  tuple(meta["refs"]))


_SETTINGS = _toml("training", "training.toml")
QUIZ_SIZE: int = _SETTINGS["quiz_size"]
PASS_MARK: float = _SETTINGS["pass_mark"]
TRAINING_VALID_DAYS: int = _SETTINGS["valid_days"]

_FILES = {f.name.split("-", 1)[1].removesuffix(".md"): f.name
          for f in _CONTENT.joinpath("training").joinpath("lessons").iterdir() if f.name.endswith(".md")}
if set(_FILES) != set(_SETTINGS["lessons"]):
    raise ContentError("training.toml lists other lessons than lessons/ holds: "
                       f"{sorted(set(_FILES) ^ set(_SETTINGS['lessons']))}")
LESSONS: tuple[Lesson, ...] = tuple(_lesson(_FILES[lid]) for lid in _SETTINGS["lessons"])
LESSONS_BY_ID: dict[str, Lesson] = {lesson.id: lesson for lesson in LESSONS}
if list(LESSONS_BY_ID) != list(_SETTINGS["lessons"]):
    raise ContentError("a lesson's id differs from its file name")


# --------------------------------------------------------------------------------------------
# Questions
# --------------------------------------------------------------------------------------------

Choice = tuple[str, str, str]   # (key, text_zh, text_en)


@dataclass(frozen=True)
class Question:
    id: str
    lesson_id: str
    text_zh: str
    text_en: str
    choices: tuple[Choice, ...]
    answer: frozenset[str]       # more than one key: multi-select, all and only these are right
    explanation_zh: str

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c[0] for c in self.choices)

    @property
    def multi(self) -> bool:
        return len(self.answer) > 1


def _question(doc: dict) -> Question:
    try:
        q = Question(doc["id"], doc["lesson"], doc["text_zh"], doc["text_en"],
                     tuple((c["key"], c["zh"], c["en"]) for c in doc["choices"]),
                     frozenset(doc["answer"]), doc["explanation_zh"])
    except KeyError as exc:
        raise ContentError(f"questions.toml: question {doc.get('id', '?')} lacks {exc}") \
            from None
    if q.lesson_id not in LESSONS_BY_ID:
        raise ContentError(f"questions.toml: {q.id} names no lesson {q.lesson_id!r}")
    if not q.answer or not q.answer <= set(q.keys) or len(set(q.keys)) != len(q.keys):
        raise ContentError(f"questions.toml: {q.id}: answers must be among its distinct keys")
    return q


QUESTIONS: tuple[Question, ...] = tuple(_question(d) for d in
                                        _toml("training", "questions.toml")["question"])
QUESTIONS_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
if len(QUESTIONS_BY_ID) != len(QUESTIONS):
    raise ContentError("questions.toml: question ids must be unique")
if {q.lesson_id for q in QUESTIONS} != set(LESSONS_BY_ID):
    raise ContentError("questions.toml: every lesson needs at least one question")


# --------------------------------------------------------------------------------------------
# Quiz
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    correct: bool
    given: frozenset[str]
    answer: frozenset[str]
    explanation_zh: str


@dataclass(frozen=True)
class QuizResult:
    score: float                          # fraction correct, 0.0 … 1.0
    passed: bool
    correct_count: int
    total: int
    pass_mark: float
    items: tuple[QuestionResult, ...]     # in the order the questions were given

    @property
    def wrong(self) -> tuple[QuestionResult, ...]:
        return tuple(i for i in self.items if not i.correct)


def draw_quiz(seed: int, size: int = QUIZ_SIZE,
              questions: Sequence[Question] = QUESTIONS) -> list[Question]:
    """Draw ``size`` distinct questions, the same ones for the same seed.

    Lessons are taken round-robin (in a seeded order), one random question each, so a quiz
    covers min(size, number of lessons) lessons. Raises ``ValueError`` when ``size`` is not
    between 1 and the number of questions.
    """
    pool = list(questions)
    if not 1 <= size <= len(pool):
        raise ValueError(f"quiz size must be between 1 and {len(pool)}, got {size}")
    rng = random.Random(seed)
    by_lesson: dict[str, list[Question]] = {}
    for q in pool:
        by_lesson.setdefault(q.lesson_id, []).append(q)
    order = sorted(by_lesson)
    rng.shuffle(order)
    for lesson_id in order:
        rng.shuffle(by_lesson[lesson_id])
    drawn: list[Question] = []
    while len(drawn) < size:
        for lesson_id in order:
            if by_lesson[lesson_id] and len(drawn) < size:
                drawn.append(by_lesson[lesson_id].pop())
    rng.shuffle(drawn)
    return drawn



class QuizInvalid(Invalid, ValueError):
    """Answers or a signature that cannot be taken as given (the API and the console catch
    ValueError); the other ValueErrors here are mistakes of the calling code."""

def grade(questions: list[Question], answers: Mapping[str, Iterable[str]],
          pass_mark: float = PASS_MARK) -> QuizResult:
    """Grade a quiz. An answer is right only when its keys equal the answer set exactly.

    Unanswered questions count as wrong. An answer for a question that is not in the quiz, a
    choice key the question does not offer, an empty or repeated question list: ``ValueError``.
    """
    if not questions:
        raise ValueError("no questions to grade")
    if not 0.0 <= pass_mark <= 1.0:
        raise ValueError(f"pass mark must be between 0 and 1, got {pass_mark}")
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError("a question appears twice in the quiz")
    unknown = set(answers) - set(ids)
    if unknown:
        raise QuizInvalid("quiz_unknown_questions", ids=sorted(unknown))
    items = []
    for q in questions:
        raw = answers.get(q.id)
        given = frozenset() if raw is None else frozenset(
            [raw] if isinstance(raw, str) else raw)
        bad = given - set(q.keys)
        if bad:
            raise QuizInvalid("quiz_unknown_choices", question=q.id, keys=sorted(bad))
        items.append(QuestionResult(q.id, given == q.answer, given, q.answer, q.explanation_zh))
    correct = sum(i.correct for i in items)
    total = len(items)
    mark = Fraction(str(pass_mark))   # exact: 8/10 against 0.8 must pass
    return QuizResult(
        score=correct / total,
        passed=Fraction(correct, total) >= mark,
        correct_count=correct,
        total=total,
        pass_mark=pass_mark,
        items=tuple(items),
    )


def training_expires_on(passed_on: _dt.date,
                        valid_days: int = TRAINING_VALID_DAYS) -> _dt.date:
    """Last day a training passed on ``passed_on`` still counts."""
    if valid_days < 1:
        raise ValueError("valid_days must be at least 1")
    return passed_on + _dt.timedelta(days=valid_days - 1)


def training_is_current(passed_on: _dt.date | None, today: _dt.date,
                        valid_days: int = TRAINING_VALID_DAYS) -> bool:
    """True when a pass on ``passed_on`` covers ``today`` (no record: False)."""
    if passed_on is None or passed_on > today:
        return False
    return today <= training_expires_on(passed_on, valid_days)


# --------------------------------------------------------------------------------------------
# Confidentiality agreement (保密协议)
# --------------------------------------------------------------------------------------------

NDA_PLACEHOLDERS = ("{name}", "{username}", "{date}")


def nda_text_hash(version_text: str) -> str:
    """SHA-256 hex digest of the exact UTF-8 text (no normalisation)."""
    return hashlib.sha256(version_text.encode("utf-8")).hexdigest()


def _nda_versions() -> dict[str, str]:
    """version → SHA-256 of its Chinese text, checked against the files."""
    out: dict[str, str] = {}
    for v in _toml("nda", "versions.toml")["version"]:
        text = _read("nda", f"{v['id']}.zh.md")
        if nda_text_hash(text) != v["sha256"]:
            raise ContentError(f"nda/{v['id']}.zh.md no longer matches its recorded SHA-256: "
                               "a signed text must never change; publish a new version")
        if not all(p in text for p in NDA_PLACEHOLDERS):
            raise ContentError(f"nda/{v['id']}.zh.md lacks a placeholder {NDA_PLACEHOLDERS}")
        out[v["id"]] = v["sha256"]
    return out


NDA_VERSIONS: dict[str, str] = _nda_versions()
NDA_VERSION: str = list(NDA_VERSIONS)[-1]          # the newest is the one staff sign now


def nda_text(version: str = NDA_VERSION, lang: str = "zh") -> str:
    """The text of any version ever offered (a signature's evidence), Chinese or English."""
    if version not in NDA_VERSIONS:
        raise KeyError(f"no confidentiality undertaking version {version!r}")
    return _read("nda", f"{version}.{'en' if lang == 'en' else 'zh'}.md")


NDA_TEXT_ZH = nda_text(NDA_VERSION)
NDA_TEXT_EN = nda_text(NDA_VERSION, "en")
NDA_TEXT_SHA256 = NDA_VERSIONS[NDA_VERSION]


def nda_is_current(signed_version: str | None, signed_hash: str | None) -> bool:
    """True when a signature was made on this exact version of the text."""
    return signed_version == NDA_VERSION and signed_hash == NDA_TEXT_SHA256


def _clean_field(label: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise QuizInvalid("nda_field_empty", field=label)
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise QuizInvalid("nda_field_invisible", field=label)
    return value


def render_nda(name: str, username: str, date: _dt.date | str,
               template: str = NDA_TEXT_ZH) -> str:
    """The undertaking filled in for one signer; ``date`` as a date (shown 2026年11月3日) or text."""
    if isinstance(date, _dt.date):
        date_text = f"{date.year}年{date.month}月{date.day}日"
    else:
        date_text = _clean_field("date", date)
    values = {
        "{name}": _clean_field("name", name),
        "{username}": _clean_field("username", username),
        "{date}": date_text,
    }
    # One pass over the template, so a value that itself contains "{date}" stays as written.
    out: list[str] = []
    i = 0
    while i < len(template):
        for token, value in values.items():
            if template.startswith(token, i):
                out.append(value)
                i += len(token)
                break
        else:
            out.append(template[i])
            i += 1
    return "".join(out)
