"""The counting engine: pure functions from frames and a policy to figures and findings.

No database or file access happens here (DESIGN.md); `ledger.frames` loads the inputs.
"""
