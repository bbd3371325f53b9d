"""Reference data the example builders draw on: spend categories, typical items, divisions, people.

Both the realistic acute trust and the national generator describe the same kind of trust: NHS
Supply Chain towers T1–T11 (DOMAIN.md 6.1) beside the trust-managed categories of DOMAIN.md
section 3 (ICT, estates, temporary staffing, energy, clinical waste, ...). Keeping the items,
their units and typical prices and volumes in one table keeps the two builders consistent and
the numbers plausible. All names of people and suppliers are invented.
"""
from __future__ import annotations

from dataclasses import dataclass

from .registers import micros_of


@dataclass(frozen=True)
class Item:
    """A thing a trust buys: typical unit price (pounds, as text) and annual volume for one line."""

    name: str
    unit: str
    price: str
    volume: int

    @property
    def micros(self) -> int:
        """The typical unit price in millionths of a pound."""
        return micros_of(self.price)

    @property
    def monthly_service(self) -> bool:
        """Billed once a month (volume 12 a year): such lines go live on the 1st."""
        return self.unit == "month"


@dataclass(frozen=True)
class Category:
    """A spend category: an NHSSC tower (route nhssc) or a trust-managed category."""

    code: str
    name: str
    route: str
    subjective: str
    divisions: tuple[str, ...]
    suppliers: tuple[str, ...]
    items: tuple[Item, ...]

    @property
    def tower(self) -> str:
        return self.code if self.route == "nhssc" else ""


CLINICAL = ("Surgery", "Medicine", "Women and Children", "Clinical Support")
SUPPLY_CHAIN = ("NHS Supply Chain",)

CATEGORIES: tuple[Category, ...] = (
    Category("T1", "Ward-based consumables", "nhssc", "non_pay", CLINICAL, SUPPLY_CHAIN, (
        Item("Nitrile examination gloves", "glove", "0.0345", 2_400_000),
        Item("Sterile dressing pack", "pack", "0.62", 80_000),
        Item("Syringe 10ml luer lock", "each", "0.048", 600_000),
        Item("Incontinence pad", "each", "0.21", 450_000),
        Item("Hypodermic needle 21G", "each", "0.019", 900_000),
        Item("Disposable apron", "each", "0.028", 1_200_000),
        Item("IV giving set", "each", "0.78", 120_000),
        Item("Patient wipes", "pack", "1.35", 60_000))),
    Category("T2", "Sterile intervention equipment and associated consumables", "nhssc", "non_pay",
             ("Surgery", "Women and Children"), SUPPLY_CHAIN, (
        Item("Surgical gown standard L", "each", "2.65", 40_000),
        Item("Theatre drape pack", "pack", "14.80", 9_000),
        Item("Absorbable suture 3-0", "each", "3.10", 25_000),
        Item("Laparoscopic trocar 12mm", "each", "38.50", 3_000),
        Item("Surgical blade no.22", "each", "0.085", 60_000))),
    Category("T3", "Infection control and wound care", "nhssc", "non_pay", CLINICAL, SUPPLY_CHAIN, (
        Item("Foam dressing 10x10cm", "each", "1.95", 70_000),
        Item("Alcohol hand rub 500ml", "bottle", "2.40", 30_000),
        Item("FFP3 respirator", "each", "1.10", 50_000),
        Item("Negative pressure dressing kit", "kit", "46.00", 1_500))),
    Category("T4", "Orthopaedics, trauma and spine, ophthalmology", "nhssc", "non_pay", ("Surgery",),
             SUPPLY_CHAIN, (
        Item("Cemented hip stem", "each", "333.00", 600),
        Item("Knee tibial tray", "each", "820.00", 400),
        Item("Bone cement 40g", "pack", "38.00", 2_500),
        Item("Locking plate 3.5mm", "each", "145.00", 900),
        Item("Intraocular lens", "each", "48.00", 3_000))),
    Category("T5", "Rehabilitation, disabled services, women's health", "nhssc", "non_pay",
             ("Medicine", "Women and Children"), SUPPLY_CHAIN, (
        Item("Walking frame", "each", "24.00", 1_500),
        Item("Pressure-relieving cushion", "each", "65.00", 600),
        Item("Maternity pad", "pack", "1.20", 40_000),
        Item("Breast pump kit", "kit", "9.50", 3_000))),
    Category("T6", "Cardio-vascular, radiology, audiology and pain management", "nhssc", "non_pay",
             ("Medicine", "Clinical Support"), SUPPLY_CHAIN, (
        Item("Angiography catheter", "each", "21.00", 8_000),
        Item("Coronary guidewire", "each", "58.00", 3_500),
        Item("Contrast media 100ml", "bottle", "16.50", 20_000),
        Item("ECG electrode", "each", "0.042", 500_000))),
    Category("T7", "Large diagnostic capital devices", "nhssc", "capital", ("Clinical Support",),
             SUPPLY_CHAIN, (
        Item("Ultrasound system", "each", "62000.00", 2),
        Item("Mobile X-ray unit", "each", "95000.00", 1),
        Item("Patient monitor", "each", "7400.00", 12))),
    Category("T8", "Diagnostic equipment and associated consumables", "nhssc", "non_pay", CLINICAL,
             SUPPLY_CHAIN, (
        Item("Blood glucose test strip", "strip", "0.145", 400_000),
        Item("Blood collection tube", "each", "0.065", 800_000),
        Item("Pulse oximeter probe", "each", "6.80", 5_000),
        Item("Tympanic thermometer cover", "each", "0.021", 600_000))),
    Category("T9", "Office solutions", "nhssc", "non_pay", ("Corporate",), SUPPLY_CHAIN, (
        Item("A4 copier paper", "ream", "2.85", 40_000),
        Item("Toner cartridge", "each", "48.00", 1_200),
        Item("C5 envelopes", "box", "6.20", 3_000))),
    Category("T10", "Food", "nhssc", "non_pay", ("Estates and Facilities",), SUPPLY_CHAIN, (
        Item("Patient meal (cook-chill)", "meal", "3.85", 120_000),
        Item("Milk 1 pint", "pint", "0.52", 40_000),
        Item("Bread loaf", "each", "0.95", 8_000))),
    Category("T11", "NHS hotel services", "nhssc", "non_pay", ("Estates and Facilities",), SUPPLY_CHAIN, (
        Item("Linen hire: sheet", "each", "0.38", 900_000),
        Item("Cleaning chemicals 5L", "each", "11.50", 4_000),
        Item("Paper hand towels", "case", "18.00", 6_000))),
    Category("ICT", "ICT", "framework", "non_pay", ("Corporate",),
             ("Brightwire IT Ltd", "Northgate Digital plc", "Cloudwell Services Ltd"), (
        Item("Managed print service", "month", "18500.00", 12),
        Item("Office software licence", "licence", "210.00", 6_500),
        Item("Mobile phone line", "line-month", "14.00", 28_800),
        Item("Laptop lease", "device-month", "32.00", 12_000),
        Item("Network support", "month", "42000.00", 12))),
    Category("EST", "Estates", "local", "non_pay", ("Estates and Facilities",),
             ("Pennine Lifts Ltd", "Firesafe Systems Ltd", "GreenEdge Grounds Ltd"), (
        Item("Lift maintenance", "month", "9800.00", 12),
        Item("Fire alarm servicing", "month", "4200.00", 12),
        Item("Grounds maintenance", "month", "6100.00", 12),
        Item("Water hygiene testing", "month", "3400.00", 12))),
    Category("STAFF", "Temporary staffing", "framework", "pay", CLINICAL,
             ("Meridian Healthcare Staffing Ltd", "CareForce Agency Ltd", "Locum Partners LLP"), (
        Item("Agency registered nurse (band 5)", "hour", "55.00", 48_000),
        Item("Locum consultant (medicine)", "hour", "145.00", 6_000),
        Item("Agency healthcare assistant", "hour", "28.50", 30_000),
        Item("Agency radiographer", "hour", "62.00", 8_000))),
    Category("PHC", "Purchased healthcare", "local", "non_pay", ("Clinical Support", "Surgery"),
             ("Vista Imaging Ltd", "Riverside Independent Hospital", "Lab Partners Ltd"), (
        Item("Outsourced MRI scan", "scan", "165.00", 6_000),
        Item("Independent sector cataract episode", "episode", "980.00", 500),
        Item("Pathology send-away test", "test", "22.00", 18_000))),
    Category("TRANS", "Patient transport", "framework", "non_pay", ("Corporate",),
             ("Swift Patient Transport Ltd", "Northshire Taxis Ltd"), (
        Item("Non-emergency patient journey", "journey", "38.00", 52_000),
        Item("Taxi transfer", "journey", "24.00", 9_000),
        Item("Discharge transport service", "month", "21000.00", 12))),
    Category("FM", "Facilities management", "local", "non_pay", ("Estates and Facilities",),
             ("Apex Facilities Ltd", "Guardian Security Ltd", "PestAway Ltd"), (
        Item("Portering service", "month", "61000.00", 12),
        Item("Pest control", "month", "1150.00", 12),
        Item("Security guarding", "hour", "19.50", 52_000),
        Item("Car park management", "month", "7800.00", 12))),
    Category("WASTE", "Clinical waste", "framework", "non_pay", ("Estates and Facilities",),
             ("Medwaste Services Ltd", "CleanStream Environmental Ltd"), (
        Item("Clinical waste (orange bag)", "tonne", "520.00", 900),
        Item("Sharps bin collection", "bin", "3.40", 40_000),
        Item("Offensive waste (tiger bag)", "tonne", "240.00", 700),
        Item("Anatomical waste", "tonne", "1450.00", 40))),
    Category("ENERGY", "Energy", "framework", "non_pay", ("Estates and Facilities",),
             ("Crown Energy Supply Ltd", "Northern Gas Trading Ltd", "Pennine Water plc"), (
        Item("Electricity", "MWh", "245.00", 32_000),
        Item("Gas", "MWh", "78.00", 60_000),
        Item("Water", "m3", "2.45", 280_000))),
    Category("CORP", "Corporate services", "local", "non_pay", ("Corporate",),
             ("Hale & Partners LLP", "LinguaCare Ltd", "WorkWell Occupational Health Ltd",
              "Speedy Couriers Ltd"), (
        Item("Legal services", "hour", "210.00", 2_400),
        Item("Interpreting services", "hour", "38.00", 7_000),
        Item("Occupational health check", "check", "45.00", 4_000),
        Item("Courier delivery", "delivery", "12.50", 14_000))),
)
CATEGORY_BY_CODE = {c.code: c for c in CATEGORIES}

# Credits and income are written the way worked example E6 writes a rebate: the amount as
# baseline_price, new_price 0, so (baseline - new) x volume is the credit or income.
CREDIT_ITEMS = {
    "REBATE": Item("Volume rebate credit", "credit", "18000.00", 1),
    "PAYMENT_TERMS": Item("Early payment discount credit", "credit", "9500.00", 1),
    "INCOME": Item("Recycling income", "tonne", "85.00", 240),
}

# Treatment by benefit type (DOMAIN.md section 3). BUDGETED: cash paths, the budget is reduced
# (or the income budget raised) by a journal; the others are cost avoidance, capital or waste claims.
BUDGETED = {"PRICE_REDUCTION", "PRODUCT_SWITCH", "DEMAND_MANAGEMENT", "SPEC_CHANGE", "AGGREGATION", "REBATE",
            "PAYMENT_TERMS", "NON_EFFICIENCY", "INCOME"}
ONE_OFF = {"REBATE", "PAYMENT_TERMS"}
QIA_TYPES = {"PRODUCT_SWITCH", "SPEC_CHANGE", "DEMAND_MANAGEMENT"}
SINGLE_LINE = ONE_OFF | {"CAPITAL", "INCOME", "NON_EFFICIENCY"}
TOWER_TYPES = {"PRICE_REDUCTION", "REBATE", "CAPITAL", "COST_AVOIDANCE_PRICE_INCREASE",
               "COST_AVOIDANCE_TENDER"}  # on an NHSSC contract these are the catalogue's doing (R-DUP-4)
PRICE_CUT = {  # (P0 - P1) / P0 in thousandths, low and high
    "PRICE_REDUCTION": (30, 150), "PRODUCT_SWITCH": (80, 300), "AGGREGATION": (40, 120),
    "DEMAND_MANAGEMENT": (10, 40), "SPEC_CHANGE": (50, 150), "NON_EFFICIENCY": (200, 400),
    "WASTE": (30, 100), "COST_AVOIDANCE_TENDER": (50, 200), "CAPITAL": (80, 250),
}
DIVISIONS: dict[str, tuple[str, ...]] = {
    "Surgery": ("CC2101", "CC2102", "CC2103", "CC2110", "CC2120", "CC2130"),
    "Medicine": ("CC3101", "CC3102", "CC3105", "CC3110", "CC3120", "CC3130"),
    "Women and Children": ("CC4101", "CC4102", "CC4110", "CC4120"),
    "Clinical Support": ("CC5101", "CC5102", "CC5110", "CC5120", "CC5130"),
    "Estates and Facilities": ("CC6101", "CC6102", "CC6110", "CC6120", "CC6130"),
    "Corporate": ("CC7101", "CC7102", "CC7110", "CC7120"),
}
BUDGET_HOLDERS: dict[str, tuple[str, ...]] = {
    "Surgery": ("James Hartley", "Sarah Collins"),
    "Medicine": ("Olivia Grant", "Mohammed Iqbal"),
    "Women and Children": ("Rachel Moore", "Ben Fraser"),
    "Clinical Support": ("Kate Lindqvist", "Daniel Osei"),
    "Estates and Facilities": ("Gareth Hughes", "Emma Walsh"),
    "Corporate": ("Fiona Campbell", "Nathan Brooks"),
}
PROCUREMENT = ("Priya Shah", "Tom Ellis", "Grace Okafor", "Liam Byrne", "Hannah Cole", "Marcus Reid")
FINANCE = ("Aisha Khan", "David Price", "Sophie Turner", "Ravi Patel", "Claire Dunn")
CLINICAL_LEADS = ("Dr Nia Roberts", "Helen Ward", "Dr Peter Lowe")
