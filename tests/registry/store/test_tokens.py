"""Tokens are shown once, stored hashed, and refused once revoked or expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from registry.db.engine import make_engine
from registry.store.revisions import now
from registry.store.tokens import Role, create_token, find_token, list_tokens, revoke_token


@pytest.fixture
def engine(fresh_settings):
    engine = make_engine(fresh_settings.effective_database_url)
    yield engine
    engine.dispose()


def test_only_the_hash_is_stored(engine) -> None:
    with engine.begin() as conn:
        token, secret = create_token(conn, name="ops", role=Role.ADMIN)
        stored = conn.execute(sa.text("SELECT * FROM tokens")).mappings().one()
    assert secret.startswith("mosy_") and len(secret) > 40
    assert secret not in {str(v) for v in stored.values()}
    assert stored["secret_hash"] != secret and len(stored["secret_hash"]) == 64
    assert secret.startswith(token.prefix)


def test_the_secret_finds_its_token_and_nothing_else_does(engine) -> None:
    with engine.begin() as conn:
        token, secret = create_token(conn, name="ops", role=Role.ADMIN)
        assert find_token(conn, secret) == token
        assert find_token(conn, secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
        assert find_token(conn, "not-a-token") is None


def test_revoked_and_expired_tokens_say_why(engine) -> None:
    with engine.begin() as conn:
        revoked, _ = create_token(conn, name="a", role=Role.ADMIN)
        create_token(conn, name="b", role=Role.ADMIN, expires_in=timedelta(days=1))
        assert revoke_token(conn, pk=revoked.pk)
        assert not revoke_token(conn, pk=revoked.pk)
        tokens = {t.name: t for t in list_tokens(conn)}
    assert tokens["a"].refusal(now()) == "the token was revoked"
    assert tokens["b"].refusal(now()) is None
    assert "expired" in tokens["b"].refusal(now() + timedelta(days=2))


def test_provider_roles_need_a_provider(engine) -> None:
    with engine.begin() as conn, pytest.raises(ValueError, match="data provider"):
        create_token(conn, name="x", role=Role.SUBMITTER)
