"""Cash flow: the balances and money in and out of the past months (``history``), and the
balance ahead (``forecast``) from open invoices, open purchase documents, recurring debits
and the tax calendar (``tax``). The computations are pure functions over small inputs; each
module's ``*_inputs`` function makes the few queries they need."""
