"""Built-in training content (L8): lessons, quiz, grading and the confidentiality undertaking."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ownerguard.domain import training as t
from ownerguard.domain.legal import REQUIREMENTS
from ownerguard.domain.training import (
    LESSONS,
    LESSONS_BY_ID,
    NDA_TEXT_EN,
    NDA_TEXT_SHA256,
    NDA_TEXT_ZH,
    NDA_VERSION,
    PASS_MARK,
    QUESTIONS,
    QUESTIONS_BY_ID,
    QUIZ_SIZE,
    TRAINING_VALID_DAYS,
    draw_quiz,
    grade,
    nda_is_current,
    nda_text_hash,
    render_nda,
    training_expires_on,
    training_is_current,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _right(q: t.Question) -> set[str]:
    return set(q.answer)


def _wrong(q: t.Question) -> set[str]:
    """A non-empty answer that is not the right one."""
    others = [k for k in q.keys if k not in q.answer]
    return {others[0]}


# --- content integrity ----------------------------------------------------------------------


def test_counts_and_defaults() -> None:
    assert len(LESSONS) >= 7
    assert len(QUESTIONS) >= 20
    assert (QUIZ_SIZE, PASS_MARK, TRAINING_VALID_DAYS) == (10, 0.8, 365)


def test_ids_unique() -> None:
    assert len(LESSONS_BY_ID) == len(LESSONS)
    assert len(QUESTIONS_BY_ID) == len(QUESTIONS)


def test_required_topics_present() -> None:
    titles = " ".join(lesson.title_zh for lesson in LESSONS)
    for topic in ("法律", "最小必要", "脱敏", "第三方", "欠费", "权利", "案例", "泄露"):
        assert topic in titles, topic


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_lesson_is_substantial(lesson: t.Lesson) -> None:
    n = len(CJK.findall(lesson.body_zh))
    assert 150 <= n <= 600, (lesson.id, n)
    assert lesson.title_zh and lesson.title_en and lesson.body_en.strip()
    assert len(lesson.body_en) < len(lesson.body_zh.encode("utf-8"))
    assert lesson.refs and all(re.fullmatch(r"L\d+", r) for r in lesson.refs)


def test_law_lesson_cites_the_digest() -> None:
    assert {"L1", "L2", "L8", "L9", "L24"} <= set(LESSONS_BY_ID["law"].refs)


def test_cases_lesson_names_every_case() -> None:
    body = LESSONS_BY_ID["cases"].body_zh
    for place, who in (("天津", "顾某"), ("雅安", "付某"), ("福州仓山", "林某"),
                       ("浙江", "郑某"), ("广州荔湾", None)):
        assert place in body
        if who:
            assert who in body
    assert "4,500" in body


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.id)
def test_question_well_formed(q: t.Question) -> None:
    keys = q.keys
    assert len(keys) == len(set(keys)) >= 3
    assert q.answer and q.answer <= set(keys), "answer keys must exist among the choices"
    assert q.answer != set(keys), "a question where every choice is right tests nothing"
    assert q.lesson_id in LESSONS_BY_ID
    assert q.text_zh and q.text_en and q.explanation_zh
    assert all(zh and en for _, zh, en in q.choices)
    if q.multi:
        assert "多选" in q.text_zh and "multiple" in q.text_en


def test_every_lesson_has_questions() -> None:
    per_lesson = {lesson.id: 0 for lesson in LESSONS}
    for q in QUESTIONS:
        per_lesson[q.lesson_id] += 1
    assert min(per_lesson.values()) >= 2, per_lesson


def test_scenario_questions_from_the_brief() -> None:
    texts = " ".join(q.text_zh for q in QUESTIONS)
    assert "装修公司经理" in texts
    assert "工单已关闭" in texts
    assert "业主群里催缴" in texts


# --- the legal requirements index (content/legal/requirements.toml) -------------------------


def test_every_lesson_cites_existing_requirements() -> None:
    known = set(REQUIREMENTS)
    assert {"L1", "L26"} <= known
    for lesson in LESSONS:
        assert lesson.refs, lesson.id
        assert set(lesson.refs) <= known, (lesson.id, set(lesson.refs) - known)


def test_no_invented_article_numbers() -> None:
    """Every 第N条 in the texts is an article the requirements index cites."""
    allowed = set().union(*(r.article_numbers() for r in REQUIREMENTS.values()))
    texts = [lesson.body_zh for lesson in LESSONS]
    texts += [q.text_zh + q.explanation_zh for q in QUESTIONS]
    texts += [zh for q in QUESTIONS for _, zh, _ in q.choices]
    texts.append(NDA_TEXT_ZH)
    cited = {int(n) for text in texts for n in re.findall(r"第(\d+)条", text)}
    assert cited, "expected some article citations"
    assert cited <= allowed, sorted(cited - allowed)


def test_requirements_index_is_complete() -> None:
    assert list(REQUIREMENTS) == [f"L{n}" for n in range(1, 27)]
    assert all(r.zh and r.en and r.articles for r in REQUIREMENTS.values())
    assert 57 in REQUIREMENTS["L21"].article_numbers()
    assert {14, 15, 16} <= REQUIREMENTS["L4"].article_numbers()


# --- drawing a quiz -------------------------------------------------------------------------


def test_draw_is_deterministic_per_seed() -> None:
    for seed in range(20):
        a = [q.id for q in draw_quiz(seed)]
        assert a == [q.id for q in draw_quiz(seed)]
        assert len(a) == QUIZ_SIZE


def test_draw_differs_across_seeds() -> None:
    drawn = {tuple(q.id for q in draw_quiz(seed)) for seed in range(20)}
    assert len(drawn) > 10


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 42, 2026, -5, 10**12])
def test_draw_without_duplicates_and_covering_lessons(seed: int) -> None:
    quiz = draw_quiz(seed)
    ids = [q.id for q in quiz]
    assert len(ids) == len(set(ids))
    lessons = {q.lesson_id for q in quiz}
    assert len(lessons) >= 5
    assert len(lessons) == min(QUIZ_SIZE, len(LESSONS))  # as many lessons as possible


def test_draw_other_sizes() -> None:
    assert len({q.lesson_id for q in draw_quiz(3, size=5)}) == 5
    everything = draw_quiz(3, size=len(QUESTIONS))
    assert {q.id for q in everything} == set(QUESTIONS_BY_ID)
    for bad in (0, -1, len(QUESTIONS) + 1):
        with pytest.raises(ValueError):
            draw_quiz(3, size=bad)


# --- grading --------------------------------------------------------------------------------


def test_all_correct_passes() -> None:
    quiz = draw_quiz(11)
    result = grade(quiz, {q.id: _right(q) for q in quiz})
    assert result.passed and result.score == 1.0
    assert result.correct_count == result.total == QUIZ_SIZE
    assert all(i.correct for i in result.items)
    assert [i.question_id for i in result.items] == [q.id for q in quiz]
    assert all(i.explanation_zh for i in result.items)


def test_seven_of_ten_fails_eight_passes() -> None:
    quiz = draw_quiz(12)
    answers = {q.id: (_right(q) if n < 7 else _wrong(q)) for n, q in enumerate(quiz)}
    result = grade(quiz, answers)
    assert result.score == pytest.approx(0.7)
    assert not result.passed
    assert len(result.wrong) == 3
    answers[quiz[7].id] = _right(quiz[7])
    result = grade(quiz, answers)
    assert result.score == pytest.approx(0.8) and result.passed


def test_pass_mark_is_configurable() -> None:
    quiz = draw_quiz(13)
    answers = {q.id: (_right(q) if n < 9 else _wrong(q)) for n, q in enumerate(quiz)}
    assert grade(quiz, answers).passed
    assert not grade(quiz, answers, pass_mark=1.0).passed
    with pytest.raises(ValueError):
        grade(quiz, answers, pass_mark=1.5)


def test_unanswered_counts_wrong() -> None:
    quiz = draw_quiz(14)
    answers = {q.id: _right(q) for q in quiz[:8]}
    result = grade(quiz, answers)
    assert result.correct_count == 8 and result.passed
    for item in result.items[8:]:
        assert not item.correct and item.given == frozenset()
    result = grade(quiz, {q.id: _right(q) for q in quiz[:7]} | {quiz[7].id: set()})
    assert result.correct_count == 7 and not result.passed
    assert grade(quiz, {}).score == 0.0


def test_multi_select_must_match_exactly() -> None:
    q = next(q for q in QUESTIONS if len(q.answer) >= 2)
    wrong_key = next(k for k in q.keys if k not in q.answer)
    assert grade([q], {q.id: set(q.answer)}).passed
    subset = set(sorted(q.answer)[:-1])
    assert not grade([q], {q.id: subset}).items[0].correct
    assert not grade([q], {q.id: set(q.answer) | {wrong_key}}).items[0].correct
    assert not grade([q], {q.id: set(q.keys)}).items[0].correct


def test_single_answer_as_plain_string() -> None:
    q = next(q for q in QUESTIONS if len(q.answer) == 1)
    (key,) = q.answer
    assert grade([q], {q.id: key}).passed


def test_unknown_question_id_is_an_error() -> None:
    quiz = draw_quiz(15)
    outsider = next(q for q in QUESTIONS if q not in quiz)
    with pytest.raises(ValueError):
        grade(quiz, {outsider.id: _right(outsider)})
    with pytest.raises(ValueError):
        grade(quiz, {"no-such-question": {"A"}})


def test_bad_input_is_an_error() -> None:
    quiz = draw_quiz(16)
    with pytest.raises(ValueError):
        grade(quiz, {quiz[0].id: {"Z"}})
    with pytest.raises(ValueError):
        grade([], {})
    with pytest.raises(ValueError):
        grade([quiz[0], quiz[0]], {})


# --- training validity ----------------------------------------------------------------------


def test_training_validity_window() -> None:
    passed = dt.date(2026, 1, 10)
    assert training_expires_on(passed) == dt.date(2027, 1, 9)
    assert training_is_current(passed, dt.date(2026, 1, 10))
    assert training_is_current(passed, dt.date(2027, 1, 9))
    assert not training_is_current(passed, dt.date(2027, 1, 10))
    assert not training_is_current(None, dt.date(2026, 1, 10))
    assert not training_is_current(passed, dt.date(2026, 1, 9))  # passed in the future
    assert not training_is_current(passed, dt.date(2026, 2, 10), valid_days=30)


# --- the confidentiality undertaking --------------------------------------------------------


def test_nda_content() -> None:
    assert NDA_VERSION == "2026-11" and NDA_VERSION in NDA_TEXT_ZH and NDA_VERSION in NDA_TEXT_EN
    for phrase in ("保密信息的范围", "微信群", "第三方", "报告", "离职后", "第1038条",
                   "个人信息保护法", "侵犯公民个人信息罪", "2017", "第5条"):
        assert phrase in NDA_TEXT_ZH, phrase
    for placeholder in ("{name}", "{username}", "{date}"):
        assert placeholder in NDA_TEXT_ZH and placeholder in NDA_TEXT_EN
    braces = re.findall(r"\{[^}]*\}", NDA_TEXT_ZH)
    assert set(braces) == {"{name}", "{username}", "{date}"}


def test_nda_hash_stable_and_sensitive() -> None:
    h = nda_text_hash(NDA_TEXT_ZH)
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    assert h == nda_text_hash(NDA_TEXT_ZH) == NDA_TEXT_SHA256
    assert nda_text_hash("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert nda_text_hash(NDA_TEXT_ZH + " ") != h
    assert nda_text_hash(NDA_TEXT_ZH.replace("离职后", "离职前")) != h
    assert nda_is_current(NDA_VERSION, h)
    assert not nda_is_current("2025-01", h)
    assert not nda_is_current(NDA_VERSION, nda_text_hash("old text"))
    assert not nda_is_current(None, None)


def test_render_nda_fills_placeholders() -> None:
    text = render_nda("张三", "zhangsan", dt.date(2026, 11, 3))
    assert "{name}" not in text and "{username}" not in text and "{date}" not in text
    assert "承诺人：张三（系统账号：zhangsan）" in text
    assert "签署日期：2026年11月3日" in text
    assert text.count("张三") == 2
    assert render_nda("李四", "lisi", "2026-11-03").count("2026-11-03") == 1


def test_render_nda_keeps_values_literal_and_rejects_junk() -> None:
    text = render_nda("{date}", "u1", "2026-11-03")
    assert "承诺人：{date}（系统账号：u1）" in text
    for name, user in (("", "u"), ("  ", "u"), ("张三", ""), ("张三\n签署日期：1999", "u"),
                       ("张\u200b三", "u")):
        with pytest.raises(ValueError):
            render_nda(name, user, "2026-11-03")
