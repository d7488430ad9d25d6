"""Authentication and authorisation primitives.

Bearer JWTs: HS256 with a shared secret in development, RS256 keys from a JWKS URL in
production (an OIDC provider, or the gateway's token exchange for dealer API keys). The
token carries ``sub`` (user id), ``roles`` and, for partner dealers, ``dealer_id``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from kefu_shared.errors import Forbidden, Unauthorized
from kefu_shared.settings import ServiceSettings

ROLES = frozenset(
    {
        "admin",
        "service_manager",
        "agent",
        "dispatcher",
        "technician",
        "credit_manager",
        "analyst",
        "dealer",
        "service",  # other Kefu services calling over HTTP
    }
)


@dataclass(frozen=True)
class Principal:
    user_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    dealer_id: str | None = None
    name: str | None = None

    @property
    def is_dealer(self) -> bool:
        return self.dealer_id is not None

    def has_any(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles.intersection(roles))

    def can_see_dealer(self, dealer_id: str | None) -> bool:
        """A dealer sees only its own objects; internal staff see all."""
        return not self.is_dealer or dealer_id == self.dealer_id


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._jwks: jwt.PyJWKClient | None = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True)
            if settings.jwt_jwks_url
            else None
        )

    async def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                # PyJWKClient fetches over blocking HTTP; keep it off the event loop.
                key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                signing_key: Any = key.key
                algorithms = ["RS256", "ES256"]
            else:
                signing_key = self.settings.jwt_secret
                algorithms = ["HS256"]
            claims = jwt.decode(
                token,
                signing_key,
                algorithms=algorithms,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                leeway=self.settings.jwt_leeway_s,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from None
        # A token minted for longer than policy allows is refused even while unexpired:
        # a leaked long-lived token must not outlive the maximum lifetime.
        lifetime = claims["exp"] - claims["iat"]
        if lifetime > self.settings.jwt_max_lifetime_s:
            raise Unauthorized(
                f"token lifetime {int(lifetime)} s exceeds {self.settings.jwt_max_lifetime_s} s"
            )
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """The caller a verified token names; claims of the wrong type are a 401, not a 500."""
    sub = claims.get("sub")
    if not isinstance(sub, str | int) or isinstance(sub, bool) or not str(sub):
        raise Unauthorized("token has no subject")
    raw_roles = claims.get("roles") or []
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    if not isinstance(raw_roles, list | tuple) or not all(isinstance(r, str) for r in raw_roles):
        raise Unauthorized("token claim roles must be a list of strings")
    roles = frozenset(r for r in raw_roles if r in ROLES)
    dealer_id = claims.get("dealer_id")
    if dealer_id is not None and (not isinstance(dealer_id, str) or not dealer_id.strip()):
        raise Unauthorized("token claim dealer_id must be a non-empty string")
    name = claims.get("name")
    if name is not None and not isinstance(name, str):
        raise Unauthorized("token claim name must be a string")
    if "dealer" in roles and not dealer_id:
        raise Unauthorized("dealer token without dealer_id")
    if dealer_id and "dealer" not in roles:
        roles = roles | {"dealer"}
    return Principal(user_id=str(sub), roles=roles, dealer_id=dealer_id, name=name)


def issue_token(
    settings: ServiceSettings,
    *,
    subject: str,
    roles: list[str],
    dealer_id: str | None = None,
    name: str | None = None,
    ttl_s: int = 3600,
) -> str:
    """Sign an HS256 token with the configured secret (development and tests)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": roles,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_s,
    }
    if dealer_id:
        claims["dealer_id"] = dealer_id
    if name:
        claims["name"] = name
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return token.strip()


async def get_principal(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("missing bearer token")
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.verify(token)
    if not principal.roles:
        # Authentic, but grants nothing Kefu knows: refused on every business route.
        raise Forbidden("the token carries no role known to Kefu")
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Any:
    """Dependency: the caller must hold one of ``roles`` (admin always passes)."""
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(*roles):
            raise Forbidden(f"requires one of the roles: {', '.join(sorted(roles))}")
        return principal

    return Depends(check)
