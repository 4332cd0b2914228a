"""The policy expression language: parsed with ``ast`` (mode="eval"), checked, compiled to Polars.

A condition or amount formula is a small expression over *features* (household facts computed by
``features.py``), *parameters* (``dibao.standard``; per area and date) and the results of other
programmes (``eligible.dibao``, ``amount.dibao``). Nothing is ever ``eval``-ed: the tree is walked
against a whitelist and every name is looked up in the catalogue, so an unknown name, a type error
or an unsafe construct is refused when the programme is saved, with a message naming it.

Types: ``bool``, ``money`` (yuan, exact), ``count`` (whole number of people or things) and
``number`` (a ratio such as 1.5). Numeric literals are exact and take the type they meet. Every
numeric value is compiled to exact fixed-point integers (see ``WIDE_SCALE``): money in fen,
ratios × 10^4, quotients × 10^20; the evaluator turns amounts back into Decimal yuan at the edge.

Allowed: names, dotted names, numeric and True/False literals, comparisons (chained too),
``and``/``or``/``not``, ``+ - * /``, unary minus, ``x if cond else y`` and the functions
``min``, ``max``, ``ceil_yuan`` (round up to the whole yuan), ``ceil_fen`` (up to the fen) and
``round_fen`` (half-up to the fen).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from jiuzhu.policy.engine.errors import EngineError, Message

BOOL, MONEY, COUNT, NUMBER, LITERAL = "bool", "money", "count", "number", "literal"
NUMERIC = {MONEY, COUNT, NUMBER, LITERAL}
COMPARE = "compare"  # the operator name ``_unify`` is given for a comparison


def type_label(t: str) -> Message:
    """A type's name inside a message (``type_bool`` 布尔, ``type_money`` 金额, …)."""
    return Message(f"type_{t}")


# Column names used in frames. Parameters and programme results are namespaced so they cannot
# collide with features.
PARAM_PREFIX = "p:"

# Scales (decimals) of the fixed-point integers. A product is computed at the sum of its operands'
# scales (``_Compiler``). Money features and parameters have 2 decimals, ratios 4; per-capita
# figures are exact quotients (``EXACT_SCALE``); a division is carried at ``DIV_SCALE``.
MONEY_SCALE = 2
NUMBER_SCALE = 4
EXACT_SCALE = 20
DIV_SCALE = EXACT_SCALE
SETTLE_SCALE = 16


def param_col(name: str) -> str:
    return PARAM_PREFIX + name


def result_col(code: str, what: str) -> str:
    return f"{code}.{what}"


class ExpressionError(EngineError):
    """An expression refused at save time. The message names the construct or name and the rule."""


@dataclass
class Catalogue:
    """Names an expression may use, with their types."""

    features: dict[str, str]  # feature name → type
    parameters: dict[str, str]  # parameter name → type
    programmes: set[str] = field(default_factory=set)  # codes that eligible./amount. may use
    feature_scales: dict[str, int] = field(default_factory=dict)  # money features not at 2 dp

    def lookup(self, name: str) -> tuple[str, str]:
        """(kind, type) for a name; kind is feature / param / eligible / amount."""
        if name in self.features:
            return "feature", self.features[name]
        if name in self.parameters:
            return "param", self.parameters[name]
        head, _, tail = name.partition(".")
        if head in ("eligible", "amount") and tail:
            if tail not in self.programmes:
                raise ExpressionError("unknown_programme", {"code": tail, "name": name})
            return head, BOOL if head == "eligible" else MONEY
        raise ExpressionError("unknown_name", {"name": name})


@dataclass
class Checked:
    """A checked expression: its type, the names it reads, and its compiled Polars form."""

    source: str
    type: str
    names: list[str]
    expr: pl.Expr
    scale: int = 0  # decimals of a numeric result (see ``settle``)


_CMP = {
    ast.Lt: "lt",
    ast.LtE: "le",
    ast.Gt: "gt",
    ast.GtE: "ge",
    ast.Eq: "eq",
    ast.NotEq: "ne",
}
_CMP_SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
FUNCTIONS = {"min", "max", "ceil_yuan", "ceil_fen", "round_fen"}


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _int(e: pl.Expr, t: str) -> pl.Expr:
    """A whole-number operand (a count, or a literal without decimals) as Int64."""
    return e if t == COUNT else e.cast(pl.Int64)


# Fixed point: every numeric value is compiled to an *integer* column holding value × 10^scale,
# the scale known statically (money features and parameters are fen, scale 2; ratios scale 4;
# exact quotients scale 20). Integer arithmetic is exact and an order of magnitude cheaper in
# Polars than Decimal(38, s) arithmetic (no rescaling division per product). Values with a scale
# of ``WIDE_SCALE`` or more are Int128 (an exact quotient of 10^6 yuan at 20 decimals is 10^26);
# narrower ones Int64. A product keeps every digit up to ``MAX_SCALE`` decimals (exact for the
# engine's operands: fen × ratios of 4 decimals × quotients settled at 16); beyond that the
# wider operand is rounded half away from zero first.
WIDE_SCALE = 8
MAX_SCALE = 24


def _lit_int(v: int, wide: bool) -> pl.Expr:
    return pl.lit(v, dtype=pl.Int128 if wide else pl.Int64)


def widen(e: pl.Expr, s_from: int, s_to: int) -> pl.Expr:
    """An integer at scale ``s_from`` brought to the larger scale ``s_to`` (exact)."""
    if s_to >= WIDE_SCALE and s_from < WIDE_SCALE:
        e = e.cast(pl.Int128)
    if s_to == s_from:
        return e
    return e * _lit_int(10 ** (s_to - s_from), s_to >= WIDE_SCALE)


def _div_floor(e: pl.Expr, k: int, wide: bool) -> pl.Expr:
    return e // _lit_int(k, wide)


def round_to(e: pl.Expr, s_from: int, s_to: int, mode: str = "half_away") -> pl.Expr:
    """An integer at scale ``s_from`` rounded to ``s_to`` decimals (``half_away`` from zero,
    ``ceil`` or ``floor``); widened exactly when ``s_to`` is larger. The result has the dtype of
    scale ``s_to`` (Int64 below ``WIDE_SCALE``)."""
    if s_to >= s_from:
        return widen(e, s_from, s_to)
    wide = s_from >= WIDE_SCALE
    k = 10 ** (s_from - s_to)
    if mode == "floor":
        out = _div_floor(e, k, wide)
    elif mode == "ceil":
        out = _lit_int(0, wide) - _div_floor(_lit_int(0, wide) - e, k, wide)
    else:
        q = _div_floor(e.abs() + _lit_int(k // 2, wide), k, wide)
        out = pl.when(e < _lit_int(0, wide)).then(_lit_int(0, wide) - q).otherwise(q)
    if wide and s_to < WIDE_SCALE:
        out = out.cast(pl.Int64)
    return out


def div_round(num: pl.Expr, den: pl.Expr, shift: int) -> pl.Expr:
    """``num / (den × 10^shift)`` rounded half away from zero, in one Int128 division (``den`` a
    positive whole number; the divisor is even, so its half is exact)."""
    d = den.cast(pl.Int128) * pl.lit(10**shift, dtype=pl.Int128)
    half = den.cast(pl.Int128) * pl.lit(10**shift // 2, dtype=pl.Int128)
    q = (num.abs() + half) // d
    return (
        pl.when(num < pl.lit(0, dtype=pl.Int128)).then(pl.lit(0, dtype=pl.Int128) - q).otherwise(q)
    )


def settle_int(e: pl.Expr, scale: int) -> tuple[pl.Expr, int]:
    """``settle`` for the fixed-point integers of the compiler: (expression, its new scale)."""
    if scale <= SETTLE_SCALE:
        return e, scale
    return round_to(e, scale, SETTLE_SCALE), SETTLE_SCALE


def _align(a: pl.Expr, sa: int, b: pl.Expr, sb: int) -> tuple[pl.Expr, pl.Expr, int]:
    s = max(sa, sb)
    return widen(a, sa, s), widen(b, sb, s), s


def _unify(op: str, lt: str, rt: str, node: ast.AST) -> str:
    """Result type of ``lt op rt`` or raise naming the rule."""
    if lt not in NUMERIC or rt not in NUMERIC:
        raise ExpressionError("operation_needs_numbers", {"op": _op(op)}, where=_pos(node))
    if lt == LITERAL:
        return rt
    if rt == LITERAL:
        return lt
    if op in ("+", "-", "min", "max", COMPARE):
        if {lt, rt} == {COUNT, NUMBER}:
            return NUMBER  # a whole number meets a ratio exactly (3 − 1 × 0.5 = 2.5)
        if lt != rt:
            raise ExpressionError(
                "operand_types_differ",
                {"op": _op(op), "left": type_label(lt), "right": type_label(rt)},
                where=_pos(node),
            )
        return lt
    if op == "*":
        pair = {lt, rt}
        if pair == {MONEY}:
            raise ExpressionError("money_times_money", where=_pos(node))
        if MONEY in pair:
            return MONEY
        if pair == {COUNT}:
            return COUNT
        return NUMBER
    if op == "/":
        if rt == MONEY and lt != MONEY:
            raise ExpressionError("divide_by_money", where=_pos(node))
        if lt == MONEY and rt == MONEY:
            return NUMBER
        if lt == MONEY:
            return MONEY
        return NUMBER
    raise ExpressionError("operation_unsupported", {"op": _op(op)}, where=_pos(node))


def _op(op: str) -> str | Message:
    return Message("op_compare") if op == COMPARE else op


def _pos(node: ast.AST) -> tuple[Message, ...]:
    col = getattr(node, "col_offset", None)
    return (Message("where_position", {"column": col + 1}),) if col is not None else ()


class _Compiler:
    """Walks the tree. Every numeric value is an integer column with its *scale* (digits after
    the point) known statically: a product is computed at the sum of its operands' scales (up to
    ``MAX_SCALE``), so ``1.3333 * dibao.standard`` keeps all six decimals — never a silent
    rounding before a decision."""

    def __init__(self, catalogue: Catalogue, consts: dict | None = None):
        self.cat = catalogue
        self.names: list[str] = []
        # Parameters known at compile time (one parameter set): name → (value, dtype) as the
        # evaluator reads it. Sub-expressions of constants only are folded to one literal (by
        # Polars itself, so the arithmetic is the same), ``x if switch else y`` with a constant
        # switch keeps one branch, ``and``/``or`` drop constant operands.
        self.consts = consts
        self._const: dict[int, pl.Expr] = {}  # id → expr (kept alive) of constant results
        self._frames: list[list[bool]] = []

    def _mark(self, e: pl.Expr) -> pl.Expr:
        self._const[id(e)] = e
        return e

    def is_const(self, e: pl.Expr) -> bool:
        return id(e) in self._const

    def _fold(self, e: pl.Expr) -> pl.Expr:
        v = pl.select(e.alias("v")).to_series()
        return self._mark(pl.lit(v[0], dtype=v.dtype))

    def _visit(self, node: ast.AST) -> tuple[str, pl.Expr, int]:
        frame: list[bool] = []
        self._frames.append(frame)
        try:
            t, e, s = self._node(node)
        finally:
            self._frames.pop()
        if (
            self.consts is not None
            and not self.is_const(e)
            and frame
            and all(frame)
            and not isinstance(node, ast.Expression)
        ):
            e = self._fold(e)
        if self._frames:
            self._frames[-1].append(self.is_const(e))
        return t, e, s

    def visit(self, node: ast.AST) -> tuple[str, pl.Expr]:
        t, e, _s = self._visit(node)
        return t, e

    def _scale_of(self, kind: str, name: str, t: str) -> int:
        if t in (BOOL, COUNT):
            return 0
        if kind == "feature":
            return self.cat.feature_scales.get(name, MONEY_SCALE)
        if kind == "param":
            return NUMBER_SCALE if t == NUMBER else MONEY_SCALE
        return MONEY_SCALE

    def _node(self, node: ast.AST) -> tuple[str, pl.Expr, int]:
        if isinstance(node, ast.Expression):
            return self._visit(node.body)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                return BOOL, self._mark(pl.lit(v)), 0
            if isinstance(v, int):
                return LITERAL, self._mark(pl.lit(v, dtype=pl.Int64)), 0
            if isinstance(v, float):
                # Re-read the literal's own text so 1.1 is exactly 1.1, never a binary float.
                d = Decimal(repr(v))
                scale = max(0, -d.as_tuple().exponent)
                if scale > MAX_SCALE:
                    raise ExpressionError(
                        "constant_not_allowed", {"value": repr(v)}, where=_pos(node)
                    )
                lit = _lit_int(int(d.scaleb(scale)), scale >= WIDE_SCALE)
                return LITERAL, self._mark(lit), scale
            raise ExpressionError("constant_not_allowed", {"value": repr(v)}, where=_pos(node))
        if isinstance(node, ast.Name | ast.Attribute):
            name = _dotted(node)
            if name is None:
                raise ExpressionError("attribute_not_allowed", where=_pos(node))
            if name in ("True", "False"):
                return BOOL, self._mark(pl.lit(name == "True")), 0
            kind, t = self.cat.lookup(name)
            if name not in self.names:
                self.names.append(name)
            if kind == "feature":
                col = name
            elif kind == "param":
                col = param_col(name)
                if self.consts is not None and name in self.consts:
                    value, dtype = self.consts[name]
                    if value is not None:
                        lit = self._mark(pl.lit(value, dtype=dtype))
                        return t, lit, self._scale_of(kind, name, t)
            else:
                col = result_col(name.split(".", 1)[1], kind)
            return t, pl.col(col), self._scale_of(kind, name, t)
        if isinstance(node, ast.BoolOp):
            parts = [self._visit(v) for v in node.values]
            for t, _, _s in parts:
                if t != BOOL:
                    raise ExpressionError(
                        "and_or_needs_conditions", {"type": type_label(t)}, where=_pos(node)
                    )
            conj = isinstance(node.op, ast.And)
            exprs = [e for _, e, _s in parts]
            if self.consts is not None:
                values = [pl.select(e).item() for e in exprs if self.is_const(e)]
                if any(v is (not conj) for v in values):  # False in an and, True in an or
                    return BOOL, self._mark(pl.lit(not conj)), 0
                exprs = [e for e in exprs if not self.is_const(e)] or [self._mark(pl.lit(conj))]
            out = exprs[0]
            for e in exprs[1:]:
                out = (out & e) if conj else (out | e)
            return BOOL, out, 0
        if isinstance(node, ast.UnaryOp):
            t, e, s = self._visit(node.operand)
            if isinstance(node.op, ast.Not):
                if t != BOOL:
                    raise ExpressionError("not_needs_condition", where=_pos(node))
                return BOOL, ~e, 0
            if isinstance(node.op, ast.USub):
                if t not in NUMERIC:
                    raise ExpressionError("minus_needs_number", where=_pos(node))
                return t, _lit_int(0, s >= WIDE_SCALE) - e, s
            raise ExpressionError(
                "unary_not_allowed", {"op": type(node.op).__name__}, where=_pos(node)
            )
        if isinstance(node, ast.BinOp):
            ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
            op = ops.get(type(node.op))
            if op is None:
                raise ExpressionError(
                    "operator_not_allowed", {"op": type(node.op).__name__}, where=_pos(node)
                )
            lt, le, ls = self._visit(node.left)
            rt, re_, rs = self._visit(node.right)
            t = _unify(op, lt, rt, node)
            if t == COUNT and op in "+-*" and ls == 0 and rs == 0:
                # whole numbers stay integers (cheap), literals included
                le, re_ = _int(le, lt), _int(re_, rt)
                e = {"+": le + re_, "-": le - re_, "*": le * re_}[op]
                return COUNT, e, 0
            if op in "+-":
                a, b, s = _align(le, ls, re_, rs)
                return t, (a + b) if op == "+" else (a - b), s
            if op == "*":
                # Exact: the product's scale is the sum of the operands' (see WIDE_SCALE).
                if ls + rs > MAX_SCALE:
                    if ls >= rs:
                        le, ls = round_to(le, ls, max(MAX_SCALE - rs, 0)), max(MAX_SCALE - rs, 0)
                    else:
                        re_, rs = round_to(re_, rs, max(MAX_SCALE - ls, 0)), max(MAX_SCALE - ls, 0)
                s = ls + rs
                if s >= WIDE_SCALE:
                    le, re_ = le.cast(pl.Int128), re_.cast(pl.Int128)
                return t, le * re_, s
            # a / b at DIV_SCALE decimals, rounded toward minus infinity at the last one
            # (``settle`` takes the value back to an exact tie or limit).
            num = widen(le, ls, DIV_SCALE + rs) if DIV_SCALE + rs >= ls else le
            if DIV_SCALE + rs < ls:
                num = round_to(le, ls, DIV_SCALE + rs, "floor").cast(pl.Int128)
            return t, num // re_.cast(pl.Int128), DIV_SCALE
        if isinstance(node, ast.Compare):
            out = None
            left_t, left_e, _ls = self._visit(node.left)
            for cop, right in zip(node.ops, node.comparators, strict=True):
                if type(cop) not in _CMP:
                    raise ExpressionError(
                        "comparison_not_allowed", {"op": type(cop).__name__}, where=_pos(node)
                    )
                right_t, right_e, _rs = self._visit(right)
                if left_t == BOOL or right_t == BOOL:
                    if left_t == right_t and type(cop) in (ast.Eq, ast.NotEq):
                        c = left_e == right_e if isinstance(cop, ast.Eq) else left_e != right_e
                    else:
                        raise ExpressionError(
                            "comparison_on_condition",
                            {"op": _CMP_SYMBOL[type(cop)]},
                            where=_pos(node),
                        )
                else:
                    t = _unify(COMPARE, left_t, right_t, node)
                    if t in (COUNT, LITERAL) and _ls == 0 and _rs == 0:
                        a, b = _int(left_e, left_t), _int(right_e, right_t)
                    else:
                        a, b, _s = _align(left_e, _ls, right_e, _rs)
                    c = getattr(a, _CMP[type(cop)])(b)
                out = c if out is None else out & c
                left_t, left_e, _ls = right_t, right_e, _rs
            return BOOL, out, 0
        if isinstance(node, ast.IfExp):
            tt, te, _ts = self._visit(node.test)
            if tt != BOOL:
                raise ExpressionError("if_needs_condition", where=_pos(node))
            at, ae, as_ = self._visit(node.body)
            bt, be, bs = self._visit(node.orelse)
            if at == BOOL or bt == BOOL:
                if at != bt:
                    raise ExpressionError("if_branches_differ", where=_pos(node))
                t = BOOL
            else:
                t = _unify("+", at, bt, node)
                ae, be, _s = _align(ae, as_, be, bs)
            if self.consts is not None and self.is_const(te):
                test = pl.select(te).item()
                chosen = ae if test else be
                if self.is_const(ae if test else be):
                    chosen = self._fold(chosen)
                return t, chosen, max(as_, bs)
            return t, pl.when(te).then(ae).otherwise(be), max(as_, bs)
        if isinstance(node, ast.Call):
            fname = node.func.id if isinstance(node.func, ast.Name) else None
            if fname not in FUNCTIONS:
                shown = fname or ast.unparse(node.func)
                raise ExpressionError(
                    "call_not_allowed",
                    {"name": shown, "allowed": ", ".join(sorted(FUNCTIONS))},
                    where=_pos(node),
                )
            if node.keywords:
                raise ExpressionError("call_keywords", {"name": fname}, where=_pos(node))
            args = [self._visit(a) for a in node.args]
            if fname in ("min", "max"):
                if len(args) < 2:
                    raise ExpressionError("call_needs_two", {"name": fname}, where=_pos(node))
                t = args[0][0]
                for at, _, _s in args[1:]:
                    t = _unify(fname, t, at, node)
                if t == LITERAL:
                    t = NUMBER
                top = max(s for _, _, s in args)
                es = [widen(e, s, top) for _, e, s in args]
                f = pl.min_horizontal if fname == "min" else pl.max_horizontal
                return t, f(*es), top
            if len(args) != 1 or args[0][0] not in (MONEY, LITERAL):
                raise ExpressionError("call_needs_money", {"name": fname}, where=_pos(node))
            e, s = settle_int(args[0][1], args[0][2])
            if fname == "ceil_yuan":
                return MONEY, round_to(e, s, 0, "ceil"), 0
            if fname == "ceil_fen":
                # Up to the next fen: a floor ("not below 1.3 × 低保标准") is never undershot.
                return MONEY, round_to(e, s, MONEY_SCALE, "ceil"), MONEY_SCALE
            return MONEY, round_to(e, s, MONEY_SCALE), MONEY_SCALE
        raise ExpressionError("syntax_not_allowed", {"node": type(node).__name__}, where=_pos(node))


def settle(e: pl.Expr, scale: int) -> pl.Expr:
    """An exact value made ready for rounding to the fen or the yuan (or for a comparison).

    Values with more than ``SETTLE_SCALE`` decimals come from a division carried at
    ``EXACT_SCALE`` (20) decimals, so their last digits may differ from the exact rational by
    about 10^-20. The rationals of this engine are fen divided by months × members (times
    parameters of at most 4 decimals): for households of up to 20 members and income periods
    of up to 12 months, such a value that is not itself a tie (x.xx5), a whole yuan or a limit
    lies more than 10^-15 away from it. Rounding to 16 decimals first therefore gives back the
    exact tie, whole yuan or limit when the exact value is one, and keeps the side of it
    otherwise: what follows decides as exact rational arithmetic would.
    """
    if scale <= SETTLE_SCALE:
        return e
    return e.round(SETTLE_SCALE, mode="half_away_from_zero")


MAX_LENGTH = 2000


def compile_expr(
    source: str, catalogue: Catalogue, *, expect: str | None = None, consts: dict | None = None
) -> Checked:
    """Parse, check and compile ``source``. ``expect`` is ``bool`` (condition) or ``money``.
    ``consts``: parameter values known at compile time (``_Compiler``), folded in."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("expression_empty")
    if len(source) > MAX_LENGTH:
        raise ExpressionError("expression_too_long", {"max": MAX_LENGTH})
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError("syntax_error", {"error": exc.msg, "offset": exc.offset}) from None
    comp = _Compiler(catalogue, consts)
    t, e, scale = comp._visit(tree)
    if t == LITERAL:
        t = NUMBER if expect != MONEY else MONEY
    if expect == BOOL and t != BOOL:
        raise ExpressionError("condition_not_bool", {"type": type_label(t)})
    if expect == MONEY and t != MONEY:
        raise ExpressionError("amount_not_money", {"type": type_label(t)})
    return Checked(source=source.strip(), type=t, names=comp.names, expr=e, scale=scale)
