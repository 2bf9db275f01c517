"""The staff console under /console/: plan tiers, companies' billing, overrides, the change log."""
