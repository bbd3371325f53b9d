"""Tower or local: which total a line's saving belongs to (R-DUP-4, policy `tower_attribution`).

A saving is in the trust's local CIP or in the tower-recognised total, never both. Under the
default `catalogue_price_change_to_tower` the register's `attribution` decides (a catalogue price
change of an item already bought through NHS Supply Chain is the tower's; a trust decision is
local, flagged `tower_enabled` when the tower contract made it possible), and `suspect` names the
lines whose attribution contradicts that rule. Under `all_nhssc_route_to_tower` every line on an
NHSSC-route contract is the tower's, whatever the register says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledger.errors import LedgerError
from ledger.policy import Policy

POLICIES = ("catalogue_price_change_to_tower", "all_nhssc_route_to_tower")
CATALOGUE_TYPES = ("PRICE_REDUCTION",)
TRUST_DECISIONS = (
    "PRODUCT_SWITCH",
    "DEMAND_MANAGEMENT",
    "SPEC_CHANGE",
    "AGGREGATION",
    "NEW_COMMERCIAL_ARRANGEMENT",
)


def tower_flags(facts: pd.DataFrame, policy: Policy) -> np.ndarray:
    """True where the line's saving is the tower's (and so never local CIP)."""
    if policy.tower_attribution not in POLICIES:
        raise LedgerError(
            f"policy tower_attribution: {policy.tower_attribution!r} is not one of {', '.join(POLICIES)}"
        )
    declared = (facts["attribution"] == "tower").to_numpy()
    if policy.tower_attribution == "all_nhssc_route_to_tower":
        return declared | (facts["route"] == "nhssc").to_numpy()
    return declared


def suspect(facts: pd.DataFrame) -> pd.Series:
    """Why a line's attribution looks wrong under the default rule ("" when it looks right)."""
    kind = facts["benefit_type"]
    nhssc = facts["route"] == "nhssc"
    enabled = facts["tower_enabled"].fillna(False).astype(bool)
    reasons = np.select(
        [
            facts["tower"] & kind.isin(TRUST_DECISIONS),
            facts["tower"] & ~nhssc,
            ~facts["tower"] & nhssc & kind.isin(CATALOGUE_TYPES) & ~enabled,
        ],
        [
            kind.str.lower().str.replace("_", " ")
            + " is a trust decision: attribute it local (tower_enabled)",
            "attributed to a tower but its contract's route is " + facts["route"].replace("", "not given"),
            "an NHS Supply Chain catalogue price change attributed local: NHSSC will claim it too; "
            "attribute it to the tower, or set tower_enabled if the trust negotiated it",
        ],
        default="",
    )
    return pd.Series(reasons, index=facts.index)
