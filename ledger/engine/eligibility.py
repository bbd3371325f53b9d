"""Per-line facts the counting rules need: cash-releasing, one-off, sign-offs, QIA, duplicates.

Each column is derived, never taken from the register as declared: a register cannot say a line
is validated, only record the sign-offs that make it so (R-ELG-1, R-GOV-3).
"""
from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from ledger.policy import Policy

CASH_TYPES = {"PRICE_REDUCTION", "PRODUCT_SWITCH", "DEMAND_MANAGEMENT", "SPEC_CHANGE", "AGGREGATION",
              "NEW_COMMERCIAL_ARRANGEMENT", "REBATE", "RETROSPECTIVE_DISCOUNT", "PAYMENT_TERMS"}
ONE_OFF_TYPES = {"REBATE", "RETROSPECTIVE_DISCOUNT", "PAYMENT_TERMS", "CAPITAL"}  # D4, E6; a capital buy is once
CASH_PATH_TYPES = {"WASTE", "EXPIRY", "OUTCOME"}
AVOIDANCE_TYPES = {"COST_AVOIDANCE_PRICE_INCREASE", "COST_AVOIDANCE_TENDER"}
SEPARATE_TYPES = {"CAPITAL", "INCOME", "NON_EFFICIENCY"}


def cash_releasing(lines: pd.DataFrame, has_budget: pd.Series, policy: Policy) -> pd.Series:
    """D2/section 3: cash-releasing by benefit type, or through an evidenced budget path, before
    R-INF-3 (`unapproved_index`), which `line_facts` applies on top so it can say which lines an
    approval alone would make count.

    R-INF-2: an avoided inflation uplift is cash only once the uplift is removed from budget.
    R-ELG-3: waste, expiry and outcome claims are cash only with a budget removed for them.
    R-BAS-3: with no prior spend (baseline price 0) nothing is cash-releasing.
    """
    kind = lines["benefit_type"]
    by_type = kind.isin(CASH_TYPES)
    inflation = (kind == "COST_AVOIDANCE_PRICE_INCREASE") & has_budget & (
        policy.inflation_avoidance_treatment == "cash_if_budget_uplift_removed")
    cash_path = kind.isin(CASH_PATH_TYPES) & has_budget
    return (by_type | inflation | cash_path) & (lines["baseline_micro"] > 0)


def unapproved_index(lines: pd.DataFrame) -> pd.Series:
    """R-INF-3: a counterfactual index (CPI, an ONS PPI series, contract indexation) may be used only
    with its policy approval recorded on the line: lines that name an index and no approval."""
    def given(column: str) -> pd.Series:
        return lines[column].astype(object).fillna("").astype(str).str.strip() != ""

    return given("counterfactual_index") & ~given("counterfactual_approval")


def person_key(name: str) -> str:
    """R-GOV-3: who a name is, for telling people apart. Unicode compatibility forms folded, then
    white space and invisible characters (zero-width spaces, joiners) dropped and case folded, so
    "Emma  Walsh" and "emma\u200bwalsh" are not a second person. Two people whose names differ only
    in spacing are taken as one: segregation of duties errs on the side of refusing."""
    text = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf").casefold()


def _name_keys(names: np.ndarray) -> np.ndarray:
    """`person_key` of each name (missing ones stay missing), each distinct name done once."""
    codes, uniques = pd.factorize(names)
    keys = np.array([person_key(str(u)) for u in uniques], dtype=object)
    return np.r_[keys, np.nan][codes]


def signoff_status(lines: pd.DataFrame, signoffs: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """R-ELG-1 and R-GOV-3: validated iff every required role's latest decision is an approval,
    by different people, none of them the line's creator.

    Returns columns `validated`, `self_signed` (a creator approved their own line) and
    `same_person` (one person approved for two required roles), indexed by line_id.

    Sign-offs are keyed by the line's position and the role's place in the policy (integers):
    nationally there are about two for every line, and grouping them by strings cost more than
    all the rest of a line's facts.
    """
    n = len(lines)
    required = list(policy.signoff_roles_required)
    role_no = signoffs["role"].map({role: i for i, role in enumerate(required)}).to_numpy()
    pos = pd.Index(lines["line_id"]).get_indexer(signoffs["line_id"])
    keep = np.flatnonzero(pd.notna(role_no) & (pos >= 0))
    pos, role_no = pos[keep], role_no[keep].astype(np.int64)
    day = pd.to_datetime(signoffs["date"].iloc[keep]).to_numpy()
    # The latest decision per line and role: last by (date, row order); undated ones sort last.
    order = np.lexsort((keep, day, np.isnat(day), role_no, pos))
    pos, role_no = pos[order], role_no[order]
    latest = np.r_[(pos[1:] != pos[:-1]) | (role_no[1:] != role_no[:-1]), True] if len(pos) else pos.astype(bool)
    rows = keep[order][latest]
    pos = pos[latest]
    decision = signoffs["decision"].to_numpy(dtype=object)[rows]
    approved = decision == "approve"
    rejected = np.zeros(n, dtype=bool)
    rejected[pos[decision == "reject"]] = True
    pos = pos[approved]
    person = _name_keys(signoffs["person"].to_numpy(dtype=object)[rows[approved]])
    self_signed = np.zeros(n, dtype=bool)
    self_signed[pos[person == _name_keys(lines["created_by"].to_numpy(dtype=object))[pos]]] = True
    roles = np.bincount(pos, minlength=n)  # one approved row per line and role
    person_no = pd.factorize(person)[0].astype(np.int64)  # -1: no person, not counted
    width = person_no.max(initial=0) + 1
    named = person_no >= 0
    pairs = np.sort(pos[named] * width + person_no[named])
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs  # each (line, person) once
    people = np.bincount(pairs // width, minlength=n)
    same_person = people != roles
    validated = (roles == len(required)) & (roles > 0) & ~self_signed & ~same_person
    return pd.DataFrame({"self_signed": self_signed, "same_person": same_person, "validated": validated,
                         "rejected": rejected}, index=pd.Index(lines["line_id"], name="line_id"))


def qia_status(lines: pd.DataFrame, schemes: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """R-GOV-2: clinical changes (policy `qia_required_for`, or a scheme flagged) need a QIA ref."""
    sch = schemes.set_index("scheme_id")
    flagged = sch["qia_required"].reindex(lines["scheme_id"]).fillna(False).astype(bool).to_numpy()
    ref = sch["qia_ref"].reindex(lines["scheme_id"]).fillna("").astype(str).str.strip().to_numpy()
    needed = lines["benefit_type"].isin(policy.qia_required_for).to_numpy() | flagged
    return pd.DataFrame({"qia_needed": needed, "qia_ok": ~needed | (ref != "")}, index=lines["line_id"])


def duplicates(lines: pd.DataFrame, start: pd.Series, end: pd.Series) -> pd.Series:
    """R-DUP-1: a (product, cost centre) can be on one active line per period and effect.

    `end` is when each line stops being active (`status.active_until`): a withdrawn or rejected
    line never blocks another, a reversed one only until its stop month. The effect is price
    (the prices differ, or no baseline volume is given) or volume (a baseline volume is given,
    F3), or both: a price line and a demand-management line on the same product each count.
    Where two lines share an effect on the same product and cost centre in overlapping periods,
    the later one (by go-live, then id) is the duplicate; the Series maps it to the line it
    repeats: the earliest to go live of those it overlaps, the lowest id among lines going live
    the same day.
    """
    volume = lines["baseline_volume_milli"].notna().to_numpy()
    price = (lines["baseline_micro"] != lines["new_micro"]).to_numpy() | ~volume
    frame = pd.DataFrame({"line_id": lines["line_id"].to_numpy(), "product_code": lines["product_code"].to_numpy(),
                          "cost_centre": lines["cost_centre"].to_numpy(), "start": start.to_numpy(),
                          "end": end.to_numpy(), "price": price, "volume": volume})
    frame = frame[(frame["product_code"].fillna("").str.strip() != "") & (frame["start"] < frame["end"])]
    pairs = frame.merge(frame, on=["product_code", "cost_centre"], suffixes=("", "_other"))
    earlier = (pairs["start_other"] < pairs["start"]) | (
        (pairs["start_other"] == pairs["start"]) & (pairs["line_id_other"] < pairs["line_id"]))
    overlap = (pairs["start_other"] < pairs["end"]) & (pairs["start"] < pairs["end_other"])
    same_effect = (pairs["price"] & pairs["price_other"]) | (pairs["volume"] & pairs["volume_other"])
    dup = (pairs[earlier & overlap & same_effect].sort_values(["start_other", "line_id_other"])  # ties: lower id
           .groupby("line_id")["line_id_other"].first())
    return dup.reindex(lines["line_id"]).rename("duplicate_of")


def stacked(lines: pd.DataFrame, start: pd.Series, holds_until: pd.Series, duplicate_of: pd.Series) -> pd.DataFrame:
    """R-DUP-3: the earlier line whose price, and whose volume, each line is to be measured after.

    Stacked schemes on one item are measured sequentially: once a line has changed the price of a
    product at a cost centre, a later line on it is measured from that new price (and likewise a
    volume line from the new volume). For each line, the latest line that went live before it on
    the same product and cost centre, changed the price (its two prices differ) or the volume (it
    gives a baseline volume), and still held when it went live: `holds_until` is the day each
    line's change stops holding (the contract or line end, or the month it stopped). Duplicates
    (R-DUP-1) take no part: theirs is another line's change, and they count nothing; nor do lines
    stopped before they went live (withdrawn, rejected). A cost avoidance line is measured from a
    counterfactual price (the rise resisted, the quotes beaten), never stacked on another. Columns
    `price_after` and `volume_after` (line ids, missing where there is none); ties on go-live
    go to the higher id, the later of two lines going live the same day.
    """
    volume = lines["baseline_volume_milli"].notna().to_numpy()
    frame = pd.DataFrame({"line_id": lines["line_id"].to_numpy(), "product_code": lines["product_code"].to_numpy(),
                          "cost_centre": lines["cost_centre"].to_numpy(), "start": start.to_numpy(),
                          "until": holds_until.to_numpy(),
                          "price": (lines["baseline_micro"] != lines["new_micro"]).to_numpy(),
                          "volume": volume})
    frame = frame[(frame["product_code"].fillna("").str.strip() != "") & duplicate_of.isna().to_numpy()
                  & (frame["start"] < frame["until"])]  # a line stopped before it went live claims nothing
    later = frame[~lines["benefit_type"].isin(AVOIDANCE_TYPES).to_numpy()[frame.index]]  # R-INF-1: a quoted price
    pairs = later.merge(frame, on=["product_code", "cost_centre"], suffixes=("", "_before"))
    pairs = pairs[(pairs["start_before"] < pairs["start"]) & (pairs["start"] < pairs["until_before"])]
    pairs = pairs.sort_values(["start_before", "line_id_before"])
    out = pd.DataFrame(index=pd.Index(lines["line_id"], name="line_id"))
    for effect in ("price", "volume"):
        chosen = pairs[pairs[effect] & pairs[f"{effect}_before"]]
        out[f"{effect}_after"] = chosen.groupby("line_id")["line_id_before"].last().reindex(out.index)
    return out.reset_index(drop=True)
