"""Reading a stored document's fields: each reader checks one value and names where a bad one sits.

Every part of an incident (storage.domain.parts) and the incident itself
(storage.domain.model) read their documents with these; a value that is not what it
should be raises ValidationError, whose message says where and why.
"""

from __future__ import annotations

from pendulum import DateTime

from .clock import from_iso


class ValidationError(ValueError):
    """A document does not hold a valid incident; the message says where and why."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


# The field readers below run millions of times when a long history is read (a migrate, the review's
# first build): each message is put together only when the check fails.

def text_field(data: dict, key: str, where: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if value.__class__ is str:  # the common case, checked first
        return value
    require(value is not None or key in data, f"{where}.{key} is missing")
    require(isinstance(value, str), f"{where}.{key} must be text, found {type(value).__name__}")
    return value


def instant_field(data: dict, key: str, where: str, optional: bool = True) -> DateTime | None:
    value = data.get(key)
    if value is None:
        require(optional, f"{where}.{key} is missing")
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{where}.{key} must be an ISO-8601 instant")
    try:
        return from_iso(value)
    except Exception as exc:  # pendulum raises several parser errors
        raise ValidationError(f"{where}.{key} is not an instant: {value!r}") from exc


def list_field(data: dict, key: str, where: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValidationError(f"{where}.{key} must be a list")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ValidationError(f"{where}.{key}[{i}] must be an object")
    return value


def number_field(data: dict, key: str, where: str, default: float = 0) -> float:
    value = data.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ValidationError(f"{where}.{key} must be a number")
    return value
