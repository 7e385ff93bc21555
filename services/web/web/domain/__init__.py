"""Accounts and sign-in rules; credentials only, never domain data."""
