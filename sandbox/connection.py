"""Dropping a TCP connection from inside an ASGI app (for the "reset" and "truncated" faults).

ASGI has no "close the socket" message, so under uvicorn we reach the transport through the
``receive`` callable, a bound method of uvicorn's request cycle. Elsewhere (e.g. httpx's
in-process ASGITransport) there is no socket and callers fall back to an exception or a short body.
"""

from __future__ import annotations

import contextlib
import socket
import struct
from typing import Any

import anyio

__all__ = ["drop_connection"]


async def drop_connection(receive: Any, *, reset: bool) -> bool:
    """Close the client connection now: with an RST if ``reset``, else a FIN. False if impossible."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        return False
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # linger 0: the close sends RST instead of FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    # Let the event loop run connection_lost, which marks the cycle disconnected, so uvicorn
    # neither logs "returned without starting response" nor sends its own 500.
    for _ in range(200):
        if getattr(cycle, "disconnected", True):
            break
        await anyio.sleep(0.001)
    return True
