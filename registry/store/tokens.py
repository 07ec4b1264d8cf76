"""Bearer tokens: created once, stored as their SHA-256 only, checked per request.

A token is ``mosy_`` followed by 32 random bytes (URL-safe base64). Being
random and long, a plain SHA-256 is the right hash (nothing to brute-force,
as there would be with a password) and lets a request find its row by an
indexed look-up. The first characters are kept as ``prefix`` so that a
listing can tell tokens apart without showing them.

Roles: ``admin`` (structure maintenance, every provider), ``submitter``
(submits and reads one data provider's data) and ``reader`` (reads it, and
subscribes); the rules are in ``registry.data_access``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, insert, select, update

from registry.db.tables import tokens
from registry.store.revisions import _aware, now

PREFIX = "mosy_"


class Role(StrEnum):
    ADMIN = "admin"
    SUBMITTER = "submitter"
    READER = "reader"


@dataclass(frozen=True, slots=True)
class Token:
    """What the store knows of a token (never the secret)."""

    pk: int
    name: str
    prefix: str
    role: Role
    provider: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def refusal(self, at: datetime) -> str | None:
        """Why this token may not be used at ``at``; None if it may."""
        if self.revoked_at is not None:
            return "the token was revoked"
        if self.expires_at is not None and at >= self.expires_at:
            return f"the token expired at {self.expires_at.isoformat()}"
        return None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    conn: Connection,
    *,
    name: str,
    role: Role,
    provider: str | None = None,
    expires_in: timedelta | None = None,
) -> tuple[Token, str]:
    """A new token and its secret; the secret is shown once and never stored."""
    if role is not Role.ADMIN and not provider:
        raise ValueError(f"a {role} token acts for a data provider: name one")
    secret = PREFIX + secrets.token_urlsafe(32)
    created = now()
    pk = conn.execute(
        insert(tokens)
        .values(
            name=name,
            prefix=secret[: len(PREFIX) + 6],
            secret_hash=hash_secret(secret),
            role=role.value,
            provider=provider,
            created_at=created,
            expires_at=created + expires_in if expires_in else None,
        )
        .returning(tokens.c.pk)
    ).scalar_one()
    return get_token(conn, pk), secret


def get_token(conn: Connection, pk: int) -> Token:
    return _token(conn.execute(select(tokens).where(tokens.c.pk == pk)).one())


def find_token(conn: Connection, secret: str) -> Token | None:
    """The token whose secret this is, whatever its state; None if unknown."""
    if not secret.startswith(PREFIX):
        return None
    row = conn.execute(select(tokens).where(tokens.c.secret_hash == hash_secret(secret))).first()
    return _token(row) if row is not None else None


def list_tokens(conn: Connection) -> list[Token]:
    return [_token(row) for row in conn.execute(select(tokens).order_by(tokens.c.pk))]


def revoke_token(conn: Connection, *, pk: int) -> bool:
    """Revoke a token; False if there is none with that number (or it was revoked)."""
    result = conn.execute(
        update(tokens)
        .where(tokens.c.pk == pk, tokens.c.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    return result.rowcount == 1


def _token(row) -> Token:
    return Token(
        pk=row.pk,
        name=row.name,
        prefix=row.prefix,
        role=Role(row.role),
        provider=row.provider,
        created_at=_aware(row.created_at),
        expires_at=_aware(row.expires_at) if row.expires_at else None,
        revoked_at=_aware(row.revoked_at) if row.revoked_at else None,
    )
