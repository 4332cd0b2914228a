"""Masking of personal identifiers for display (lists, exports, public notices)."""


def mask_id_number(value: str | None) -> str:
    """3212**********1234: the first 4 and last 4 characters stay."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张*明 / 王*: for public notices (公示)."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_account(value: str | None) -> str:
    """**** **** 1234: only the last 4 digits of a bank account stay."""
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def sensitive_kind(key: str) -> str | None:
    """Which identifier a stored field name holds ("id", "phone", "account"), or None.

    Audit payloads keep raw values under their field names; every display of them masks by the
    name (``holder_id_number``, ``contact_phone``, ``account_number`` …)."""
    k = str(key).lower()
    if "id_number" in k or k in ("id_card", "sfzh"):
        return "id"
    if "phone" in k or "mobile" in k:
        return "phone"
    if "account_number" in k or "account_no" in k or k == "card_number":
        return "account"
    return None


def mask_sensitive(key: str, value):
    """``value`` masked if ``key`` names an identifier, else unchanged."""
    kind = sensitive_kind(key)
    if kind is None or value in (None, ""):
        return value
    text = str(value)
    if kind == "id":
        return mask_id_number(text)
    if kind == "phone":
        return mask_phone(text)
    return mask_account(text)
