"""Simulators of the accounting platforms expense-sync posts to, for tests and trials.

Each sandbox is its own package that imports nothing from ``expense_sync``, and the
product never imports a sandbox: the product could ship without them.
"""
