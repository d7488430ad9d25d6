"""The built-in questionnaires, in Chinese and English, created at start-up when missing
(``templates.ensure_builtins``): post-service (CSAT + NPS), post-complaint, the annual
relationship survey (SERVQUAL: five dimensions, expectation and perception) and the staff
performance questionnaire (绩效评价问卷表). An installation changes one by publishing a new
version; the built-in content is only the first version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from survey.questions import SERVQUAL_DIMENSIONS, Question


@dataclass(frozen=True)
class BuiltinTemplate:
    key: str
    kind: str
    name_zh: str
    name_en: str
    questions: list[dict[str, Any]]

    def parsed(self) -> list[Question]:
        return [Question.model_validate(q) for q in self.questions]


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _rating(qid: str, zh: str, en: str, dimension: str, **kw: Any) -> dict[str, Any]:
    return {"id": qid, "type": "rating_5", "text": _t(zh, en), "dimension": dimension, **kw}


_NPS = {
    "id": "recommend",
    "type": "rating_10",
    "text": _t(
        "您有多大可能向朋友或同事推荐我们？",
        "How likely are you to recommend us to a friend or colleague?",
    ),
    "dimension": "loyalty",
    "measure": "nps",
}
_LOW = ["1", "2", "3"]


def _comment(after: str) -> dict[str, Any]:
    return {
        "id": "improve",
        "type": "text",
        "text": _t("我们哪里做得不够好？", "What should we have done better?"),
        "required": False,
        "show_if": {"question": after, "values": _LOW},
    }


POST_SERVICE = BuiltinTemplate(
    key="post_service",
    kind="post_service",
    name_zh="服务后满意度调查",
    name_en="Post-service satisfaction survey",
    questions=[
        _rating(
            "overall",
            "您对本次服务的总体满意度如何？",
            "How satisfied are you with this service overall?",
            "overall",
            measure="csat",
        ),
        _rating(
            "timeliness",
            "服务人员是否及时响应和到达？",
            "Did we respond and arrive on time?",
            "responsiveness",
        ),
        _rating(
            "skill", "服务人员的专业技能如何？", "How skilled was the technician?", "assurance"
        ),
        _rating(
            "attitude", "服务人员的态度如何？", "How was the technician's attitude?", "empathy"
        ),
        {
            "id": "fixed",
            "type": "single_choice",
            "text": _t("问题是否已经解决？", "Was the problem solved?"),
            "options": [
                {"value": "yes", "label": _t("已解决", "Yes")},
                {"value": "partly", "label": _t("部分解决", "Partly")},
                {"value": "no", "label": _t("未解决", "No")},
            ],
        },
        _NPS,
        _comment("overall"),
    ],
)

POST_COMPLAINT = BuiltinTemplate(
    key="post_complaint",
    kind="post_complaint",
    name_zh="投诉处理满意度调查",
    name_en="Complaint handling satisfaction survey",
    questions=[
        _rating(
            "overall",
            "您对投诉的处理结果满意吗？",
            "How satisfied are you with how your complaint was handled?",
            "overall",
            measure="csat",
        ),
        _rating("speed", "处理速度如何？", "How fast was it handled?", "responsiveness"),
        _rating("fairness", "处理结果是否公平合理？", "Was the outcome fair?", "reliability"),
        _rating(
            "communication",
            "处理过程中的沟通如何？",
            "How was our communication while it was handled?",
            "empathy",
        ),
        {
            "id": "channels",
            "type": "multiple_choice",
            "text": _t("您通过哪些渠道联系过我们？", "How did you contact us?"),
            "required": False,
            "options": [
                {"value": "phone", "label": _t("电话", "Phone")},
                {"value": "online", "label": _t("网上", "Online")},
                {"value": "dealer", "label": _t("经销商", "Dealer")},
                {"value": "visit", "label": _t("上门", "In person")},
            ],
        },
        _NPS,
        _comment("overall"),
    ],
)

_SERVQUAL_TEXT = {
    "tangibles": ("设备、资料和人员形象", "equipment, materials and appearance of staff"),
    "reliability": (
        "按承诺准确可靠地提供服务",
        "performing the promised service dependably and accurately",
    ),
    "responsiveness": ("乐于帮助并及时提供服务", "willingness to help and prompt service"),
    "assurance": ("员工的知识、礼貌和可信赖", "staff knowledge, courtesy and trustworthiness"),
    "empathy": ("关心并给予个别关注", "caring, individual attention"),
}


def _servqual() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for d in SERVQUAL_DIMENSIONS:
        zh, en = _SERVQUAL_TEXT[d]
        out.append(
            _rating(
                f"{d}_expectation",
                f"您期望的水平：{zh}",
                f"What you expect: {en}",
                d,
                aspect="expectation",
            )
        )
        out.append(
            _rating(
                f"{d}_perception",
                f"您实际感受到的水平：{zh}",
                f"What you received: {en}",
                d,
                aspect="perception",
            )
        )
    return out


RELATIONSHIP = BuiltinTemplate(
    key="annual_relationship",
    kind="relationship",
    name_zh="年度客户关系调查（SERVQUAL）",
    name_en="Annual relationship survey (SERVQUAL)",
    questions=[
        *_servqual(),
        _rating(
            "overall",
            "总体而言，您对我们满意吗？",
            "Overall, how satisfied are you with us?",
            "overall",
            measure="csat",
        ),
        _NPS,
        _comment("overall"),
    ],
)

STAFF_PERFORMANCE = BuiltinTemplate(
    key="staff_performance",
    kind="staff_performance",
    name_zh="绩效评价问卷表",
    name_en="Staff performance questionnaire",
    questions=[
        _rating("knowledge", "业务知识", "Product and service knowledge", "knowledge"),
        _rating("attitude", "服务态度", "Attitude", "attitude"),
        _rating("communication", "沟通能力", "Communication", "communication"),
        _rating("problem_solving", "解决问题的能力", "Solving problems", "problem_solving"),
        _rating("punctuality", "守时", "Punctuality", "responsiveness"),
        _rating("overall", "总体评价", "Overall", "overall", measure="csat"),
        {
            "id": "remarks",
            "type": "text",
            "text": _t("其他意见", "Other remarks"),
            "required": False,
        },
    ],
)

BUILTINS: tuple[BuiltinTemplate, ...] = (
    POST_SERVICE,
    POST_COMPLAINT,
    RELATIONSHIP,
    STAFF_PERFORMANCE,
)
