"""The pure model: rules and values that know nothing of HTTP, SQL or ledgers."""
