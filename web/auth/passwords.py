"""The password policy for passwords people choose, and changing one's own password.

At least 12 characters; not the user id or a common password; not the demo password; and a change must actually
change it. (Generated and seeded passwords are the store's business: ``AccountRepository`` only refuses an empty one.)
"""

from __future__ import annotations

from store.accounts import DEMO_PASSWORD

MIN_LENGTH = 12
COMMON = frozenset(
    {
        "password1234",
        "passw0rd1234",
        "123456789012",
        "qwertyuiop12",
        "yorisoiyorisoi",
        "administrator",
        "welcome12345",
        "iloveyou1234",
    }
)


def password_problems(user_id: str, new: str, current: str | None = None) -> list[str]:
    """What is wrong with ``new`` as ``user_id``'s password, in Japanese (empty: acceptable)."""
    problems = []
    if len(new) < MIN_LENGTH:
        problems.append(f"パスワードは{MIN_LENGTH}文字以上にしてください。")
    if user_id and user_id.lower() in new.lower():
        problems.append("パスワードにユーザーIDを含めないでください。")
    if new.lower() in COMMON or len(set(new)) < 4:
        problems.append("推測されやすいパスワードは使えません。")
    if new == DEMO_PASSWORD:
        problems.append("デモ用パスワードは使えません。")
    if current is not None and new == current:
        problems.append("現在と異なるパスワードにしてください。")
    return problems
