"""Fair use of ``/mcp`` sessions: who may open one, how many each caller holds, when they are dropped.

The SDK's session manager caps sessions globally (10,000 by default) and binds each to the
credential that opened it; alone, one token could fill that cap and lock every other caller out.
``SessionGuard`` sits in front of it (behind the auth middleware and ``ScopeGate``) and adds:

- with auth on, opening a session needs a token granting at least one tool scope;
- at most ``mcp_sessions_per_principal`` open sessions and ``mcp_calls_per_principal`` tool calls
  in flight per subject (429 past either);
- ``sweep()`` (run periodically by the app) drops sessions whose token has expired or was revoked.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from naramarket.kernel import Forbidden, NaramarketError, Principal, Unauthorized

from .auth import PRINCIPAL, base_url, bearer_token, send_auth_error
from .http import send_problem

if TYPE_CHECKING:
    from .auth import TokenVerifier

__all__ = ["MESSAGES", "SessionGuard", "TooManyCalls", "TooManySessions"]

log = logging.getLogger("naramarket.mcp")

MESSAGES = "naramarket.mcp_messages"  # ASGI scope key: the JSON-RPC messages ScopeGate decoded
SESSION_HEADER = b"mcp-session-id"


class TooManySessions(NaramarketError):
    """The caller already holds as many MCP sessions as one principal may."""

    code = "too_many_sessions"
    title = "Too many MCP sessions"
    status = 429


class TooManyCalls(NaramarketError):
    """The caller already has as many tool calls in flight as one principal may."""

    code = "too_many_calls"
    title = "Too many concurrent calls"
    status = 429


@dataclass(slots=True)
class _Session:
    subject: str
    token: str  # re-verified by sweep(): expired or revoked means the session goes
    base: str


class SessionGuard:
    """Per-principal session and call caps for ``/mcp``, and the sweep of dead tokens' sessions."""

    def __init__(
        self,
        app: Any,
        manager: StreamableHTTPSessionManager,
        *,
        verifier: TokenVerifier,
        tool_scopes: Iterable[str],
        public_url: str | None = None,
        max_sessions: int = 100,
        max_calls: int = 20,
    ) -> None:
        self.app = app
        self.manager = manager
        self.verifier = verifier
        self.tool_scopes = frozenset(tool_scopes)
        self.public_url = public_url
        self.max_sessions = max_sessions
        self.max_calls = max_calls
        self._sessions: dict[str, _Session] = {}
        self._calls: Counter[str] = Counter()

    def _live(self) -> dict[str, _Session]:
        # The manager forgets sessions that end (DELETE, idle time-out, crash); so do we. It keeps
        # them in a private dict: mcp 2.3's manager has no public way to list sessions.
        live = self.manager._server_instances
        for sid in [s for s in self._sessions if s not in live]:
            del self._sessions[sid]
        return self._sessions

    def sessions_of(self, subject: str) -> int:
        """How many open sessions ``subject`` holds."""
        return sum(1 for s in self._live().values() if s.subject == subject)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        principal: Principal | None = scope.get(PRINCIPAL)
        if principal is None or scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        messages: list[Any] = scope.get(MESSAGES) or []
        opening = not any(name == SESSION_HEADER for name, _ in scope.get("headers") or [])
        calls = sum(1 for m in messages if isinstance(m, dict) and m.get("method") == "tools/call")
        error = self._refusal(principal, opening, calls)
        if error is not None:
            await _refuse(scope, send, error)
            return
        subject = principal.subject
        send_watched = send
        if opening:
            token, base = bearer_token(scope) or "", base_url(scope, self.public_url)

            async def send_watched(message: Any) -> None:
                if message["type"] == "http.response.start":
                    for name, value in message.get("headers") or []:
                        if name.lower() == SESSION_HEADER:
                            self._sessions[value.decode("latin-1")] = _Session(subject, token, base)
                await send(message)

        self._calls[subject] += calls
        try:
            await self.app(scope, receive, send_watched)
        finally:
            self._calls[subject] -= calls
            if self._calls[subject] <= 0:
                del self._calls[subject]

    def _refusal(self, principal: Principal, opening: bool, calls: int) -> NaramarketError | None:
        if opening:
            if self.tool_scopes and not (principal.scopes & self.tool_scopes):
                return Forbidden(
                    "opening an MCP session needs a token that grants at least one tool scope",
                    scopes=tuple(sorted(self.tool_scopes)),
                )
            if self.sessions_of(principal.subject) >= self.max_sessions:
                return TooManySessions(
                    f"this caller already holds {self.max_sessions} MCP sessions "
                    "(NARAMARKET_MCP_SESSIONS_PER_PRINCIPAL): end one (DELETE /mcp) or reuse it"
                )
        if calls and self._calls[principal.subject] + calls > self.max_calls:
            return TooManyCalls(
                f"this caller already has {self.max_calls} tool calls in flight "
                "(NARAMARKET_MCP_CALLS_PER_PRINCIPAL): wait for one to finish"
            )
        return None

    async def sweep(self) -> int:
        """Drop the sessions whose token has expired or was revoked; returns how many went."""
        dropped = 0
        for sid, session in list(self._live().items()):
            try:
                await self.verifier.verify(session.token, base=session.base)
            except Unauthorized:
                transport = self.manager._server_instances.pop(sid, None)
                self.manager._session_owners.pop(sid, None)
                self._sessions.pop(sid, None)
                if transport is not None:
                    with anyio.CancelScope(shield=True):
                        await transport.terminate()
                dropped += 1
        if dropped:
            log.info("dropped %d MCP session(s) whose token expired or was revoked", dropped)
        return dropped

    async def sweep_every(self, seconds: float) -> None:
        """``sweep()`` forever, every ``seconds`` (run in the app's lifespan task group)."""
        while True:
            await anyio.sleep(seconds)
            await self.sweep()


async def _refuse(scope: Any, send: Any, error: NaramarketError) -> None:
    if isinstance(error, Forbidden | Unauthorized):
        await send_auth_error(scope, send, error)
        return
    await send_problem(scope, send, error, [(b"retry-after", b"5")])
