"""What a seller puts in front of a lab: an offer of tokens at a price and a quality."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Source(StrEnum):
    """Where a training token comes from (DESIGN.md §4)."""

    PUBLIC = "public"
    LICENSED = "licensed"
    OWN_USER = "own_user"
    ALLIANCE = "alliance"
    BROKER = "broker"
    SYNTHETIC = "synthetic"


PRIVATE_SOURCES = (Source.OWN_USER, Source.ALLIANCE, Source.BROKER)


@dataclass(slots=True)
class Offer:
    """Unique tokens a lab may take from one seller: how many, how good, and at what price."""

    seller: Any
    source: Source
    tier: str
    tokens: float
    quality: float
    usd_per_token: float
    ai_generated: bool = False
