"""Public record ids customers and staff read and type: random, unguessable, short (`KV-7K3Q-9XMA`).

Crockford's base32 (no I, L, O or U) so that an id read aloud or typed on a phone survives: `parse_public_id`
accepts lower case, spaces, missing dashes and the look-alikes O→0, I/L→1.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 2
GROUP_SIZE = 4
"""Two groups of four: 40 random bits, about a trillion ids."""
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_public_id(prefix: str) -> str:
    """A fresh random id such as `KV-7K3Q-9XMA` (never sequential: ids reveal nothing about volume)."""
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_SIZE)) for _ in range(GROUPS))
    return "-".join((prefix, *groups))


def parse_public_id(text: str, prefix: str) -> str | None:
    """The canonical id a customer meant ("kv 7k3q 9xma" → `KV-7K3Q-9XMA`), or None if it cannot be one."""
    compact = re.sub(r"[\s\-_.]", "", text or "").upper()
    if compact.startswith(prefix):
        compact = compact[len(prefix) :]
    compact = compact.translate(_LOOKALIKES)
    if len(compact) != GROUPS * GROUP_SIZE or any(c not in ALPHABET for c in compact):
        return None
    groups = [compact[i : i + GROUP_SIZE] for i in range(0, len(compact), GROUP_SIZE)]
    return "-".join((prefix, *groups))
