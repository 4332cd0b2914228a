"""Generate docs/programmes.md and docs/policy-features.md from the shipped definitions.

Run ``jiuzhu policy docs`` after changing a programme, a parameter or a feature, so the documents
cannot drift from what the engine does.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from jiuzhu.policy.engine.exclusions import ENFORCED_OTHERWISE, EXCLUSIONS
from jiuzhu.policy.engine.features import FEATURES
from jiuzhu.policy.engine.hardship import HARDSHIP_FILE, indicators
from jiuzhu.policy.engine.params import CATALOGUE_FILE, DEMO_FILE
from jiuzhu.policy.engine.programmes import PERIODS, PROGRAMME_DIR, TIERS, UNITS, load_documents

TYPE_ZH = {"money": "金额(元)", "count": "计数", "bool": "是/否", "number": "比例/系数"}


ARTICLES_FILE = PROGRAMME_DIR / "_articles.yaml"


def article_rows() -> list[dict]:
    with ARTICLES_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def articles_table() -> list[str]:
    """Every article of RULES.md → the condition or parameter that implements it → its test."""
    out = [
        "",
        "## Articles of RULES.md → implementation → test",
        "",
        "Every article `RULES.md` names has a row (`programmes/_articles.yaml`; "
        "`tests/policy/test_article_table.py` checks the rows and that each test exists). "
        "Procedural articles are carried by other apps (named); a row without a test says so. "
        "Exact arithmetic: per-capita figures and pro-rata sums are exact Decimals (20 decimals, "
        "settled to 16 before rounding or comparing — see `engine/expr.py` `settle`), never "
        "rounded before a comparison; the amount is rounded once, at the end, by the programme's "
        "`rounding` parameter (national default: exact fen).",
        "",
        "| source | article | rule | implemented by | test |",
        "|---|---|---|---|---|",
    ]
    for r in article_rows():
        test = r["test"] if r["test"] == "—" else f"`{r['test']}`"
        out.append(f"| {r['source']} | {r['article']} | {r['rule']} | {r['implements']} | {test} |")
    return out


def programmes_md() -> str:
    docs = load_documents()
    with (PROGRAMME_DIR / CATALOGUE_FILE).open(encoding="utf-8") as fh:
        params = yaml.safe_load(fh)
    with (PROGRAMME_DIR / DEMO_FILE).open(encoding="utf-8") as fh:
        demo = yaml.safe_load(fh)
    out = [
        "# 救助项目 (programmes) — stable codes, conditions, amounts",
        "",
        "Generated from `src/jiuzhu/policy/programmes/*.yaml` by `jiuzhu policy docs`; do not edit "
        "by hand. Article references are to `../shared/RULES.md` (低保办法 = 《最低生活保障审核确认"
        "办法》, 特困办法 = 《特困人员认定办法》, 刚性支出办法 = 《刚性支出困难家庭认定办法》, 暂行办法 = "
        "《社会救助暂行办法》).",
        "",
        "Every programme: a stable `code`, a tier (兜底保障 `basic` / 专项救助 `special` / "
        "监测预警 `watch`), a unit (per household or per person: persons are counted by the "
        "`beneficiaries` expression), a period for its amount (month / year / once), named "
        "conditions that must **all** hold, and an amount formula. Exclusions between programmes "
        "are conditions on other programmes' results (`not eligible.tekun`). Amounts are exact "
        "Decimal yuan, rounded once at the end (half-up to the fen, or up to the yuan where the "
        "programme names a `rounding` parameter).",
        "",
        "The programme register (issue 19): each definition names its `owner` department and its "
        "`handling` — `decide` (decided by civil affairs in the case's own chain) or `refer` "
        "(a track of a case referred to the owner department's office, 转办); read by "
        "`policy.register` and used by the cases app for the tracks of one application.",
        "",
        "| code | 名称 | tier | unit | period | owner | handling | articles |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d in docs:
        out.append(
            f"| `{d['code']}` | {d['name']} | {d['tier']} ({TIERS[d['tier']]}) | "
            f"{UNITS[d.get('unit', 'household')]} | {PERIODS[d.get('period', 'month')]} | "
            f"`{d.get('owner', 'civil_affairs')}` | `{d.get('handling', 'decide')}` | "
            f"{'; '.join(d.get('articles', []))} |"
        )
    for d in docs:
        out += ["", f"## `{d['code']}` {d['name']}", "", d.get("description", ""), ""]
        why = any(c.get("why") for c in d["conditions"])
        if why:
            out += [
                "| condition | 含义 | why (为什么) | expression | article |",
                "|---|---|---|---|---|",
            ]
        else:
            out += ["| condition | 含义 | expression | article |", "|---|---|---|---|"]
        for c in d["conditions"]:
            reason = f" {c.get('why', '')} |" if why else ""
            out.append(
                f"| `{c['name']}` | {c.get('label', '')} |{reason} `{c['expr']}` | "
                f"{c.get('article', '')} |"
            )
        out += [
            "",
            f"- beneficiaries: `{d.get('beneficiaries', 'counted_members')}`",
            f"- amount: `{' '.join(str(d.get('amount', '0')).split())}`",
        ]
        if d.get("rounding"):
            out.append(f"- rounding: up to the whole yuan when `{d['rounding']}` is true")
    out += articles_table()
    out += [
        "",
        "## Exclusions between programmes (互斥)",
        "",
        "One table, `src/jiuzhu/policy/engine/exclusions.py`, read by everything that looks at two "
        "programmes together: 政策找人 (through the conditions above), the payroll checks before "
        "release (`jiuzhu.funds`) and the monitoring alert for excluded combinations. `unit` says "
        "at which level the two exclude each other: `person` (the same ID on both rolls) or "
        "`household` (the same household on both). `tests/policy/test_exclusions.py` checks that "
        "every pair is enforced by a `not eligible.<other>` condition of one of the two programmes "
        "(or, for the person-by-person pairs, as stated below) and that every such condition is a "
        "pair of the table.",
        "",
        "| first | second | unit | rule | enforced by |",
        "|---|---|---|---|---|",
    ]
    conds = {
        d["code"]: [c["name"] for c in d["conditions"] if "not eligible." in c["expr"]]
        for d in docs
    }
    exprs = {d["code"]: {c["name"]: c["expr"] for c in d["conditions"]} for d in docs}
    for e in EXCLUSIONS:
        how = ENFORCED_OTHERWISE.get(frozenset((e.first, e.second)))
        if how is None:
            found = [
                f"`{a}.{name}`"
                for a, b in ((e.first, e.second), (e.second, e.first))
                for name in conds.get(a, [])
                if f"not eligible.{b}" in exprs[a][name]
            ]
            how = ", ".join(found)
        out.append(f"| `{e.first}` | `{e.second}` | {e.unit} | {e.rule} | {how} |")
    out += [
        "",
        "## Parameters (参数)",
        "",
        "Keyed by (name, area code, effective date); an area inherits its parent's value unless it "
        "sets its own; the national default (below) applies where no area sets one. Values marked "
        "*local* come from one province or city and are demo defaults only.",
        "",
        "| name | 名称 | type | unit | default | source |",
        "|---|---|---|---|---|---|",
    ]
    for p in params:
        local = " *(local)*" if p.get("local") else ""
        out.append(
            f"| `{p['name']}` | {p.get('label', '')} | {TYPE_ZH[p['type']]} | {p.get('unit', '')} "
            f"| {p['default']} | {p.get('source', '')}{local} |"
        )
    out += [
        "",
        "### Demo values (泰州, local examples)",
        "",
        "| name | area | from | value | source |",
        "|---|---|---|---|---|",
    ]
    for v in demo:
        out.append(
            f"| `{v['name']}` | {v['area']} | {v['effective_from']} | {v['value']} | "
            f"{v.get('source', '')} |"
        )
    return "\n".join(out) + "\n"


def features_md() -> str:
    with HARDSHIP_FILE.open(encoding="utf-8") as fh:
        weights = yaml.safe_load(fh)["weights"]
    out = [
        "# Policy features (政策特征) — the one place they are defined",
        "",
        "Generated from `src/jiuzhu/policy/engine/features.py` by `jiuzhu policy docs`. Features "
        "are computed columnar (Polars) from the registry's tables and are the names an "
        "expression may use besides parameters and `eligible.<code>` / `amount.<code>`.",
        "",
        "Rules that apply to all of them:",
        "",
        "- **Counted members** (共同生活家庭成员, 低保办法 Art. 7): derived from the facts where a "
        "member's `relation` to the applicant is given (spouse; minor children; children at "
        "school up to bachelor level or unable to live independently; relatives with a legal duty "
        "of support living together long-term; not counted: clergy in a religious site 3+ years, "
        "prison, compulsory drug rehabilitation, declared missing) — `features.person_facts`, "
        "reason shown per member by the calculator; the registry's `Person.is_counted` (the "
        "worker's record) where no relation facts are given. Alive on the evaluation date.",
        "- **Age** is computed at the evaluation date (a birthday on that day counts).",
        "- **Income** (Art. 13): every income item overlapping the look-back window — the "
        "`income.lookback_months` whole months *before* the evaluation month — is shared pro rata "
        "by whole months: an item wholly inside counts in integer fen, a partly covered one as an "
        "exact quotient (never rounded item by item). Each programme's exclusion list "
        "(`programmes/_income_exclusions.yaml`) leaves out items by their `category` (低保: "
        "优待抚恤金, rewards, scholarships, assistance, the central basic pension 2021–2025; 特困: "
        "the central basic pension, social insurance, 优待抚恤金, 高龄津贴); items marked "
        "`excluded` are left out everywhere. Allowed deductions are parameters: "
        "`income.disabled_wage_deduction` yuan per month off each disabled earner's wages.",
        "- **Per-capita figures** (income, financial assets, 单人保 own income) are exact Decimal "
        "quotients — never rounded before a comparison or before the amount is computed: 2,399.99 "
        "over 3 members is 799.99666… < 800.00. Amounts are rounded once, at the end.",
        "- **Property** (Art. 14): assets marked `exempt` (needed for basic living or production) "
        "are not counted. Financial assets = deposits, securities, commercial insurance, debts "
        "owed to the family (`receivable`), internet financial assets (`internet_finance`). A "
        "property is a home unless `residential` is false (shop, office, factory).",
        "- **Rigid spending** (刚性支出办法 Art. 5): expense items over the 12 months before the "
        "evaluation month, pro rata by month, exact.",
        "- **Money** is integer fen (whole items) or exact Decimal yuan (quotients) in the feature "
        "frame; expressions compute in exact fixed-point integers (fen, ratios × 10^4, quotients "
        "× 10^20) and amounts come back as Decimal yuan.",
        "",
        "| feature | 含义 | type | rule |",
        "|---|---|---|---|",
    ]
    for f in FEATURES:
        out.append(f"| `{f.name}` | {f.label} | {TYPE_ZH[f.type]} | {f.rule} |")
    out += [
        "",
        "From the registry: `n_orphans` / `n_unsupported_children` from `Person.child_status`; "
        "`obligor_able` / `n_obligor_unverified` from the `Obligor` rows (their Art. 8 facts) "
        "and `Person.obligors_checked_on` (neither: not checked, and 特困 is then not "
        "recognised — the registry never assumes that a person living alone has no obligor); "
        "`counted_members` from `Person.relation` and the Art. 7 facts; the self-care levels "
        "from the latest `SelfCareAssessment` (six items); `n_refused_work` from `JobOffer` "
        "rows (docs/registry-facts.md); `emergency_event` / "
        "`emergency_loss` from `EmergencyEvent` rows dated within "
        "`temporary_aid.emergency_window_months` before the evaluation date. In a calculator "
        "document each member's `obligors` list gives the obligors' facts (特困办法 Art. 8: on "
        "特困, on 低保 and 60+, 70+ or severely disabled with income below last year's local "
        "per-capita disposable income and property within the limits, no legal capacity / "
        "missing / in prison with the property test); a member without the list is *not "
        'checked* (never "has no obligor"), an empty list means none. `emergency_event: true` '
        "or dated `emergency_events` mark an emergency. Roll status comes from `RollEntry` "
        "(active on the date); a member's own 特困 roll entry makes a minor \"already "
        'supported" (Art. 5: kept to 18, and past 18 while at school).',
        "",
        "## Hardship score (困难程度得分)",
        "",
        "Stored on `Household.hardship_score` by every 政策找人 run; lower = harder (seed 003). "
        "score = 100 − Σ weight × indicator, each indicator in [0, 1]; weights in "
        "`src/jiuzhu/policy/programmes/_hardship.yaml`. The score orders work lists and decides "
        "nothing, so it is computed in floating point and stored to 2 decimals.",
        "",
        "| indicator | weight | 含义 |",
        "|---|---|---|",
    ]
    for name, (label, _e) in indicators().items():
        out.append(f"| `{name}` | {weights.get(name, 0)} | {label} |")
    return "\n".join(out) + "\n"


def write_docs(docs_dir: Path) -> list[Path]:
    docs_dir.mkdir(parents=True, exist_ok=True)
    a = docs_dir / "programmes.md"
    b = docs_dir / "policy-features.md"
    a.write_text(programmes_md(), encoding="utf-8")
    b.write_text(features_md(), encoding="utf-8")
    return [a, b]
