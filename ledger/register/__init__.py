"""The register: the workbook (or CSV folder) a trust fills in, and its import into the ledger."""
