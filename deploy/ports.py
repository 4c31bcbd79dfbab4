"""A free TCP port for a process we start ourselves (tests, benchmarks).

A port the kernel hands out for ``bind(("", 0))`` comes from the ephemeral range, the same range every other process's
``bind(0)`` and outgoing connections draw from: the Temporal dev server binds several internal ports that way while it
starts, so a port picked like that for the API could be taken by the server before the API listens on it (CI saw
"address already in use"). We pick below that range, where nothing binds unless told to, and check the port binds.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10_000


def _ephemeral_floor() -> int:
    """Where the kernel's ephemeral range starts (Linux's default 32768 where the file is absent)."""
    try:
        return int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_port(host: str = "127.0.0.1", tries: int = 200) -> int:
    """A port below the ephemeral range that binds on ``host`` now."""
    ceiling = _ephemeral_floor()
    if ceiling - _LOWEST < 1_000:  # an unusual range leaves no room below it: the kernel's choice then
        with socket.socket() as s:
            s.bind((host, 0))
            chosen: int = s.getsockname()[1]
            return chosen
    for _ in range(tries):
        port = random.randrange(_LOWEST, ceiling)
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port between {_LOWEST} and {ceiling} on {host} after {tries} tries")
