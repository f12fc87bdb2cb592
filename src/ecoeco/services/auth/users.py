"""Queries on ``auth.users`` and ``auth.identities``."""

from __future__ import annotations

import uuid

import psycopg
from psycopg.rows import dict_row

from ecoeco.services.auth.oauth import ExternalAccount
from ecoeco.services.auth.schemas import User


async def create_user(
    conn: psycopg.AsyncConnection, email: str | None, password_hash: str | None, display_name: str | None
) -> str | None:
    """New user id, or None when the email is taken."""
    user_id = str(uuid.uuid4())
    cur = await conn.execute(
        "INSERT INTO auth.users (id, email, password_hash, display_name) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (email) DO NOTHING RETURNING id",
        (user_id, email, password_hash, display_name),
    )
    return user_id if await cur.fetchone() else None


async def find_by_email(conn: psycopg.AsyncConnection, email: str) -> tuple[str, str | None] | None:
    cur = await conn.execute(
        "SELECT id::text, password_hash FROM auth.users WHERE email = %s AND deleted_at IS NULL", (email,)
    )
    row = await cur.fetchone()
    return (row[0], row[1]) if row else None


async def touch_login(conn: psycopg.AsyncConnection, user_id: str) -> None:
    await conn.execute("UPDATE auth.users SET last_login_at = now() WHERE id = %s", (user_id,))


async def get_user(conn: psycopg.AsyncConnection, user_id: str) -> User | None:
    try:
        uid = uuid.UUID(user_id)  # compare as uuid so the primary key index is used
    except ValueError:
        return None
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT u.id::text AS id, u.email, u.display_name, u.created_at,"
            " coalesce(array_agg(i.provider ORDER BY i.provider) FILTER (WHERE i.provider IS NOT NULL), '{}')"
            " AS providers"
            " FROM auth.users u LEFT JOIN auth.identities i ON i.user_id = u.id"
            " WHERE u.id = %s AND u.deleted_at IS NULL GROUP BY u.id",
            (uid,),
        )
        row = await cur.fetchone()
    if row is None:
        return None
    return User(**row)


async def user_for_account(conn: psycopg.AsyncConnection, account: ExternalAccount) -> tuple[str, str | None]:
    """The user linked to an external account, created on first login.

    Accounts are never linked by email alone: an email that already belongs to another user stays with
    that user and the new account gets a user without email (no takeover through an unverified email).
    """
    cur = await conn.execute(
        "SELECT u.id::text, u.email FROM auth.identities i JOIN auth.users u ON u.id = i.user_id"
        " WHERE i.provider = %s AND i.subject = %s AND u.deleted_at IS NULL",
        (account.provider, account.subject),
    )
    row = await cur.fetchone()
    if row:
        return row[0], row[1]
    user_id = await create_user(conn, account.email, None, account.name)
    email = account.email
    if user_id is None:
        user_id, email = await create_user(conn, None, None, account.name), None
    await conn.execute(
        "INSERT INTO auth.identities (provider, subject, user_id, email) VALUES (%s, %s, %s, %s)",
        (account.provider, account.subject, user_id, account.email),
    )
    assert user_id is not None
    return user_id, email
