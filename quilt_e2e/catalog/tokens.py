"""Access and refresh tokens: HS256 JWTs signed with a per-instance secret, opaque refresh tokens."""

from __future__ import annotations

import secrets
import threading
import time
import uuid

import jwt

ALGORITHM = "HS256"
DEFAULT_ACCESS_TTL = 7 * 24 * 3600  # long, as the contract recommends: quilt3 caches its session forever


class TokenError(Exception):
    """The bearer token is expired, wrongly signed or malformed; the message is what a 401 body says."""


class TokenIssuer:
    def __init__(self, secret: str | None = None):
        self._secret = secret or secrets.token_urlsafe(32)
        self._refresh_tokens: dict[str, str] = {}  # refresh token → username
        self._lock = threading.Lock()
        self.access_ttl = DEFAULT_ACCESS_TTL  # shortened on purpose by the token-expiry fault

    def issue_access_token(self, user_id: str, username: str, email: str, expires_in: int | None = None) -> str:
        """A three-part JWT with the claims quilt-mcp's JWTAuthService reads (id/uuid, email, name)."""
        now = int(time.time())
        expires_in = self.access_ttl if expires_in is None else expires_in
        claims = {
            "id": user_id,
            "uuid": user_id,
            "name": username,
            "email": email,
            "sub": username,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + expires_in,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> dict:
        """Verified claims of an access token, or TokenError with the reason."""
        try:
            return jwt.decode(token, self._secret, algorithms=[ALGORITHM], options={"require": ["exp", "name"]})
        except jwt.ExpiredSignatureError:
            raise TokenError("Token expired") from None
        except jwt.InvalidSignatureError:
            raise TokenError("Token signature is invalid") from None
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"Token is invalid: {exc}") from None

    def issue_refresh_token(self, username: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh_tokens[token] = username
        return token

    def redeem_refresh_token(self, token: str) -> str | None:
        """The username a refresh token belongs to; refresh tokens stay valid (quilt3 re-sends them)."""
        with self._lock:
            return self._refresh_tokens.get(token)
