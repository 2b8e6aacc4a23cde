"""A refusal a service explains to a person: a stable code plus what to fix, in zh and en."""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, code: str, zh: str, en: str):
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en
