"""Built-in training, quiz and confidentiality agreement: passing both lifts the masked-only
gate for clear reveals."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from ownerguard.api.deps import current_staff, runtime, uow
from ownerguard.domain import training as content
from ownerguard.errors import Invalid
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["training"])


class QuizAnswers(BaseModel):
    seed: int
    answers: dict[str, list[str]] = Field(max_length=50)


class NdaSign(BaseModel):
    accept: bool
    name: str = Field(min_length=1, max_length=40)


@router.get("/training/lessons")
def lessons() -> dict:
    return {"lessons": [{"id": lesson.id, "title": lesson.title_zh, "title_en": lesson.title_en,
                         "body": lesson.body_zh, "body_en": lesson.body_en,
                         "refs": list(lesson.refs)} for lesson in content.LESSONS]}


@router.get("/training/quiz")
def quiz(who: StaffRecord = Depends(current_staff)) -> dict:
    seed = secrets.randbelow(2**31)
    return {"seed": seed, "pass_mark": content.PASS_MARK, "questions": [
        {"id": q.id, "text": q.text_zh, "text_en": q.text_en, "multi": q.multi,
         "choices": [{"key": k, "text": zh, "text_en": en} for k, zh, en in q.choices]}
        for q in content.draw_quiz(seed)]}


@router.post("/training/quiz")
def submit_quiz(body: QuizAnswers, request: Request, who: StaffRecord = Depends(current_staff),
                unit: UnitOfWork = Depends(uow)) -> dict:
    questions = content.draw_quiz(body.seed)
    result = content.grade(questions, {k: set(v) for k, v in body.answers.items()})
    valid_until = None
    if result.passed:
        valid_until = staff_svc.record_training(runtime(request), unit, who, method="quiz",
                                                actor=who.username, score=float(result.score))
        unit.commit()
    return {"score": float(result.score), "passed": result.passed,
            "valid_until": valid_until.isoformat() if valid_until else None,
            "wrong": [{"id": i.question_id, "explanation": i.explanation_zh}
                      for i in result.wrong]}


@router.get("/nda")
def nda(who: StaffRecord = Depends(current_staff)) -> dict:
    return {"version": content.NDA_VERSION, "text": content.NDA_TEXT_ZH,
            "text_en": content.NDA_TEXT_EN, "sha256": content.NDA_TEXT_SHA256}


@router.post("/nda/sign", status_code=201)
def sign_nda(body: NdaSign, request: Request, who: StaffRecord = Depends(current_staff),
             unit: UnitOfWork = Depends(uow)) -> dict:
    if not body.accept:
        raise Invalid("nda_not_accepted")
    staff_svc.record_nda(runtime(request), unit, who, method="online", actor=who.username)
    unit.commit()
    return {"version": content.NDA_VERSION, "sha256": content.NDA_TEXT_SHA256}
