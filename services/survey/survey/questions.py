"""Questions of a questionnaire and the answers they accept (pure rules, no I/O).

A question is rating 1-5, rating 0-10, single choice, multiple choice or free text,
required or optional, and may be shown only when an earlier answer matches
(``show_if``). Rating questions carry a quality dimension; SERVQUAL questions say whether
they ask the customer's expectation or perception; one rating may be the CSAT question
(1-5) and one the NPS question (0-10).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kefu_shared.errors import InvalidInput

QuestionType = Literal["rating_5", "rating_10", "single_choice", "multiple_choice", "text"]
RATING_RANGES: dict[str, tuple[int, int]] = {"rating_5": (1, 5), "rating_10": (0, 10)}
SERVQUAL_DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
MAX_TEXT = 4000


class Text(BaseModel):
    """A label in both languages the users read."""

    model_config = ConfigDict(extra="forbid")
    zh: str = Field(min_length=1, max_length=500)
    en: str = Field(min_length=1, max_length=500)


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str = Field(min_length=1, max_length=64)
    label: Text


class ShowIf(BaseModel):
    """Show the question only when the earlier ``question``'s answer is one of ``values``
    (for a multiple choice: when one of its chosen options is)."""

    model_config = ConfigDict(extra="forbid")
    question: str
    values: list[str | int] = Field(min_length=1, max_length=50)


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    type: QuestionType
    text: Text
    required: bool = True
    options: list[Option] = Field(default_factory=list, max_length=50)
    # Rating questions: the quality dimension they measure (reliability, attitude, ...).
    dimension: str | None = Field(None, max_length=40, pattern=r"^[a-z0-9_]+$")
    # SERVQUAL: "expectation" or "perception" of the dimension.
    aspect: Literal["expectation", "perception"] | None = None
    # The question the CSAT (a rating_5) or the NPS (a rating_10) is read from.
    measure: Literal["csat", "nps"] | None = None
    show_if: ShowIf | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        choice = self.type in ("single_choice", "multiple_choice")
        if choice and len(self.options) < 2:
            raise ValueError(f"question {self.id}: a choice needs at least two options")
        if not choice and self.options:
            raise ValueError(f"question {self.id}: only choice questions have options")
        if len({o.value for o in self.options}) != len(self.options):
            raise ValueError(f"question {self.id}: option values repeat")
        rating = self.type in RATING_RANGES
        if not rating and (self.dimension or self.aspect or self.measure):
            raise ValueError(f"question {self.id}: only ratings carry dimension/aspect/measure")
        if rating and not self.dimension:
            raise ValueError(f"question {self.id}: a rating question is tagged with a dimension")
        if self.aspect and self.type != "rating_5":
            raise ValueError(f"question {self.id}: SERVQUAL aspects are rated 1-5")
        if self.measure == "csat" and self.type != "rating_5":
            raise ValueError(f"question {self.id}: the CSAT question is rated 1-5")
        if self.measure == "nps" and self.type != "rating_10":
            raise ValueError(f"question {self.id}: the NPS question is rated 0-10")
        return self


def check_questionnaire(questions: Sequence[Question]) -> None:
    """Refuse a questionnaire whose parts do not fit together (422 naming the question)."""
    errors: list[dict[str, str]] = []
    if not questions:
        errors.append({"field": "questions", "message": "at least one question"})
    seen: dict[str, Question] = {}
    for i, q in enumerate(questions):
        where = f"questions[{i}]"
        if q.id in seen:
            errors.append({"field": f"{where}.id", "message": f"{q.id} repeats"})
        if q.show_if is not None:
            earlier = seen.get(q.show_if.question)
            if earlier is None:
                errors.append(
                    {"field": f"{where}.show_if", "message": "must name an earlier question"}
                )
            elif earlier.type == "text":
                errors.append(
                    {"field": f"{where}.show_if", "message": "cannot depend on a free text"}
                )
        seen[q.id] = q
    for measure in ("csat", "nps"):
        if sum(1 for q in questions if q.measure == measure) > 1:
            errors.append({"field": "questions", "message": f"more than one {measure} question"})
    if errors:
        raise InvalidInput("the questionnaire is not valid", errors=errors)


def _matches(answer: Any, values: Sequence[str | int]) -> bool:
    wanted = {str(v) for v in values}
    if isinstance(answer, list):
        return any(str(a) in wanted for a in answer)
    return answer is not None and str(answer) in wanted


def shown_questions(questions: Sequence[Question], answers: Mapping[str, Any]) -> list[Question]:
    """The questions the customer is shown for these answers (skip logic, in order): a
    question whose condition names a hidden question is hidden too."""
    shown: list[Question] = []
    visible: set[str] = set()
    for q in questions:
        cond = q.show_if
        if cond is None or (
            cond.question in visible and _matches(answers.get(cond.question), cond.values)
        ):
            shown.append(q)
            visible.add(q.id)
    return shown


def _check_answer(q: Question, value: Any) -> str | None:
    """Why ``value`` is not an answer to ``q`` (None when it is)."""
    if q.type in RATING_RANGES:
        low, high = RATING_RANGES[q.type]
        if isinstance(value, bool) or not isinstance(value, int):
            return f"a whole number from {low} to {high}"
        if not low <= value <= high:
            return f"between {low} and {high}"
        return None
    allowed = {o.value for o in q.options}
    if q.type == "single_choice":
        if not isinstance(value, str) or value not in allowed:
            return f"one of {sorted(allowed)}"
        return None
    if q.type == "multiple_choice":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            return "a non-empty list of options"
        if len(set(value)) != len(value):
            return "an option is chosen twice"
        unknown = sorted(set(value) - allowed)
        if unknown:
            return f"unknown options {unknown}; one or more of {sorted(allowed)}"
        return None
    if not isinstance(value, str):
        return "text"
    if len(value) > MAX_TEXT:
        return f"at most {MAX_TEXT} characters"
    return None


def validate_answers(questions: Sequence[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as kept: every shown required question answered, every answer valid for
    its question, nothing for a hidden or unknown question. Raises 422 naming each field."""
    errors: list[dict[str, str]] = []
    known = {q.id for q in questions}
    for qid in answers:
        if qid not in known:
            errors.append({"field": f"answers.{qid}", "message": "no such question"})
    shown = shown_questions(questions, answers)
    shown_ids = {q.id for q in shown}
    kept: dict[str, Any] = {}
    for q in questions:
        value = answers.get(q.id)
        if isinstance(value, str) and q.type == "text":
            value = value.strip() or None
        if q.id not in shown_ids:
            if value is not None:
                errors.append(
                    {"field": f"answers.{q.id}", "message": "not asked for these answers"}
                )
            continue
        if value is None:
            if q.required:
                errors.append({"field": f"answers.{q.id}", "message": "required"})
            continue
        problem = _check_answer(q, value)
        if problem is not None:
            errors.append({"field": f"answers.{q.id}", "message": problem})
            continue
        kept[q.id] = value
    if errors:
        raise InvalidInput("the answers are not valid", errors=errors)
    return kept
