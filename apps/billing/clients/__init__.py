"""Clients of outside systems billing talks to: Stripe (payments, subscriptions, meters)."""
