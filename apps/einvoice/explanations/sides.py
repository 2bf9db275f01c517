"""Whose side the user is on when they read a rule: the seller's or the buyer's."""

SALES = "sales"  # our user issued the document (a sales invoice)
RECEIVED = "received"  # our user received it (a supplier's invoice): only the supplier can fix it
# The same sides named after the party the user is (documents.problems speaks of these).
SIDES = {SALES: SALES, RECEIVED: RECEIVED, "seller": SALES, "buyer": RECEIVED}
