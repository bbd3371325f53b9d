"""A small CSV register for the governance tests, written into a folder the test owns.

Trust RG1, one contract to March 2028 and two lines:
- L1 (scheme S2, stage IN_DELIVERY): gloves, price reduction 4.00 -> 3.40 on 24,000 boxes a
  year from 1 Nov 2025: FYE £14,400, £1,200 a month; actuals Nov-Mar at 3.40 (2,000 a month);
  budget BA1 removes £14,400 a year from 1 Nov 2025. Created by Pat Procurement.
- L2 (scheme S1, no stage: IDEA): foam dressings, product switch (clinical, needs a QIA)
  2.50 -> 2.00 on 24,000 a year from 1 Jun 2025: £1,000 a month. Created by Pat Procurement.
Sheets can be replaced or extended per test (`write_register(folder, SignOffs=...)`).
"""
from __future__ import annotations

from pathlib import Path

BASE = {
    "Trust": """org_code,name,trust_type,region
RG1,Governance Test NHS Trust,acute,North
""",
    "Contracts": """contract_id,supplier,route,tower_code,category,start_date,end_date
C1,Supplies Ltd,local,,Clinical consumables,2025-04-01,2028-03-31
""",
    "Schemes": """scheme_id,title,division,category,owner,maturity,stage,qia_required,qia_ref
S1,Foam dressing switch,Surgery,Wound care,Sam Owner,fully_developed,,,
S2,Examination gloves,Surgery,Clinical consumables,Sam Owner,fully_developed,IN_DELIVERY,,
""",
    "SavingLines": """line_id,scheme_id,contract_id,product_code,cost_centre,subjective,benefit_type,attribution,\
tower_enabled,baseline_price,new_price,unit,annual_volume,go_live,end_date,one_off_costs,created_by,notes
L1,S2,C1,GLOVE-BOX,CC10,non_pay,PRICE_REDUCTION,local,false,4.00,3.40,box,24000,2025-11-01,,,Pat Procurement,
L2,S1,C1,FOAM-10,CC20,non_pay,PRODUCT_SWITCH,local,false,2.50,2.00,each,24000,2025-06-01,,,Pat Procurement,
""",
    "Actuals": """line_id,month,volume,price_paid
L1,2025-11,2000,3.40
L1,2025-12,2000,3.40
L1,2026-01,2000,3.40
L1,2026-02,2000,3.40
L1,2026-03,2000,3.40
""",
    "BudgetAdjustments": """adjustment_id,line_id,ledger_ref,cost_centre,subjective,amount,recurrent,effective_from
BA1,L1,JNL-0001,CC10,non_pay,14400.00,true,2025-11-01
""",
}
APPROVALS = """line_id,role,person,decision,date
L1,budget_holder,Bea Holder,approve,2025-11-10
L1,finance,Fin Accountant,approve,2025-11-11
"""


def write_register(folder: Path, **sheets: str) -> Path:
    """Write BASE with `sheets` replacing (or adding) sheets; a sheet given as "" is left out."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    for name, text in {**BASE, **sheets}.items():
        if text:
            (folder / f"{name}.csv").write_text(text)
    return folder


def edit(folder: Path, sheet: str, old: str, new: str) -> None:
    """Replace one exact piece of text in one sheet of a written register."""
    path = folder / f"{sheet}.csv"
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not once in {sheet}"
    path.write_text(text.replace(old, new))
