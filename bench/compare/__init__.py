"""Side-by-side sample-efficiency harness: hyperscout and other optimizers on the same problems, seeds and
budgets in one run. See bench/README.md ("bench/compare") for the suites, the profiles and how to run it."""
