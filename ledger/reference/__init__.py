"""National reference data that is not a trust's register (tower codes and their validity)."""
