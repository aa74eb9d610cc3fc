"""Exceptions a BKD analyst can act on."""

from __future__ import annotations


class ContractError(ValueError):
    """A whole-file problem: unknown format, empty file, missing columns, undecodable text.

    The message says what is wrong and what to do; row-level problems never raise, they are
    returned in ``ReadResult.rejected``.
    """
