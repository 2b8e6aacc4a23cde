"""Training, the quiz and the confidentiality agreement."""

from __future__ import annotations

import secrets
from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ownerguard import clock
from ownerguard.domain import training as content
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.web.console.frame import PREFIX, Console, ConsoleRoute, console, redirect

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _today() -> date:
    return clock.today()


def _nda_text(who: staff_svc.StaffRecord) -> str:
    try:
        return content.render_nda(who.display_name, who.username, _today())
    except ValueError:      # a display name the template refuses: show the blank form
        return content.NDA_TEXT_ZH


def _training_page(c: Console, *, status: int = 200, result=None, result_date=None,
                   error: str | None = None, nda_error: str | None = None) -> HTMLResponse:
    seed = secrets.randbelow(2**31)
    questions = content.draw_quiz(seed)
    wrong = []
    if result is not None:
        by_id = content.QUESTIONS_BY_ID
        wrong = [(by_id[i.question_id], i) for i in result.wrong]
    return c.page("training.html", status=status, lessons=content.LESSONS, seed=seed,
                  questions=questions, pass_pct=round(content.PASS_MARK * 100),
                  nda_text=_nda_text(c.who), nda_text_en=content.NDA_TEXT_EN,
                  nda_version=content.NDA_VERSION, result=result, result_date=result_date,
                  wrong=wrong, error=error, nda_error=nda_error)


@router.get("/training")
def training(request: Request) -> Response:
    with console(request) as c:
        return c.done(_training_page(c))


@router.post("/training/quiz")
def submit_quiz(request: Request, seed: str = Form(""), answers: list[str] = Form([]),
                csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        if not seed.isdigit() or int(seed) >= 2**31 or len(answers) > 200:
            return _training_page(c, status=422, error="quiz_bad")
        given: dict[str, set[str]] = {}
        for item in answers:
            qid, _, key = item.partition(":")
            given.setdefault(qid, set()).add(key)
        try:
            result = content.grade(content.draw_quiz(int(seed)), given)
        except ValueError:
            return _training_page(c, status=422, error="quiz_bad")
        until = None
        if result.passed:
            until = staff_svc.record_training(c.rt, c.unit, c.who, method="quiz",
                                              actor=c.who.username, score=float(result.score))
            c.__dict__.pop("header", None)      # the header shows the new status
        return c.done(_training_page(c, result=result, result_date=until.astimezone(
            clock.LOCAL).date().isoformat() if until else None))


@router.post("/training/nda")
def sign_nda(request: Request, accept: str = Form(""), name: str = Form(""),
             csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        name = name.strip()
        if accept != "on" or not name or len(name) > 40 or not name.isprintable():
            return _training_page(c, status=422, nda_error="nda_need_accept")
        staff_svc.record_nda(c.rt, c.unit, c.who, method="online", actor=c.who.username)
        c.unit.commit()
        return redirect(request, f"{PREFIX}/training", msg="nda_done")
