"""Writes of banking: ``accounts`` (bank accounts), ``statements`` (importing statement
files) and ``matches`` (payments matched to invoices and purchase documents)."""
