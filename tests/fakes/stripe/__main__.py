"""`python -m tests.fakes.stripe`: `make run`'s development stand-in of Stripe."""

from tests.fakes.stripe.server import main

main()
