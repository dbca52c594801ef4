"""`expense-sync demo`: a month of card spend synced to a new Beancount ledger."""
