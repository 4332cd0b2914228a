"""Engine refusals as stable codes with parameters; Chinese by default, translatable outside.

The engine must not import Django, so a refusal carries a ``code`` and its ``params`` and renders
itself in Chinese from ``MESSAGES`` (the engine used alone, the command line, stored run errors).
``jiuzhu.policy.messages`` maps the same codes to gettext strings with the same ``%(name)s``
placeholders, and every page, form and API shows engine refusals through it.

A refusal may sit inside locations (``where``, outermost first): a field path kept as written
(``members[0].birth_date``) or a located message (``项目 dibao 条件 income_low``, ``第 5 个字符处``);
the rendering joins them with ": " before the refusal itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# code → Chinese template. Locations start with ``where_``, type and operator names with
# ``type_`` / ``op_``; the rest are refusals.
MESSAGES: dict[str, str] = {
    # locations
    "where_position": "第 %(column)s 个字符处",
    "where_programme": "项目 %(code)s",
    "where_programme_field": "项目 %(code)s.%(field)s",
    "where_condition": "项目 %(code)s 条件 %(name)s",
    "where_amount": "项目 %(code)s 金额公式",
    "where_beneficiaries": "项目 %(code)s 受益人数",
    "where_overrides": "参数覆盖",
    # value types and the comparison "operator", named inside other messages
    "type_bool": "布尔",
    "type_money": "金额",
    "type_count": "计数",
    "type_number": "比例/系数",
    "type_literal": "数字",
    "op_compare": "比较",
    # the expression language
    "unknown_programme": "未知的救助项目 “%(code)s”（引用 %(name)s）",
    "unknown_name": "未知的名称 “%(name)s”：不是已登记的特征或参数",
    "operation_needs_numbers": "运算 “%(op)s” 只能用于数值，不能用于布尔值",
    "operand_types_differ": "“%(op)s” 两边类型不同：%(left)s 与 %(right)s",
    "money_times_money": "金额不能与金额相乘",
    "divide_by_money": "不能用非金额除以金额",
    "operation_unsupported": "不支持的运算 “%(op)s”",
    "constant_not_allowed": "不允许的常量 %(value)s（只允许数字和 True/False）",
    "attribute_not_allowed": "不允许的属性访问",
    "and_or_needs_conditions": "“and/or” 的每一项都必须是条件（布尔值），这里出现了%(type)s",
    "not_needs_condition": "“not” 只能用于条件（布尔值）",
    "minus_needs_number": "负号只能用于数值",
    "unary_not_allowed": "不允许的一元运算 %(op)s",
    "operator_not_allowed": "不允许的运算符 %(op)s（只允许 + - * /）",
    "comparison_not_allowed": "不允许的比较 %(op)s（只允许 < <= > >= == !=）",
    "comparison_on_condition": "比较 “%(op)s” 不能用于条件（布尔值）",
    "if_needs_condition": "“if” 后面必须是条件（布尔值）",
    "if_branches_differ": "“if … else” 两个分支类型不同",
    "call_not_allowed": "不允许调用 “%(name)s”（只允许 %(allowed)s）",
    "call_keywords": "“%(name)s” 不接受关键字参数",
    "call_needs_two": "“%(name)s” 至少需要两个参数",
    "call_needs_money": "“%(name)s” 需要一个金额参数",
    "syntax_not_allowed": (
        "不允许的语法 “%(node)s”（表达式语言只允许名称、数字、比较、"
        "and/or/not、+ - * /、if…else 和 min/max/ceil_yuan/ceil_fen/round_fen）"
    ),
    "expression_empty": "表达式不能为空",
    "expression_too_long": "表达式过长（最多 %(max)s 个字符）",
    "syntax_error": "语法错误：%(error)s（第 %(offset)s 个字符）",
    "condition_not_bool": "条件必须是真/假，这里的结果是%(type)s",
    "amount_not_money": "金额公式的结果必须是金额，这里的结果是%(type)s",
    # programme definitions
    "field_missing": "缺少字段 “%(field)s”",
    "programme_not_mapping": "项目定义必须是一个映射（YAML 字典）",
    "programme_code_chars": "项目代码只能由小写字母、数字和下划线组成",
    "tier_choice": "层级必须是 %(choices)s 之一",
    "unit_choice": "单位必须是 %(choices)s 之一",
    "period_choice": "周期必须是 %(choices)s 之一",
    "conditions_not_list": "conditions 必须是列表",
    "condition_name_chars": "条件名只能由小写字母、数字和下划线组成",
    "condition_name_duplicate": "条件名 “%(name)s” 重复",
    "beneficiaries_not_count": "受益人数必须是计数",
    "rounding_not_bool": "取整参数 “%(name)s” 必须是已登记的 是/否 参数",
    "programme_self_reference": "项目不能引用自己的结果",
    "programme_cycle": "项目之间循环引用：%(path)s",
    "programme_not_loaded": "引用了未加载的项目 “%(code)s”（%(path)s）",
    # parameters
    "param_not_bool": "参数 %(name)s 必须是 是/否，收到 %(value)s",
    "param_not_number": "参数 %(name)s 必须是数字，收到 %(value)s",
    "param_not_finite": "参数 %(name)s 必须是有限数字",
    "param_negative": "参数 %(name)s 不能为负数",
    "param_not_integer": "参数 %(name)s 必须是整数",
    "param_money_decimals": "参数 %(name)s 是金额，最多两位小数（到分）",
    "param_decimals": "参数 %(name)s 最多四位小数",
    "params_missing": "以下参数没有任何取值（国家默认值也没有）：%(names)s",
    "params_missing_in_area": "以下参数在 %(area)s 没有取值：%(names)s",
    "areas_without_params": "没有为这些区划解析参数：%(areas)s",
    "unknown_parameter": "未知参数 “%(name)s”",
    "unknown_indicator": "未知的得分指标：%(names)s",
    # the calculator's household document
    "not_money": "必须是金额（元），收到 %(value)s",
    "money_decimals": "金额最多两位小数（到分），收到 %(value)s",
    "date_format": "日期格式应为 YYYY-MM-DD 或 YYYY-MM，收到 %(value)s",
    "choice_invalid": "取值 %(value)s 不在 %(choices)s 中",
    "document_not_object": "文档必须是一个对象",
    "members_required": "至少需要一名家庭成员",
    "member_id_duplicate": "成员编号 %(id)s 重复",
    "birth_date_required": "必须填写出生日期（或 age 年龄）",
    "orphan_or_unsupported": (
        "孤儿与事实无人抚养儿童只能择一（child_status 取 orphan 或 unsupported）"
    ),
    "disability_grade_range": "残疾等级必须是 1–4",
    "member_unknown": "没有编号为 %(member)s 的成员",
    "unknown_keys": "不认识的字段 %(keys)s（允许的字段：%(allowed)s）",
    "object_expected": "必须是一个对象（键值对）",
    "list_expected": "必须是一个列表",
    "bool_expected": "必须是 true 或 false，收到 %(value)s",
    "int_expected": "必须是整数，收到 %(value)s",
    "int_range": "必须在 %(low)s 到 %(high)s 之间",
    "self_care_items_missing": "生活自理六项必须全部填写（特困办法第二十条），缺少：%(items)s",
    "period_end_before_start": "截止月不能早于起始月",
    "event_date_required": "必须填写发生日期",
    "offered_on_required": "必须填写推荐日期（低保办法第三十四条）",
}

Template = Callable[[str], str]


def chinese(code: str) -> str:
    return MESSAGES[code]


@dataclass(frozen=True)
class Message:
    """One message: a code from ``MESSAGES`` and its parameters (a value may be a Message)."""

    code: str
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.code not in MESSAGES:
            raise KeyError(f"engine message code {self.code!r} is not in MESSAGES")

    def render(self, template: Template = chinese) -> str:
        values = {
            k: v.render(template) if isinstance(v, Message) else v for k, v in self.params.items()
        }
        return template(self.code) % values


Where = str | Message


class EngineError(ValueError):
    """A refusal: ``code`` and ``params`` (see ``MESSAGES``), inside ``where`` (outermost first).

    ``str()`` is the Chinese text; ``render(template)`` the text in another language. ``field``
    is the document or definition field at fault: given, or the first plain path in ``where``.
    """

    def __init__(
        self,
        code: str,
        params: dict | None = None,
        *,
        where: Where | Iterable[Where] = (),
        field: str | None = None,
    ):
        self.message = Message(code, dict(params or {}))
        self.where: tuple[Where, ...] = (
            (where,) if isinstance(where, str | Message) else tuple(where)
        )
        if field is None:
            field = next((w for w in self.where if isinstance(w, str)), "")
        self.field = field
        super().__init__(self.render())

    @property
    def code(self) -> str:
        return self.message.code

    @property
    def params(self) -> dict:
        return self.message.params

    def render(self, template: Template = chinese) -> str:
        parts = [w if isinstance(w, str) else w.render(template) for w in self.where]
        return ": ".join([*parts, self.message.render(template)])

    def within(
        self, *outer: Where, cls: type[EngineError] | None = None, field: str | None = None
    ) -> EngineError:
        """The same refusal inside further locations (and as ``cls``, e.g. a DocumentError)."""
        return (cls or type(self))(
            self.code,
            self.params,
            where=(*outer, *self.where),
            field=field,
        )
