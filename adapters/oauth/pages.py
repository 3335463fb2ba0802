"""The login/consent page of the authorization-code flow: plain HTML, no script, not frameable."""

from __future__ import annotations

from html import escape

__all__ = ["HEADERS", "error", "login"]

# No ``form-action``: Chrome and Safari apply it to the redirect a submission produces, and this
# form ends in a 303 to the client's (registered, exactly matched) redirect URI on another origin,
# so ``form-action 'self'`` would break the flow (w3c/webappsec-csp#8). The form's action is fixed.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}"
    "label{display:block;margin:.6rem 0}input{width:100%;padding:.4rem}"
    ".err{color:#b00}button{margin:.8rem .4rem 0 0;padding:.4rem 1rem}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def login(client_name: str, scopes: tuple[str, ...], fields: dict[str, str], message: str = "") -> str:
    """The form: who is asking, for which scopes; username, password, approve or deny."""
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    items = "".join(f"<li><code>{escape(s)}</code></li>" for s in scopes) or "<li>(none)</li>"
    err = f'<p class="err">{escape(message)}</p>' if message else ""
    body = (
        f"<h1>naramarket 로그인 / Sign in</h1>"
        f"<p><strong>{escape(client_name)}</strong> 이(가) 다음 권한을 요청합니다 / asks for:</p>"
        f"<ul>{items}</ul>{err}"
        f'<form method="post" action="/auth/authorize">{hidden}'
        f'<label>아이디 / Username <input name="username" autocomplete="username" required></label>'
        f'<label>비밀번호 / Password <input name="password" type="password" '
        f'autocomplete="current-password" required></label>'
        f'<button name="action" value="approve">허용 / Allow</button>'
        f'<button name="action" value="deny" formnovalidate>거부 / Deny</button></form>'
    )
    return _page("naramarket sign in", body)


def error(message: str) -> str:
    """An error page (bad client or redirect URI: never redirect to an unverified URI)."""
    return _page("naramarket", f'<h1>요청 오류 / Bad request</h1><p class="err">{escape(message)}</p>')
