"""Accounts and money in: allocations, payments, credit notes, opening balances, ledgers."""
