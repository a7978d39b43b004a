"""Failures the user can act on, with the contract's error codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_DATE_RANGE = "INVALID_DATE_RANGE"
    MISMATCHED_SCHOOL = "MISMATCHED_SCHOOL"
    INVALID_STATE = "INVALID_STATE"
    PREVIEW_REQUIRED = "PREVIEW_REQUIRED"
    PREVIEW_STALE = "PREVIEW_STALE"
    NOTHING_TO_BILL = "NOTHING_TO_BILL"
    DUPLICATE = "DUPLICATE"
    EXCEEDS_BALANCE = "EXCEEDS_BALANCE"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request; `field` is the path to the input at fault."""

    code: ErrorCode
    message: str
    field: tuple[str, ...] | None = None


class DomainError(Exception):
    """A refusal the user can act on; nothing was written."""

    def __init__(
        self,
        code: ErrorCode | Sequence[Problem],
        message: str = "",
        field: Sequence[str] | None = None,
    ) -> None:
        if isinstance(code, ErrorCode):
            problems: list[Problem] = [
                Problem(code, message, tuple(field) if field is not None else None)
            ]
        else:
            problems = list(code)
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

    @property
    def code(self) -> ErrorCode:
        return self.problems[0].code


def not_found(what: str, field: Sequence[str] | None = None) -> DomainError:
    """The same answer for a missing id and one the caller may not see."""
    return DomainError(ErrorCode.NOT_FOUND, f"{what} not found.", field)


class Problems:
    """Collects every problem of an input so that the user sees them all at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, code: ErrorCode, message: str, *field: str) -> None:
        self.items.append(Problem(code, message, tuple(field) if field else None))

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)
