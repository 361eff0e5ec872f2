"""The locked screen's key: the password typed at sign-in opens it on this PC (offline too), nothing else does,
and nothing of the password is kept as typed."""

from __future__ import annotations

from kiosk_app.auth import LockKey


def test_the_password_typed_at_sign_in_opens_the_lock_and_nothing_else_does() -> None:
    key = LockKey()
    assert key.opens("anything") is None  # a resumed session typed no password: the server is asked instead
    key.remember("ramesh.sharma", "camels rest near the stepwell")
    assert key.sso_id == "ramesh.sharma"
    assert key.opens("camels rest near the stepwell") is True
    for wrong in ("camels rest near the stepwel", "Camels rest near the stepwell", " camels rest near the stepwell"):
        assert key.opens(wrong) is False
    assert b"camels" not in repr(vars(key)).encode()
    key.forget()
    assert key.opens("camels rest near the stepwell") is None


def test_two_sign_ins_keep_different_keys_for_the_same_password() -> None:
    first, second = LockKey(), LockKey()
    first.remember("a", "the same password")
    second.remember("a", "the same password")
    assert vars(first)["_key"][2] != vars(second)["_key"][2]  # salted
