"""The multi-user web app over the ledger library (`savings serve`)."""
