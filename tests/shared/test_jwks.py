"""Production authentication: RS256 tokens verified with keys from a JWKS URL."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from kefu_shared.auth import TokenVerifier
from kefu_shared.errors import Unauthorized
from kefu_shared.settings import ServiceSettings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


def _token(key: rsa.RSAPrivateKey, **claims: object) -> str:
    now = int(time.time())
    payload = {
        "sub": "u-42",
        "roles": ["credit_manager"],
        "iss": "https://idp.example",
        "aud": "kefu",
        "iat": now,
        "exp": now + 60,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "k1"})


def test_rs256_token_from_jwks_is_accepted(jwks_url: str) -> None:
    settings = ServiceSettings(
        env="production", jwt_jwks_url=jwks_url, jwt_issuer="https://idp.example"
    )
    principal = asyncio.run(TokenVerifier(settings).verify(_token(KEY)))
    assert principal.user_id == "u-42" and principal.roles == frozenset({"credit_manager"})


@pytest.mark.parametrize(
    ("key", "claims"),
    [
        (OTHER_KEY, {}),  # signed by a key the identity provider does not publish
        (KEY, {"aud": "someone-else"}),
        (KEY, {"iss": "https://evil.example"}),
        (KEY, {"exp": int(time.time()) - 120}),  # beyond the clock leeway
    ],
)
def test_bad_rs256_tokens_are_refused(jwks_url: str, key: rsa.RSAPrivateKey, claims: dict) -> None:
    settings = ServiceSettings(
        env="production", jwt_jwks_url=jwks_url, jwt_issuer="https://idp.example"
    )
    with pytest.raises(Unauthorized):
        asyncio.run(TokenVerifier(settings).verify(_token(key, **claims)))


def test_hs256_token_is_refused_when_jwks_is_configured(jwks_url: str) -> None:
    settings = ServiceSettings(
        env="production", jwt_jwks_url=jwks_url, jwt_issuer="https://idp.example"
    )
    forged = jwt.encode(
        {"sub": "x", "roles": ["admin"], "iss": "https://idp.example", "aud": "kefu"},
        "k" * 40,
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(Unauthorized):
        asyncio.run(TokenVerifier(settings).verify(forged))
