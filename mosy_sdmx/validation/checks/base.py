"""A check: a named function over the context that declares the codes it emits.

Declaring codes lets ``pick``/``skip`` leave out whole checks, and lets the
docs test prove every emitted code is documented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mosy_sdmx.validation.context import ValidationContext

CheckFunc = Callable[[ValidationContext], None]


@dataclass(frozen=True, slots=True)
class Check:
    """A named check and the issue codes it may report; called with the validation context."""

    name: str
    codes: tuple[str, ...]
    func: CheckFunc
    #: Only for DSDs of the THB agencies (rules.yaml ``thb_agencies``).
    thb_only: bool = False

    def __call__(self, ctx: ValidationContext) -> None:
        self.func(ctx)


REGISTRY: list[Check] = []


def check(name: str, *codes: str, thb_only: bool = False) -> Callable[[CheckFunc], CheckFunc]:
    """Register a check function under ``name`` emitting ``codes``."""

    def register(func: CheckFunc) -> CheckFunc:
        REGISTRY.append(Check(name, codes, func, thb_only))
        return func

    return register
