"""Reports built on the ledger: the board pack (PDF) and the audit workbook (Excel)."""
