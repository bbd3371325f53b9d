"""R-GOV-1: where a saving line is in its life, derived from its events, never declared.

The status machine is `IDEA -> PROPOSED -> QIA_APPROVED -> PLAN_APPROVED -> IN_DELIVERY ->
VALIDATED -> CLOSED`, with the side exits REJECTED, WITHDRAWN and REVERSED. A line's status is
its last status event; before it has any, the stage its scheme declares in the register (never
VALIDATED or later: a register cannot declare that). Sign-offs stay the one rule for validation
(R-ELG-1, R-GOV-3): a line whose sign-offs validate it is VALIDATED even before the event that
records it. Pure: frames in, one row per line out.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ledger.engine import phasing

STATUSES = ("IDEA", "PROPOSED", "QIA_APPROVED", "PLAN_APPROVED", "IN_DELIVERY", "VALIDATED", "CLOSED",
            "REJECTED", "WITHDRAWN", "REVERSED")
PRE_VALIDATION = ("IDEA", "PROPOSED", "QIA_APPROVED", "PLAN_APPROVED", "IN_DELIVERY")
STOPPED = ("REJECTED", "WITHDRAWN", "REVERSED")
LOCKED = ("VALIDATED", "CLOSED", "REVERSED")  # R-GOV-4: the line's fields can no longer change
DECLARABLE = (*PRE_VALIDATION, "REJECTED", "WITHDRAWN")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "IDEA": ("PROPOSED", "REJECTED", "WITHDRAWN"),
    "PROPOSED": ("QIA_APPROVED", "PLAN_APPROVED", "REJECTED", "WITHDRAWN"),
    "QIA_APPROVED": ("PLAN_APPROVED", "REJECTED", "WITHDRAWN"),
    "PLAN_APPROVED": ("IN_DELIVERY", "WITHDRAWN"),
    "IN_DELIVERY": ("VALIDATED", "REVERSED", "WITHDRAWN"),
    "VALIDATED": ("CLOSED", "REVERSED"),
    "CLOSED": ("REVERSED",),
    "REJECTED": (),
    "WITHDRAWN": (),
    "REVERSED": (),
}
NEVER = -1  # stop month of a line that never stops; 0 = stops before any month (declared exit)


def reached(status: str, stage: str) -> bool:
    """Whether `status` is at or past `stage` on the main path (side exits reach nothing)."""
    path = (*PRE_VALIDATION, "VALIDATED", "CLOSED")
    return status in path and path.index(status) >= path.index(stage)


def line_status(lines: pd.DataFrame, schemes: pd.DataFrame, events: pd.DataFrame,
                validated: pd.Series) -> pd.DataFrame:
    """One row per line_id: `status`, `stop_month`, `qia_passed`, `declared_ignored`, `status_reason`.

    `stop_month` is the month index from which a REVERSED, WITHDRAWN or REJECTED line stops
    counting (R-REV-1), NEVER otherwise. `qia_passed` is true once a QIA_APPROVED event exists
    (R-GOV-2). `declared_ignored` flags a scheme stage of VALIDATED or later with no event behind
    it: the line is taken as IN_DELIVERY.
    """
    ids = lines["line_id"]
    stage = schemes.set_index("scheme_id")["stage"].reindex(lines["scheme_id"]).fillna("").astype(str)
    stage = stage.str.strip().str.upper().to_numpy()
    declared = np.where(stage == "", "IDEA", np.where(np.isin(stage, DECLARABLE), stage, "IN_DELIVERY"))
    ignored = (stage != "") & ~np.isin(stage, DECLARABLE)
    out = pd.DataFrame({"status": declared, "stop_month": NEVER, "qia_passed": False,
                        "declared_ignored": ignored, "status_reason": ""}, index=pd.Index(ids, name="line_id"))
    out.loc[np.isin(declared, STOPPED), "stop_month"] = 0
    if not events.empty:
        moves = events[(events["entity"] == "line") & (events["action"] == "status")].sort_values("seq")
        moves = moves[moves["entity_id"].isin(out.index)]
        last = moves.groupby("entity_id").last()
        out.loc[last.index, "status"] = last["to_status"].to_numpy()
        out.loc[last.index, "status_reason"] = last["reason"].fillna("").to_numpy()
        out.loc[last.index, "declared_ignored"] = False
        stopped = last[last["to_status"].isin(STOPPED)]
        out.loc[stopped.index, "stop_month"] = stopped["effective_month"].fillna(0).astype(np.int64).to_numpy()
        qia = moves.loc[moves["to_status"] == "QIA_APPROVED", "entity_id"].unique()
        out.loc[out.index.isin(qia), "qia_passed"] = True
    ok = validated.reindex(out.index, fill_value=False).astype(bool).to_numpy()
    out.loc[ok & out["status"].isin(PRE_VALIDATION).to_numpy(), "status"] = "VALIDATED"
    out.loc[ok, "declared_ignored"] = False
    out["stop_month"] = out["stop_month"].astype(np.int64)
    return out


def active_until(window_end: np.ndarray, stop_month: np.ndarray) -> np.ndarray:
    """R-REV-1, R-DUP-1: the day each line stops being active: the first day of its stop month, or
    the end of its window when it never stops (a line stopped before any month is never active)."""
    stops = stop_month != NEVER
    month = np.where(stops, stop_month, 1970 * 12) - 1970 * 12  # the month index of ledger.calendar
    first_day = month.astype("datetime64[M]").astype("datetime64[D]")
    return np.where(stops, np.minimum(window_end, first_day), window_end)


def cost_pressure(grid: pd.DataFrame, budgets: pd.DataFrame, stop_month: pd.Series) -> pd.Series:
    """R-REV-1: budget already removed for a line that stopped saving is a cost pressure.

    Per line and FY (aligned with `grid`): the budget removed for the months from the stop month
    on, i.e. a recurrent reduction counted as if it took effect on the first day of that month
    (or its own date, if later), and a one-off reduction dated on or after that day. A line
    stopped before it ever counted (stop month 0) turns all its budget removal into pressure.
    """
    stops = stop_month[stop_month != NEVER]
    chosen = budgets[budgets["line_id"].isin(stops.index)] if not budgets.empty else budgets
    if chosen.empty or grid.empty:
        return pd.Series(np.zeros(len(grid), dtype=np.int64), index=grid.index)
    eff = pd.to_datetime(chosen["effective_from"])
    stop = chosen["line_id"].map(stops).to_numpy(np.int64)
    first = pd.to_datetime(pd.DataFrame({"year": np.maximum(stop // 12, 1), "month": stop % 12 + 1, "day": 1}))
    first = pd.Series(np.where(stop == 0, eff, first), index=chosen.index)
    keep = chosen["recurrent"].astype(bool) | (eff >= first)
    clipped = chosen.assign(effective_from=np.maximum(eff, first).dt.date)[keep]
    return phasing.budget_removed(grid, clipped)
