"""Clients of the bank-data aggregators, one module per provider."""
