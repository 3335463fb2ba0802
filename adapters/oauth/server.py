"""The embedded OAuth 2.1 authorization server and the RFC 9728 / RFC 8414 metadata.

Grants: ``client_credentials`` (client_secret_basic or _post), ``authorization_code`` with PKCE S256
(public or confidential clients, exact redirect URIs, a login/consent page), ``refresh_token``
(rotated; a reused one revokes its family) and the legacy ``password`` grant, off unless
``NARAMARKET_AUTH_PASSWORD_GRANT`` is set (OAuth 2.1 and RFC 9700 retire it). Access tokens are
ES256 JWTs (RFC 9068) for this server only; ``naramarket.adapters.auth.TokenVerifier`` checks them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import time
from typing import Any
from urllib.parse import unquote, urlencode

import anyio.to_thread
import msgspec
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from naramarket.kernel import Principal, Settings, Unauthorized

from ..auth import JwksKeys, TokenVerifier, base_url, bearer_token, resources, shown
from ..http import JSONResponse, problem_response
from . import pages
from .keys import ALGORITHM, KeyRing
from .shared import Attempts, LocalAttempts, SharedTokens
from .store import AuthStore, Client, Grant, digest

__all__ = ["AuthServer", "OAuthError"]

log = logging.getLogger("naramarket.audit")

ACCESS_TTL = 900
REFRESH_TTL = 30 * 24 * 3600
CODE_TTL = 60
REQUESTS = (60, 60.0)  # requests per address per minute at the auth endpoints
FAILURES = (10, 300.0)  # failed logins per user/client and address per five minutes
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An RFC 6749 error response: ``{"error": code, "error_description": detail}``."""

    def __init__(self, error: str, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.error, self.detail, self.status = error, detail, status

    def response(self) -> Response:
        """The JSON error response (401 invalid_client gets a Basic challenge)."""
        headers = dict(NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="naramarket"'
        body = {"error": self.error, "error_description": self.detail}
        return JSONResponse(body, status_code=self.status, headers=headers)


def _split(scope: str | None) -> list[str]:
    return (scope or "").split()


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier``."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


class AuthServer:
    """Users, clients, keys and the token service; ``routes()`` are its HTTP endpoints."""

    def __init__(
        self,
        settings: Settings,
        *,
        scopes_supported: list[str],
        attempts: Attempts | None = None,
        shared: SharedTokens | None = None,
    ) -> None:
        self.settings = settings
        self.scopes_supported = sorted(set(scopes_supported))
        self.store = AuthStore(settings.data_dir)
        self.keys = KeyRing(settings.data_dir)
        # Requests per address and failed logins per user/client and address: in this process, or
        # across replicas (Redis) when the composition root passes ``attempts``.
        self.attempts: Attempts = attempts or LocalAttempts()
        self.shared = shared  # revocations and refresh-token use marks every replica sees
        self.jwks = JwksKeys(settings.auth_jwks_url) if settings.auth_jwks_url else None
        self.verifier = TokenVerifier(
            embedded=self.keys,
            external=self.jwks,
            external_issuer=settings.auth_issuer,
            external_audience=settings.auth_audience,
            revocations=self,
        )

    async def is_revoked(self, jti: str) -> bool:
        """The kernel's ``Revocations``: the jti denylist shared by replicas, then the store's."""
        if self.shared is not None and await self.shared.is_revoked(jti):
            return True
        return await anyio.to_thread.run_sync(self.store.is_revoked, jti)

    async def aclose(self) -> None:
        """Release the JWKS client and the database."""
        if self.jwks is not None:
            await self.jwks.aclose()
        self.store.close()

    def base(self, request: Request) -> str:
        """The issuer and resource base URL."""
        return base_url(request.scope, self.settings.public_url)

    # issuing ----------------------------------------------------------------------------------

    async def issue(
        self, request: Request, grant: Grant, *, refresh: bool, grant_type: str
    ) -> dict[str, Any]:
        """An access token (and a refresh token in ``grant.family``) as a token response body."""
        base = self.base(request)
        now = int(time.time())
        jti = secrets.token_urlsafe(16)
        claims = {
            "iss": base,
            "sub": grant.subject,
            "aud": grant.resource or base,
            "exp": now + ACCESS_TTL,
            "iat": now,
            "nbf": now,
            "jti": jti,
            "scope": " ".join(grant.scopes),
            **({"client_id": grant.client_id} if grant.client_id else {}),
        }
        import jwt  # PyJWT loads with the first token (a server nobody signs in to never needs it)

        kid, key = await anyio.to_thread.run_sync(self.keys.signing_key)
        token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid, "typ": "at+jwt"})
        family = grant.family if refresh else None
        await anyio.to_thread.run_sync(
            self.store.record_access, jti, family, grant.subject, grant.client_id, now + ACCESS_TTL
        )
        if family and self.shared is not None:
            await self.shared.link(jti, family, ACCESS_TTL)
        body: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL,
            "scope": " ".join(grant.scopes),
        }
        if refresh:
            body["refresh_token"] = await anyio.to_thread.run_sync(self.store.add_refresh, grant, REFRESH_TTL)
        log.info(
            "token issued",
            extra={"grant": grant_type, "subject": grant.subject, "client_id": grant.client_id, "jti": jti},
        )
        return body

    # checks shared by the endpoints ------------------------------------------------------------

    async def throttle(self, request: Request, *names: str, count: bool = True) -> None:
        """429 when this address sends too many requests, or a name has too many failures.

        ``count=False`` only checks: the request was already counted once at its endpoint.
        """
        address = request.client.host if request.client else "?"
        key = f"req:{address}"
        wait = await (self.attempts.hit if count else self.attempts.blocked)(key, *REQUESTS)
        for name in names:
            wait = wait or await self.attempts.blocked(f"fail:{name}@{address}", *FAILURES)
        if wait:
            raise OAuthError("slow_down", f"too many attempts; retry in {int(wait) + 1} s", 429)

    async def failed(self, request: Request, name: str) -> None:
        """Count a failed login or client authentication."""
        address = request.client.host if request.client else "?"
        await self.attempts.hit(f"fail:{name}@{address}", *FAILURES)
        log.warning("authentication failed", extra={"who": name, "address": address})

    def resource(self, request: Request, value: str | None) -> str | None:
        """An RFC 8707 ``resource`` that must be this server (``invalid_target`` otherwise)."""
        if value is None:
            return None
        if value.rstrip("/") not in resources(self.base(request)):
            raise OAuthError("invalid_target", "resource must be this server")
        return value.rstrip("/")

    @staticmethod
    def granted(requested: str | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
        """The scopes asked for (all allowed ones when none are), refusing any not allowed."""
        wanted = _split(requested) or list(allowed)
        extra = [s for s in wanted if s not in allowed]
        if extra:
            raise OAuthError("invalid_scope", f"scope not allowed: {' '.join(extra)}")
        return tuple(dict.fromkeys(wanted))

    async def client_auth(self, request: Request, form: Any, *, required: bool) -> Client | None:
        """The client of this request (Basic, POST body, or a public client_id); None if absent."""
        header = request.headers.get("authorization", "")
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if header.lower().startswith("basic "):
            if secret is not None:
                raise OAuthError("invalid_request", "use one client authentication method")
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client", "malformed Basic credentials", 401) from None
            basic_id, _, basic_secret = decoded.partition(":")
            if client_id is not None and client_id != unquote(basic_id):
                raise OAuthError("invalid_request", "client_id does not match the credentials")
            client_id, secret = unquote(basic_id), unquote(basic_secret)
        if client_id is None:
            if required:
                raise OAuthError("invalid_client", "client authentication is required", 401)
            return None
        await self.throttle(request, client_id, count=False)
        if secret is not None:
            client = await anyio.to_thread.run_sync(self.store.authenticate_client, client_id, secret)
        else:
            client = await anyio.to_thread.run_sync(self.store.client, client_id)
            client = client if client is not None and not client.confidential else None
        if client is None:
            await self.failed(request, client_id)
            raise OAuthError("invalid_client", "unknown client or bad credentials", 401)
        return client

    # endpoints ---------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        """``POST /auth/token``."""
        try:
            await self.throttle(request)
            form = await request.form()
            grant_type = form.get("grant_type")
            if grant_type == "client_credentials":
                body = await self._client_credentials(request, form)
            elif grant_type == "authorization_code":
                body = await self._authorization_code(request, form)
            elif grant_type == "refresh_token":
                body = await self._refresh(request, form)
            elif grant_type == "password" and self.settings.auth_password_grant:
                body = await self._password(request, form.get("username"), form.get("password"), form)
            else:
                if not grant_type:
                    raise OAuthError("invalid_request", "grant_type is required (e.g. client_credentials)")
                raise OAuthError("unsupported_grant_type", f"grant_type {shown(grant_type)} is not enabled")
        except OAuthError as exc:
            return exc.response()
        return JSONResponse(body, headers=NO_STORE)

    async def _client_credentials(self, request: Request, form: Any) -> dict[str, Any]:
        client = await self.client_auth(request, form, required=True)
        assert client is not None
        if not client.confidential:
            raise OAuthError("unauthorized_client", "a public client cannot use client_credentials")
        scopes = self.granted(form.get("scope"), client.scopes)
        resource = self.resource(request, form.get("resource"))
        grant = Grant("", client.client_id, client.client_id, scopes, resource)
        return await self.issue(request, grant, refresh=False, grant_type="client_credentials")

    async def _authorization_code(self, request: Request, form: Any) -> dict[str, Any]:
        client = await self.client_auth(request, form, required=True)
        assert client is not None
        code, verifier = form.get("code") or "", form.get("code_verifier") or ""
        grant = await anyio.to_thread.run_sync(self.store.use_code, code)
        if grant is None or grant.client_id != client.client_id:
            raise OAuthError("invalid_grant", "the code is invalid, expired or already used")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
        if not (43 <= len(verifier) <= 128) or not hmac.compare_digest(s256(verifier), grant.challenge or ""):
            raise OAuthError("invalid_grant", "the PKCE code_verifier does not match")
        if (
            form.get("resource") is not None
            and self.resource(request, form.get("resource")) != grant.resource
        ):
            raise OAuthError("invalid_target", "resource differs from the authorization request")
        return await self.issue(request, grant, refresh=True, grant_type="authorization_code")

    async def _refresh(self, request: Request, form: Any) -> dict[str, Any]:
        client = await self.client_auth(request, form, required=False)
        token = str(form.get("refresh_token") or "")
        owner = await anyio.to_thread.run_sync(self.store.refresh_owner, token)
        if owner is not None and owner[1] is not None and getattr(client, "client_id", None) != owner[1]:
            raise OAuthError("invalid_grant", "the refresh token was issued to another client")
        if self.shared is not None and not await self.shared.first_use(digest(token), REFRESH_TTL):
            # Used before on some replica (maybe this very instant): the family is revoked everywhere.
            grant, reused = None, True
            if owner is not None:
                await anyio.to_thread.run_sync(self.store.revoke_family, owner[0])
        else:
            grant, reused = await anyio.to_thread.run_sync(self.store.use_refresh, token)
        if reused and owner is not None and self.shared is not None:
            await self.shared.revoke_family(owner[0], REFRESH_TTL)
        if reused:
            log.warning(
                "refresh token reused: its family is revoked", extra={"client_id": owner and owner[1]}
            )
        if grant is not None and self.shared is not None and await self.shared.family_revoked(grant.family):
            grant = None  # revoked on another replica (a reuse there, or POST /auth/revoke)
        if grant is None:
            raise OAuthError("invalid_grant", "the refresh token is invalid, expired, revoked or reused")
        scopes = self.granted(form.get("scope"), grant.scopes)
        narrowed = Grant(grant.family, grant.client_id, grant.subject, scopes, grant.resource)
        return await self.issue(request, narrowed, refresh=True, grant_type="refresh_token")

    async def _password(self, request: Request, username: Any, password: Any, form: Any) -> dict[str, Any]:
        if not isinstance(username, str) or not isinstance(password, str) or not username:
            raise OAuthError("invalid_request", "username and password are required")
        client = await self.client_auth(request, form, required=False) if form is not None else None
        await self.throttle(request, username, count=False)
        user = await anyio.to_thread.run_sync(self.store.authenticate_user, username, password)
        if user is None:
            await self.failed(request, username)
            raise OAuthError("invalid_grant", "wrong username or password")
        allowed = user.scopes if client is None else tuple(s for s in user.scopes if s in client.scopes)
        scopes = self.granted(form.get("scope") if form is not None else None, allowed)
        resource = self.resource(request, form.get("resource") if form is not None else None)
        grant = Grant(
            secrets.token_urlsafe(16), client.client_id if client else None, user.name, scopes, resource
        )
        return await self.issue(request, grant, refresh=True, grant_type="password")

    async def login(self, request: Request) -> Response:
        """``POST /auth/login``: the report's JSON login; the password grant by another name."""
        try:
            await self.throttle(request)
            if not self.settings.auth_password_grant:
                raise OAuthError("unsupported_grant_type", "password login is disabled on this server")
            try:
                data = msgspec.json.decode(await request.body(), type=dict[str, str])
            except msgspec.DecodeError:
                raise OAuthError("invalid_request", 'send {"username": …, "password": …}') from None
            body = await self._password(request, data.get("username"), data.get("password"), data)
        except OAuthError as exc:
            return exc.response()
        return JSONResponse(body, headers=NO_STORE)

    async def me(self, request: Request) -> Response:
        """``GET /auth/me``: who the bearer token says the caller is."""
        token = bearer_token(request.scope)
        try:
            if token is None:
                raise Unauthorized("this endpoint needs a bearer token")
            principal: Principal = await self.verifier.verify(token, base=self.base(request))
        except Unauthorized as exc:
            return problem_response(exc, request, headers=NO_STORE)
        return JSONResponse(
            {
                "subject": principal.subject,
                "scopes": sorted(principal.scopes),
                "client_id": principal.client_id,
                "issuer": principal.issuer,
            },
            headers=NO_STORE,
        )

    async def revoke(self, request: Request) -> Response:
        """``POST /auth/revoke`` (RFC 7009): always 200 unless client authentication fails."""
        try:
            await self.throttle(request)
            form = await request.form()
            client = await self.client_auth(request, form, required=False)
            token = str(form.get("token") or "")
            await self._revoke(request, token, client)
        except OAuthError as exc:
            return exc.response()
        return Response(status_code=200, headers=NO_STORE)

    async def _revoke(self, request: Request, token: str, client: Client | None) -> None:
        import jwt

        if token.startswith("nmr_"):
            owner = await anyio.to_thread.run_sync(self.store.refresh_owner, token)
            if owner is not None:
                family, client_id = owner
                await self._check_owner(client, client_id)
                await anyio.to_thread.run_sync(self.store.revoke_family, family)
                if self.shared is not None:
                    await self.shared.revoke_family(family, REFRESH_TTL)
                log.info("refresh family revoked", extra={"client_id": client_id})
            return
        try:
            header = jwt.get_unverified_header(token)
            key = await self.keys.verification_key(header.get("kid"))
            claims = jwt.decode(
                token, key, algorithms=[ALGORITHM], options={"verify_exp": False, "verify_aud": False}
            )
        except (jwt.PyJWTError, TypeError, ValueError):
            return  # RFC 7009 2.2: an invalid token is not an error
        await self._check_owner(client, claims.get("client_id"))
        await anyio.to_thread.run_sync(self.store.revoke_access, str(claims.get("jti")))
        if self.shared is not None:
            left = float(claims.get("exp") or 0) - time.time()
            await self.shared.revoke(str(claims.get("jti")), max(left, 1.0))
        log.info("access token revoked", extra={"subject": claims.get("sub"), "jti": claims.get("jti")})

    async def _check_owner(self, client: Client | None, client_id: str | None) -> None:
        """Tokens of a confidential client are revoked only by that client, authenticated."""
        if client_id is None:
            return
        owner = await anyio.to_thread.run_sync(self.store.client, client_id)
        if owner is not None and owner.confidential and (client is None or client.client_id != client_id):
            raise OAuthError("invalid_client", "authenticate as the client the token was issued to", 401)

    # authorization code: the login/consent page --------------------------------------------------

    async def _authorize_request(self, request: Request, params: Any) -> tuple[Client, dict[str, str]]:
        """Validate the client and redirect URI first: on failure show an error, never redirect."""
        client_id, redirect_uri = params.get("client_id") or "", params.get("redirect_uri") or ""
        client = await anyio.to_thread.run_sync(self.store.client, client_id)
        if client is None or redirect_uri not in client.redirect_uris:
            raise OAuthError("invalid_request", "unknown client_id or unregistered redirect_uri")
        fields = {
            k: str(params.get(k) or "")
            for k in (
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
                "resource",
            )
        }
        return client, fields

    def _redirect(self, request: Request, fields: dict[str, str], **values: str) -> Response:
        query = {**values, "iss": self.base(request)}
        if fields["state"]:
            query["state"] = fields["state"]
        uri = fields["redirect_uri"]
        sep = "&" if "?" in uri else "?"
        # After the POSTed login form: 303, so no browser re-sends the password (RFC 9700 4.12).
        status = 303 if request.method == "POST" else 302
        return RedirectResponse(f"{uri}{sep}{urlencode(query)}", status_code=status, headers=NO_STORE)

    def _check_authorize(self, request: Request, client: Client, fields: dict[str, str]) -> tuple[str, ...]:
        if fields["response_type"] != "code":
            raise OAuthError("unsupported_response_type", "response_type must be code")
        if fields["code_challenge_method"] != "S256" or not (43 <= len(fields["code_challenge"]) <= 128):
            raise OAuthError("invalid_request", "PKCE with code_challenge_method=S256 is required")
        self.resource(request, fields["resource"] or None)
        return self.granted(fields["scope"] or None, client.scopes)

    async def authorize(self, request: Request) -> Response:
        """``GET``/``POST /auth/authorize``: the login and consent page, then a redirect with a code."""
        params = await request.form() if request.method == "POST" else request.query_params
        try:
            client, fields = await self._authorize_request(request, params)
        except OAuthError as exc:
            return HTMLResponse(pages.error(exc.detail), status_code=400, headers=pages.HEADERS)
        try:
            scopes = self._check_authorize(request, client, fields)
        except OAuthError as exc:
            return self._redirect(request, fields, error=exc.error, error_description=exc.detail)
        if request.method == "GET":
            return HTMLResponse(pages.login(client.name, scopes, fields), headers=pages.HEADERS)
        if params.get("action") != "approve":
            return self._redirect(request, fields, error="access_denied")
        username, password = str(params.get("username") or ""), str(params.get("password") or "")
        try:
            await self.throttle(request, username)
        except OAuthError as exc:
            return HTMLResponse(
                pages.login(client.name, scopes, fields, exc.detail), 429, headers=pages.HEADERS
            )
        user = await anyio.to_thread.run_sync(self.store.authenticate_user, username, password)
        if user is None:
            await self.failed(request, username)
            message = "아이디 또는 비밀번호가 틀렸습니다 / wrong username or password"
            return HTMLResponse(pages.login(client.name, scopes, fields, message), 401, headers=pages.HEADERS)
        granted = tuple(s for s in scopes if s in user.scopes)
        grant = Grant(
            secrets.token_urlsafe(16),
            client.client_id,
            user.name,
            granted,
            (fields["resource"] or "").rstrip("/") or None,
            fields["redirect_uri"],
            fields["code_challenge"],
        )
        code = await anyio.to_thread.run_sync(self.store.add_code, grant, CODE_TTL)
        log.info("authorization code issued", extra={"subject": user.name, "client_id": client.client_id})
        return self._redirect(request, fields, code=code)

    # metadata --------------------------------------------------------------------------------

    async def authorization_server_metadata(self, request: Request) -> Response:
        """RFC 8414."""
        base = self.base(request)
        grants = ["authorization_code", "refresh_token", "client_credentials"]
        if self.settings.auth_password_grant:
            grants.append("password")
        methods = ["client_secret_basic", "client_secret_post", "none"]
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/auth/authorize",
                "token_endpoint": f"{base}/auth/token",
                "revocation_endpoint": f"{base}/auth/revoke",
                "jwks_uri": f"{base}/auth/jwks.json",
                "scopes_supported": self.scopes_supported,
                "response_types_supported": ["code"],
                "grant_types_supported": grants,
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": methods,
                "revocation_endpoint_auth_methods_supported": methods,
                "authorization_response_iss_parameter_supported": True,
            }
        )

    async def protected_resource_metadata(self, request: Request) -> Response:
        """RFC 9728, for the whole server or (``…/mcp``) for the MCP endpoint."""
        base = self.base(request)
        suffix = "/mcp" if request.url.path.endswith("/mcp") else ""
        servers = [base]
        if self.settings.auth_issuer:
            servers.insert(0, self.settings.auth_issuer)
        return JSONResponse(
            {
                "resource": base + suffix,
                "authorization_servers": servers,
                "scopes_supported": self.scopes_supported,
                "bearer_methods_supported": ["header"],
                "resource_name": "naramarket",
            }
        )

    async def jwks_endpoint(self, request: Request) -> Response:
        """The embedded server's public keys."""
        body = await anyio.to_thread.run_sync(self.keys.jwks)
        return JSONResponse(body, headers={"Cache-Control": "max-age=300"})

    def routes(self) -> list[BaseRoute]:
        """The OAuth endpoints and well-known metadata; the report's routes also under ``/api/v1/auth``."""
        return [
            *(
                Route(f"/api/v1/auth/{name}", endpoint, methods=[method])
                for name, endpoint, method in (
                    ("token", self.token, "POST"),
                    ("login", self.login, "POST"),
                    ("me", self.me, "GET"),
                    ("revoke", self.revoke, "POST"),
                )
            ),
            Route("/.well-known/oauth-protected-resource", self.protected_resource_metadata, methods=["GET"]),
            Route(
                "/.well-known/oauth-protected-resource/mcp", self.protected_resource_metadata, methods=["GET"]
            ),
            Route(
                "/.well-known/oauth-authorization-server", self.authorization_server_metadata, methods=["GET"]
            ),
            Route("/auth/jwks.json", self.jwks_endpoint, methods=["GET"]),
            Route("/auth/token", self.token, methods=["POST"]),
            Route("/auth/login", self.login, methods=["POST"]),
            Route("/auth/me", self.me, methods=["GET"]),
            Route("/auth/revoke", self.revoke, methods=["POST"]),
            Route("/auth/authorize", self.authorize, methods=["GET", "POST"]),
        ]
