"""Agent types of the PeakData market, one module each."""

from agents.alliance import DataAlliance
from agents.broker import DataBroker
from agents.generator import SyntheticGenerator
from agents.lab import ClosedLab, Lab, OpenLab
from agents.offers import Offer, Source
from agents.publisher import Publisher
from agents.regulator import Regulator

__all__ = [
    "ClosedLab",
    "DataAlliance",
    "DataBroker",
    "Lab",
    "Offer",
    "OpenLab",
    "Publisher",
    "Regulator",
    "Source",
    "SyntheticGenerator",
]
