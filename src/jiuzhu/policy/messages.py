"""Engine refusals in the user's language: the one place engine errors become UI text.

The engine (``policy/engine``) is free of Django and raises ``EngineError`` with a stable code,
its parameters and its Chinese text (``engine.errors.MESSAGES``). Here each code has a gettext
string with the same Chinese text and placeholders, so ``makemessages`` collects them and the
English catalogue translates them; ``tests/policy/test_messages.py`` checks that every engine
code has one. Services, the calculator page and the API show engine errors only through
``engine_message`` / ``engine_refusal``.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from jiuzhu.core.errors import ServiceError
from jiuzhu.policy.engine.errors import EngineError

# The gettext context "policy engine" (a literal, for makemessages) keeps these apart from UI
# strings with the same Chinese (金额 is "Amount" as a column, "money" as a type here).
TRANSLATIONS = {
    "where_position": pgettext_lazy("policy engine", "第 %(column)s 个字符处"),
    "where_programme": pgettext_lazy("policy engine", "项目 %(code)s"),
    "where_programme_field": pgettext_lazy("policy engine", "项目 %(code)s.%(field)s"),
    "where_condition": pgettext_lazy("policy engine", "项目 %(code)s 条件 %(name)s"),
    "where_amount": pgettext_lazy("policy engine", "项目 %(code)s 金额公式"),
    "where_beneficiaries": pgettext_lazy("policy engine", "项目 %(code)s 受益人数"),
    "where_overrides": pgettext_lazy("policy engine", "参数覆盖"),
    "type_bool": pgettext_lazy("policy engine", "布尔"),
    "type_money": pgettext_lazy("policy engine", "金额"),
    "type_count": pgettext_lazy("policy engine", "计数"),
    "type_number": pgettext_lazy("policy engine", "比例/系数"),
    "type_literal": pgettext_lazy("policy engine", "数字"),
    "op_compare": pgettext_lazy("policy engine", "比较"),
    "unknown_programme": pgettext_lazy(
        "policy engine", "未知的救助项目 “%(code)s”（引用 %(name)s）"
    ),
    "unknown_name": pgettext_lazy("policy engine", "未知的名称 “%(name)s”：不是已登记的特征或参数"),
    "operation_needs_numbers": pgettext_lazy(
        "policy engine", "运算 “%(op)s” 只能用于数值，不能用于布尔值"
    ),
    "operand_types_differ": pgettext_lazy(
        "policy engine", "“%(op)s” 两边类型不同：%(left)s 与 %(right)s"
    ),
    "money_times_money": pgettext_lazy("policy engine", "金额不能与金额相乘"),
    "divide_by_money": pgettext_lazy("policy engine", "不能用非金额除以金额"),
    "operation_unsupported": pgettext_lazy("policy engine", "不支持的运算 “%(op)s”"),
    "constant_not_allowed": pgettext_lazy(
        "policy engine", "不允许的常量 %(value)s（只允许数字和 True/False）"
    ),
    "attribute_not_allowed": pgettext_lazy("policy engine", "不允许的属性访问"),
    "and_or_needs_conditions": pgettext_lazy(
        "policy engine", "“and/or” 的每一项都必须是条件（布尔值），这里出现了%(type)s"
    ),
    "not_needs_condition": pgettext_lazy("policy engine", "“not” 只能用于条件（布尔值）"),
    "minus_needs_number": pgettext_lazy("policy engine", "负号只能用于数值"),
    "unary_not_allowed": pgettext_lazy("policy engine", "不允许的一元运算 %(op)s"),
    "operator_not_allowed": pgettext_lazy(
        "policy engine", "不允许的运算符 %(op)s（只允许 + - * /）"
    ),
    "comparison_not_allowed": pgettext_lazy(
        "policy engine", "不允许的比较 %(op)s（只允许 < <= > >= == !=）"
    ),
    "comparison_on_condition": pgettext_lazy(
        "policy engine", "比较 “%(op)s” 不能用于条件（布尔值）"
    ),
    "if_needs_condition": pgettext_lazy("policy engine", "“if” 后面必须是条件（布尔值）"),
    "if_branches_differ": pgettext_lazy("policy engine", "“if … else” 两个分支类型不同"),
    "call_not_allowed": pgettext_lazy(
        "policy engine", "不允许调用 “%(name)s”（只允许 %(allowed)s）"
    ),
    "call_keywords": pgettext_lazy("policy engine", "“%(name)s” 不接受关键字参数"),
    "call_needs_two": pgettext_lazy("policy engine", "“%(name)s” 至少需要两个参数"),
    "call_needs_money": pgettext_lazy("policy engine", "“%(name)s” 需要一个金额参数"),
    "syntax_not_allowed": pgettext_lazy(
        "policy engine",
        "不允许的语法 “%(node)s”（表达式语言只允许名称、数字、比较、and/or/not、"
        "+ - * /、if…else 和 min/max/ceil_yuan/ceil_fen/round_fen）",
    ),
    "expression_empty": pgettext_lazy("policy engine", "表达式不能为空"),
    "expression_too_long": pgettext_lazy("policy engine", "表达式过长（最多 %(max)s 个字符）"),
    "syntax_error": pgettext_lazy("policy engine", "语法错误：%(error)s（第 %(offset)s 个字符）"),
    "condition_not_bool": pgettext_lazy("policy engine", "条件必须是真/假，这里的结果是%(type)s"),
    "amount_not_money": pgettext_lazy(
        "policy engine", "金额公式的结果必须是金额，这里的结果是%(type)s"
    ),
    "field_missing": pgettext_lazy("policy engine", "缺少字段 “%(field)s”"),
    "programme_not_mapping": pgettext_lazy("policy engine", "项目定义必须是一个映射（YAML 字典）"),
    "programme_code_chars": pgettext_lazy(
        "policy engine", "项目代码只能由小写字母、数字和下划线组成"
    ),
    "tier_choice": pgettext_lazy("policy engine", "层级必须是 %(choices)s 之一"),
    "unit_choice": pgettext_lazy("policy engine", "单位必须是 %(choices)s 之一"),
    "period_choice": pgettext_lazy("policy engine", "周期必须是 %(choices)s 之一"),
    "conditions_not_list": pgettext_lazy("policy engine", "conditions 必须是列表"),
    "condition_name_chars": pgettext_lazy(
        "policy engine", "条件名只能由小写字母、数字和下划线组成"
    ),
    "condition_name_duplicate": pgettext_lazy("policy engine", "条件名 “%(name)s” 重复"),
    "beneficiaries_not_count": pgettext_lazy("policy engine", "受益人数必须是计数"),
    "rounding_not_bool": pgettext_lazy(
        "policy engine", "取整参数 “%(name)s” 必须是已登记的 是/否 参数"
    ),
    "programme_self_reference": pgettext_lazy("policy engine", "项目不能引用自己的结果"),
    "programme_cycle": pgettext_lazy("policy engine", "项目之间循环引用：%(path)s"),
    "programme_not_loaded": pgettext_lazy(
        "policy engine", "引用了未加载的项目 “%(code)s”（%(path)s）"
    ),
    "param_not_bool": pgettext_lazy("policy engine", "参数 %(name)s 必须是 是/否，收到 %(value)s"),
    "param_not_number": pgettext_lazy("policy engine", "参数 %(name)s 必须是数字，收到 %(value)s"),
    "param_not_finite": pgettext_lazy("policy engine", "参数 %(name)s 必须是有限数字"),
    "param_negative": pgettext_lazy("policy engine", "参数 %(name)s 不能为负数"),
    "param_not_integer": pgettext_lazy("policy engine", "参数 %(name)s 必须是整数"),
    "param_money_decimals": pgettext_lazy(
        "policy engine", "参数 %(name)s 是金额，最多两位小数（到分）"
    ),
    "param_decimals": pgettext_lazy("policy engine", "参数 %(name)s 最多四位小数"),
    "params_missing": pgettext_lazy(
        "policy engine", "以下参数没有任何取值（国家默认值也没有）：%(names)s"
    ),
    "params_missing_in_area": pgettext_lazy(
        "policy engine", "以下参数在 %(area)s 没有取值：%(names)s"
    ),
    "areas_without_params": pgettext_lazy("policy engine", "没有为这些区划解析参数：%(areas)s"),
    "unknown_parameter": pgettext_lazy("policy engine", "未知参数 “%(name)s”"),
    "unknown_indicator": pgettext_lazy("policy engine", "未知的得分指标：%(names)s"),
    "not_money": pgettext_lazy("policy engine", "必须是金额（元），收到 %(value)s"),
    "money_decimals": pgettext_lazy("policy engine", "金额最多两位小数（到分），收到 %(value)s"),
    "date_format": pgettext_lazy(
        "policy engine", "日期格式应为 YYYY-MM-DD 或 YYYY-MM，收到 %(value)s"
    ),
    "choice_invalid": pgettext_lazy("policy engine", "取值 %(value)s 不在 %(choices)s 中"),
    "document_not_object": pgettext_lazy("policy engine", "文档必须是一个对象"),
    "members_required": pgettext_lazy("policy engine", "至少需要一名家庭成员"),
    "member_id_duplicate": pgettext_lazy("policy engine", "成员编号 %(id)s 重复"),
    "birth_date_required": pgettext_lazy("policy engine", "必须填写出生日期（或 age 年龄）"),
    "orphan_or_unsupported": pgettext_lazy(
        "policy engine", "孤儿与事实无人抚养儿童只能择一（child_status 取 orphan 或 unsupported）"
    ),
    "disability_grade_range": pgettext_lazy("policy engine", "残疾等级必须是 1–4"),
    "member_unknown": pgettext_lazy("policy engine", "没有编号为 %(member)s 的成员"),
    "unknown_keys": pgettext_lazy(
        "policy engine", "不认识的字段 %(keys)s（允许的字段：%(allowed)s）"
    ),
    "object_expected": pgettext_lazy("policy engine", "必须是一个对象（键值对）"),
    "list_expected": pgettext_lazy("policy engine", "必须是一个列表"),
    "bool_expected": pgettext_lazy("policy engine", "必须是 true 或 false，收到 %(value)s"),
    "int_expected": pgettext_lazy("policy engine", "必须是整数，收到 %(value)s"),
    "int_range": pgettext_lazy("policy engine", "必须在 %(low)s 到 %(high)s 之间"),
    "self_care_items_missing": pgettext_lazy(
        "policy engine", "生活自理六项必须全部填写（特困办法第二十条），缺少：%(items)s"
    ),
    "period_end_before_start": pgettext_lazy("policy engine", "截止月不能早于起始月"),
    "event_date_required": pgettext_lazy("policy engine", "必须填写发生日期"),
    "offered_on_required": pgettext_lazy("policy engine", "必须填写推荐日期（低保办法第三十四条）"),
}


def _template(code: str) -> str:
    return str(TRANSLATIONS[code])


def engine_message(exc: Exception) -> str:
    """The refusal in the active language (an error from outside the engine as it reads)."""
    if isinstance(exc, EngineError):
        return exc.render(_template)
    return str(exc)


def engine_refusal(
    exc: Exception, *, field: str | None = None, code: str = "invalid"
) -> ServiceError:
    """A ``ServiceError`` for an engine refusal; ``field`` defaults to the refusal's own field."""
    own = exc.field if isinstance(exc, EngineError) else ""
    return ServiceError(engine_message(exc), field=field or own or None, code=code)
