"""Example registers for savings-ledger, shipped in the wheel as `savings_ledger_examples`.

- `worked`: one tiny register per worked example E1–E10 of DOMAIN.md, written to `worked/<name>/`.
- `acute_trust`: a realistic acute trust register with planted problems, written to `acute-trust/`.
- `generate`: deterministic synthetic registers for national-scale runs.

Every register is plain text (CSV folders, all values strings) so it can be committed and diffed.
"""
