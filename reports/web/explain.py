"""Words for what the engine decided: a line's rule-by-rule checklist and each role's work queue.

Both read the engine's per-line facts (`Figures.lines`: cash_releasing, validated, self_signed,
qia_ok, has_budget, tower, duplicate_of, grade, status ...) and say them in sentences with their
rule ids; neither decides anything the engine has not already decided. The queues only pick
lines to show; the sign-off itself is `ledger.governance.signoff`, which enforces R-GOV-3.
"""
from __future__ import annotations

import pandas as pd

from ledger.engine import eligibility as elig
from ledger.engine.status import STOPPED
from ledger.engine.summary import TrustYear
from ledger.money import from_pence
from ledger.policy import Policy
from reports.web.auth import User

ROW_FIELDS = ("line_id", "scheme_id", "benefit_type", "fye", "status", "created_by", "go_live")


def _label(code: str) -> str:
    return str(code).replace("_", " ").lower()


def checks(fact: pd.Series, policy: Policy) -> list[dict]:
    """R-ELG-1 and its neighbours for one line: each check passed, failed, or not applicable (None)."""
    roles = " and ".join(_label(r) for r in policy.signoff_roles_required)
    kind = fact["benefit_type"]
    out = []
    if kind in elig.SEPARATE_TYPES:
        out.append({"rule": "R-ELG-5", "ok": False, "title": "Revenue efficiency",
                    "text": f"a {_label(kind)} benefit is reported on its own, never as CIP"})
    cash = bool(fact["cash_releasing"])
    if fact["counterfactual_index"]:
        approved = not fact["index_unapproved"]
        out.append({"rule": "R-INF-3", "ok": approved, "title": "Counterfactual index approved",
                    "text": f"the baseline price was set from {fact['counterfactual_index']}; "
                            + ("its use is approved" if approved else
                               "no approval of that index is recorded, so the line is not cash-releasing"
                               if fact["index_holds_back_cash"] else "no approval of that index is recorded")})
    out.append({"rule": "R-ELG-2", "ok": cash, "title": "Cash-releasing",
                "text": (f"a {_label(kind)} saving lowers what the trust spends, so it can count"
                         if cash else f"a {_label(kind)} saving does not release cash (cost avoidance or a "
                                      "non-financial benefit): shown beside CIP, never added to it")})
    fye = from_pence(int(fact["fye"]))
    out.append({"rule": "R-TIM-1", "ok": None, "title": "Recurrent",
                "text": (f"recurrent: full-year effect £{fye:,}" if fact["recurrent"] else
                         "non-recurrent: counts only in the months it saves cash (FYE £0)")})
    if fact["tower"]:
        out.append({"rule": "R-DUP-4", "ok": False, "title": "Local, not tower",
                    "text": "attributed to an NHS Supply Chain tower: counted in the tower reconciliation, not in "
                            "the trust's local CIP"})
    if isinstance(fact["duplicate_of"], str) and fact["duplicate_of"]:
        out.append({"rule": "R-DUP-1", "ok": False, "title": "Not counted twice",
                    "text": f"the same product and cost centre is already saved by line {fact['duplicate_of']}"})
    if fact["self_signed"] or fact["same_person"]:
        why = ("its creator signed it off" if fact["self_signed"] else "one person signed for two roles")
        out.append({"rule": "R-GOV-3", "ok": False, "title": "Segregation of duties",
                    "text": f"{why}; that sign-off does not count"})
    validated = bool(fact["validated"])
    out.append({"rule": "R-ELG-1", "ok": validated, "title": "Signed off",
                "text": (f"approved by {roles}, different people, none of them its creator" if validated else
                         "a required sign-off was rejected" if fact["rejected"] else
                         f"{fact['status'].lower()} before it was signed off: it can no longer be"
                         if fact["status"] in STOPPED else f"waiting for approval by {roles}")})
    if fact["qia_needed"]:
        out.append({"rule": "R-GOV-2", "ok": bool(fact["qia_ok"]), "title": "Quality impact assessment",
                    "text": "QIA recorded" if fact["qia_ok"] else "a clinical change needs an approved QIA first"})
    has_budget = bool(fact["has_budget"])
    out.append({"rule": "R-ELG-1a", "ok": has_budget, "title": "Budget removed",
                "text": ("a budget reduction is linked; CIP is capped at what it removes in each year" if has_budget
                         else "no budget reduction is linked: nothing counts until finance removes the budget")})
    return out


def _rows(frame: pd.DataFrame) -> list[dict]:
    return frame[list(ROW_FIELDS)].sort_values("line_id").to_dict("records")


def _same(a: object, b: str) -> bool:
    return str(a).strip().lower() == b.strip().lower()


def _is(people: pd.Series, name: str) -> pd.Series:
    """Which entries name this person (case and spaces ignored, as R-GOV-3 compares them)."""
    return people.fillna("").astype(str).str.strip().str.lower() == name.strip().lower()


def queues(ty: TrustYear, user: User) -> dict:
    """The lines waiting for this user: sign-offs, plan approvals, QIAs, lines to move into delivery.

    `own` lists lines waiting for the user's role that they created or already approved in another
    role: R-GOV-3 stops them, so the queue says so rather than offering a button that would fail.
    """
    lines = ty.figures.lines
    required = ty.policy.signoff_roles_required
    so = ty.frames.signoffs.reset_index(drop=True)
    approved = pd.DataFrame(columns=["line_id", "role", "person"])
    if not so.empty:
        latest = so.assign(order=range(len(so))).sort_values(["date", "order"]).groupby(["line_id", "role"]).last()
        approved = latest[latest["decision"] == "approve"].reset_index()
    out: dict[str, list[dict]] = {"signoff": [], "own": [], "plan": [], "qia": [], "delivery": [], "drafts": []}
    role = user.role
    if role in required:
        waiting = lines[lines["status"] == "IN_DELIVERY"]
        done = set(approved.loc[approved["role"] == role, "line_id"])
        waiting = waiting[~waiting["line_id"].isin(done)]
        mine = approved[_is(approved["person"], user.display_name)]
        other_role = set(mine.loc[mine["role"] != role, "line_id"])
        created = _is(waiting["created_by"], user.display_name)
        blocked = created | waiting["line_id"].isin(other_role)
        out["signoff"] = _rows(waiting[~blocked])
        own = waiting[blocked]
        out["own"] = [dict(r, why="you created this line" if _same(r["created_by"], user.display_name)
                           else "you already approved it in another role") for r in _rows(own)]
    if role in ("budget_holder", "finance"):
        proposed = lines[lines["status"].isin(("PROPOSED", "QIA_APPROVED"))]
        out["plan"] = _rows(proposed[~proposed["qia_needed"] | proposed["qia_passed"]])
    if role == "clinical":
        out["qia"] = _rows(lines[(lines["status"] == "PROPOSED") & lines["qia_needed"] & ~lines["qia_passed"]])
    if role == "procurement":
        out["delivery"] = _rows(lines[lines["status"] == "PLAN_APPROVED"])
        out["drafts"] = _rows(lines[lines["status"].isin(("IDEA", "PROPOSED"))
                                    & _is(lines["created_by"], user.display_name)])
    return out
