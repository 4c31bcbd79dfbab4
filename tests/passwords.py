"""The password hasher of the test suite: argon2id at its minimum cost.

tests/conftest.py makes it every ``AccountRepository``'s default (``store.accounts.use_password_hasher``); the
production parameters are checked on ``store.accounts.PASSWORD_HASHER`` itself (tests/store/test_accounts.py).
"""

from __future__ import annotations

from argon2 import PasswordHasher

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
