"""The same recognizers expressed in Presidio, as the baseline that ``bench`` compares against.

Presidio has no Chinese recognizers and its NLP engines need a downloaded model (spaCy, Stanza,
transformers). We configure ``AnalyzerEngine`` with ``NoOpNlpEngine`` — no model, no download —
and a registry holding only ``PatternRecognizer``s built from *our* regexes, one per type:

* the digit patterns, the plate, e-mail and address patterns are the ones ``numbers`` and
  ``address`` use, in their stand-alone form (left boundary as a lookbehind);
* checks that depend only on the matched text go into ``validate_result`` — the ID checksum and
  birth date, Luhn and card prefix, the digit count of a plate, stop words and masks for names;
* names use variable-length lookbehinds (Presidio's ``regex`` supports them) for the label cue,
  and lookaheads for titles, a following phone/ID, a reporting verb or a chat colon.

What cannot be carried over, and so is the measured difference: ``validate_result`` sees only
the match, so there are no *negative* context words (订单号 before an 11-digit number, 取件码
before ``3-2-1024``), no "an ID-shaped 18-digit number with a bad check digit is not a card",
and the community name before a room is found by a regex rather than by stopping at words like
住在/地址/系. Presidio's own context enhancement cannot stand in: it only raises scores, and with
``NoOpNlpEngine`` it sees no tokens. Text is folded (full-width → ASCII) before ``analyze``
and overlaps between types are resolved with the same priority as ``find`` (``span.resolve``),
so both are scored on the same terms.

Requires ``presidio-analyzer`` (``pip install presidio-analyzer``); ``build_presidio`` raises
``PresidioUnavailable`` with the reason when it cannot be imported or started without a model.
"""

from __future__ import annotations

from typing import Any

from stdnum import luhn

from ownerguard.detect import address, names, numbers
from ownerguard.detect.namedata import (
    COMPOUND_SURNAMES,
    EXTENDED_SURNAMES,
    NEXT_WORD_CHARS,
    REPORT_VERBS,
    STOP_WORDS,
    SURNAMES,
    TITLES,
)
from ownerguard.detect.normalize import fold
from ownerguard.detect.span import Candidate, Span, resolve

LANGUAGE = "zh"
ENTITY = {  # Presidio entity name → our type
    "CN_ID_CARD": "id_card", "CN_BANK_CARD": "bank_card", "CN_PHONE": "phone",
    "CN_PASSPORT": "passport", "EMAIL_ADDRESS": "email", "CN_LICENSE_PLATE": "license_plate",
    "CN_ADDRESS": "address", "CN_PERSON": "person_name",
}


class PresidioUnavailable(RuntimeError):
    """presidio-analyzer is not installed, or cannot run here without downloading a model."""


# -- patterns (stand-alone forms of the ones our recognizers use) -------------------------------

_L = r"(?<![0-9A-Za-z_*])(?<![0-9][.,])"
_R = numbers._R

PHONE = (_L + r"(?:(?:(?:\+|00)86[ -]?|\(\+?86\) ?)?1" + numbers._MOB_REST
         + r"|\(0" + numbers._AREA + r"\) ?" + numbers._LOCAL
         + r"|0" + numbers._AREA + r"[- ]" + numbers._LOCAL + ")" + _R)
ID_CARD = _L + r"(?:[0-9]{17}[0-9Xx]|[0-9]{15}|[0-9]{6} [0-9]{8} [0-9]{3}[0-9Xx])" + _R
BANK_CARD = _L + r"(?:[0-9]{16,19}|[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,3})?)" + _R
PASSPORT = _L + r"(?:[EG][0-9]{8}|E[A-HJ-NP-Z][0-9]{7})" + _R
PASSPORT_CUED = r"(?<=护照(?:号码|号)?[ :：]*)[A-Z]{1,2}[0-9]{6,9}(?![A-Za-z0-9])"
EMAIL = numbers._EMAIL.pattern
PLATE = numbers._PLATE.pattern

_HAN = r"\u4e00-\u9fff"
_STOP = "".join(sorted(address._NAME_STOP - {"\n", "\t", " "})).replace("]", r"\]").replace(
    "[", r"\[")
_COMMUNITY = (rf"(?:(?<![{_HAN}])|(?<=[{_STOP}]))(?:(?![{_STOP}])[{_HAN}]){{1,10}}?"
              rf"(?:{'|'.join(address._SUFFIXES)})")
_ROOM = (rf"(?<![0-9A-Za-z\-.])(?:(?:[0-9]{{1,2}}|[{address._CN}]{{1,3}})期)?"
         rf"(?:{address._BUILDING}{address._FORMS}|{address._DASH})(?![0-9])(?!-[0-9])")
ADDRESS = rf"(?:{_COMMUNITY})?{_ROOM}"

_SUR = "(?:" + "|".join(sorted(COMPOUND_SURNAMES)) + "|[" + "".join(
    sorted(SURNAMES | EXTENDED_SURNAMES)) + "])"
_TITLE = "(?:" + "|".join(TITLES) + ")"
_LABEL = "(?:" + "|".join(names._LABELS) + ")"
_NEXT = "".join(sorted(NEXT_WORD_CHARS))
_NAME = rf"{_SUR}[{_HAN}]{{1,2}}"
NAME_PATTERNS = {
    # 业主张伟 / 联系人：李娜 / 收件人 买买提·艾力 (the name ends before a non-name character)
    "label": (rf"(?<={_LABEL}[ \t]*(?:[:：][ \t]*|是|为|叫)?)(?:[{_HAN}]{{1,6}}·[{_HAN}]{{1,8}}"
              rf"|{_NAME}(?=[^{_HAN}]|$|[{_NEXT}]|{_TITLE}))"),
    # 张先生 / 李娜女士
    "title": rf"{_SUR}[{_HAN}]{{0,2}}?{_TITLE}(?!们)",
    # 张伟 138… / 李娜，身份证… / 王芳说
    "adjacent": (rf"(?:(?<=^)|(?<=[\s，,（(：:；;、】\]]))({_NAME})"
                 rf"(?=[\s，,（(：:]{{1,2}}(?:\+?(?:00)?86|1[3-9]|0[1-9]|[1-6][0-9]{{16}}|身份证|证件号"
                 rf"|手机|电话)|{'|'.join(REPORT_VERBS)})"),
    # 王芳：楼上漏水了
    "speaker": rf"(?:(?<=^)|(?<=\n)|(?<=[\]】] ?)){_NAME}(?=[:：])",
}


def _validate_name(value: str) -> bool:
    if "*" in value or "·" in value:
        return "*" not in value
    return value[:2] not in STOP_WORDS and not names._place_follows(value, 2) and not (
        value[-1] in NEXT_WORD_CHARS and not value.endswith(TITLES))


def _flags() -> int:
    """Presidio's default flags less IGNORECASE: E/G passports and plate letters are upper case."""
    import regex

    return regex.DOTALL | regex.MULTILINE


def build_presidio(names: bool = True) -> Any:
    """An ``AnalyzerEngine`` with a model-free ``NoOpNlpEngine`` and our recognizers only.

    ``names=False`` leaves out the name patterns and the name model (the structured fast
    path's counterpart). With names, our lexicon name model (``ownerguard.detect.model``) runs
    inside Presidio as an ``EntityRecognizer``, so both sides carry the same model."""
    try:
        from presidio_analyzer import (
            AnalyzerEngine,
            EntityRecognizer,
            Pattern,
            PatternRecognizer,
            RecognizerResult,
        )
        from presidio_analyzer.nlp_engine import NoOpNlpEngine
        from presidio_analyzer.recognizer_registry import RecognizerRegistry
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise PresidioUnavailable(
            f"presidio-analyzer is not installed ({exc}); `pip install presidio-analyzer`"
        ) from exc

    flags = _flags()

    class Recognizer(PatternRecognizer):
        """A PatternRecognizer whose ``validate_result`` is a plain function of the match."""

        def __init__(self, entity: str, patterns: dict[str, str], validate=None) -> None:
            super().__init__(supported_entity=entity, name=f"ownerguard_{entity.lower()}",
                             supported_language=LANGUAGE, global_regex_flags=flags,
                             patterns=[Pattern(n, p, 0.6) for n, p in patterns.items()])
            self._validate = validate

        def validate_result(self, pattern_text: str) -> bool | None:
            return None if self._validate is None else bool(self._validate(pattern_text))

    def id_ok(value: str) -> bool:
        value = value.replace(" ", "")
        return numbers.is_id18(value) or numbers.is_id15(value)

    def card_ok(value: str) -> bool:
        digits = value.replace(" ", "").replace("-", "")
        return luhn.is_valid(digits) and digits.startswith(numbers._CARD_PREFIXES)

    def plate_ok(value: str) -> bool:
        return sum(ch.isdigit() for ch in value[2:]) >= 3

    recognizers = [
        Recognizer("CN_ID_CARD", {"id": ID_CARD}, id_ok),
        Recognizer("CN_BANK_CARD", {"card": BANK_CARD}, card_ok),
        Recognizer("CN_PHONE", {"phone": PHONE}),
        Recognizer("CN_PASSPORT", {"cn": PASSPORT, "cued": PASSPORT_CUED}),
        Recognizer("EMAIL_ADDRESS", {"email": EMAIL}),
        Recognizer("CN_LICENSE_PLATE", {"plate": PLATE}, plate_ok),
        Recognizer("CN_ADDRESS", {"address": ADDRESS}),
    ]
    if names:
        from ownerguard.detect import model

        class NameModel(EntityRecognizer):
            """Our lexicon name model (jieba's dictionary) as a Presidio recognizer."""

            def load(self) -> None:
                model.load()

            def analyze(self, text, entities, nlp_artifacts=None):
                out: list[Candidate] = []
                model.recognize(text, out, [])
                return [RecognizerResult("CN_PERSON", a, b, 0.6) for a, b, _ in out]

        recognizers += [Recognizer("CN_PERSON", NAME_PATTERNS, _validate_name),
                        NameModel(supported_entities=["CN_PERSON"], name="ownerguard_name_model",
                                  supported_language=LANGUAGE)]
    try:
        engine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "none"}])
        registry = RecognizerRegistry(recognizers=recognizers, supported_languages=[LANGUAGE])
        analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine,
                                  supported_languages=[LANGUAGE])
    except Exception as exc:  # pragma: no cover - depends on the installed version
        raise PresidioUnavailable(f"Presidio could not start without a model: {exc}") from exc
    return analyzer


def presidio_find(analyzer: Any, text: str) -> list[Span]:
    """Presidio's findings as ``Span``s, overlaps resolved with ``find``'s priority."""
    # The same length-preserving folding as ``find`` (full-width digits → ASCII): it is input
    # normalisation, not recognition, and without it every ``１３８…`` would be a Presidio miss.
    results = analyzer.analyze(text=fold(text), language=LANGUAGE, regex_flags=_flags())
    candidates: list[Candidate] = [(r.start, r.end, ENTITY[r.entity_type]) for r in results]
    return resolve(candidates, text)
