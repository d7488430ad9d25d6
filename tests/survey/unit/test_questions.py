"""Every question type's validation and the skip logic."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kefu_shared.errors import InvalidInput
from survey.builtins import BUILTINS
from survey.questions import Question, check_questionnaire, shown_questions, validate_answers

T = {"zh": "题", "en": "Q"}


def q(qid: str, type_: str, **kw: Any) -> Question:
    if type_ in ("rating_5", "rating_10"):
        kw.setdefault("dimension", "overall")
    if type_ in ("single_choice", "multiple_choice"):
        kw.setdefault("options", [{"value": v, "label": T} for v in ("a", "b", "c")])
    return Question.model_validate({"id": qid, "type": type_, "text": T, **kw})


def fields(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in exc.value.extensions["errors"]}


@pytest.mark.parametrize(
    ("type_", "good", "bad"),
    [
        ("rating_5", [1, 5], [0, 6, 3.5, "4", True]),
        ("rating_10", [0, 10], [-1, 11, "9"]),
        ("single_choice", ["a", "c"], ["d", ["a"], 1]),
        ("multiple_choice", [["a"], ["a", "c"]], [[], ["a", "a"], ["z"], "a"]),
        ("text", ["fine", "x" * 4000], ["x" * 4001, 5]),
    ],
)
def test_each_question_type_accepts_its_answers_and_refuses_the_rest(
    type_: str, good: list[Any], bad: list[Any]
) -> None:
    questions = [q("q1", type_)]
    for value in good:
        assert validate_answers(questions, {"q1": value}) == {"q1": value}
    for value in bad:
        with pytest.raises(InvalidInput) as exc:
            validate_answers(questions, {"q1": value})
        assert "answers.q1" in fields(exc)


def test_required_question_must_be_answered_and_optional_may_be_left_out() -> None:
    questions = [q("need", "rating_5"), q("maybe", "text", required=False)]
    with pytest.raises(InvalidInput) as exc:
        validate_answers(questions, {"maybe": "hi"})
    assert fields(exc) == {"answers.need": "required"}
    assert validate_answers(questions, {"need": 3}) == {"need": 3}
    # blank text counts as not answered
    assert validate_answers(questions, {"need": 3, "maybe": "   "}) == {"need": 3}


def test_unknown_question_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_answers([q("q1", "rating_5")], {"q1": 4, "q9": 1})
    assert fields(exc) == {"answers.q9": "no such question"}


def test_skip_logic_shows_a_question_only_when_the_earlier_answer_matches() -> None:
    questions = [
        q("overall", "rating_5"),
        q("why", "text", show_if={"question": "overall", "values": [1, 2]}),
        q("which", "multiple_choice", required=False),
        q("detail", "text", show_if={"question": "which", "values": ["b"]}),
    ]
    shown = [x.id for x in shown_questions(questions, {"overall": 2, "which": ["a", "b"]})]
    assert shown == ["overall", "why", "which", "detail"]
    shown = [x.id for x in shown_questions(questions, {"overall": 5})]
    assert shown == ["overall", "which"]
    # the hidden required question need not be answered ...
    assert validate_answers(questions, {"overall": 5}) == {"overall": 5}
    # ... the shown one must ...
    with pytest.raises(InvalidInput) as exc:
        validate_answers(questions, {"overall": 1})
    assert fields(exc) == {"answers.why": "required"}
    # ... and an answer to a hidden question is refused
    with pytest.raises(InvalidInput) as exc:
        validate_answers(questions, {"overall": 5, "why": "nothing"})
    assert fields(exc) == {"answers.why": "not asked for these answers"}


def test_a_question_depending_on_a_hidden_one_is_hidden_too() -> None:
    questions = [
        q("a", "rating_5"),
        q("b", "single_choice", show_if={"question": "a", "values": [1]}),
        q("c", "text", show_if={"question": "b", "values": ["a"]}),
    ]
    assert [x.id for x in shown_questions(questions, {"a": 5, "b": "a"})] == ["a"]


def test_questionnaire_rules() -> None:
    with pytest.raises(InvalidInput) as exc:
        check_questionnaire(
            [
                q("a", "text", show_if={"question": "b", "values": ["x"]}),
                q("b", "rating_5"),
                q("b", "rating_5"),
            ]
        )
    assert set(fields(exc)) == {"questions[0].show_if", "questions[2].id"}
    with pytest.raises(ValidationError):
        q("r", "rating_5", dimension=None)  # ratings are tagged with a dimension
    with pytest.raises(ValidationError):
        q("n", "rating_5", measure="nps")  # NPS is asked 0-10
    with pytest.raises(ValidationError):
        q("s", "single_choice", options=[{"value": "a", "label": T}])


def test_builtin_questionnaires_are_valid_and_bilingual() -> None:
    keys = {b.key for b in BUILTINS}
    assert keys == {"post_service", "post_complaint", "annual_relationship", "staff_performance"}
    for builtin in BUILTINS:
        questions = builtin.parsed()
        check_questionnaire(questions)
        assert all(x.text.zh and x.text.en for x in questions)
    relationship = next(b for b in BUILTINS if b.kind == "relationship").parsed()
    aspects = {(x.dimension, x.aspect) for x in relationship if x.aspect}
    assert len(aspects) == 10  # five SERVQUAL dimensions x expectation/perception
