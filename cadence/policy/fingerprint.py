"""The fingerprint of a policy: a short hash of what it means, not of how it is written.

Two policy files that differ only in formatting, comments, key order, quoting or short forms
(``channel: email`` for ``channel: [{use: email}]``, a value written out that equals its default)
have the same fingerprint; any change of meaning gives another. Every action carries the
fingerprint of the policy that decided it (``policy`` in ``docs/data-contract.md``), and
``cadence check`` prints it, so a CRM can record which version of a policy asked for what.
"""

from __future__ import annotations

import hashlib
import json
from typing import Final

from cadence.policy.models import Policy

#: The prefix that names the hash function, so another can follow without ambiguity.
PREFIX: Final = "sha256:"


def normalised(policy: Policy) -> str:
    """The policy's content as canonical JSON: keys sorted, no spaces, defaults left out.

    Leaving defaults out makes ``occurrence: latest`` the same as saying nothing, and keeps the
    fingerprints of existing policies when the language gains an optional key."""
    data = policy.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(policy: Policy) -> str:
    """``sha256:`` and the first 16 hex digits of the SHA-256 of :func:`normalised`."""
    digest = hashlib.sha256(normalised(policy).encode("utf-8")).hexdigest()
    return PREFIX + digest[:16]
