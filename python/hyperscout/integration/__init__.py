"""Bridges to other libraries. ``hyperscout.integration.optuna`` needs Optuna (``pip install optuna``)."""
