"""The regulator: applies the scenario's policy levers from their effective years."""

from __future__ import annotations

from dataclasses import make_dataclass

import mesa
import numpy as np

from agents.publisher import COMMONS_TIER, Publisher
from sim.levers import LEVERS

INCIDENTS_TO_TIGHTEN = 3  # incidents within 12 months that prompt a tightening
TIGHTENING_STEP = 0.1


# The policies in force this month, one field per lever of `sim/levers.py`. Set by the Regulator,
# which tells the web to measure access again.
Policy = make_dataclass("Policy", [(lever.name, lever.annotation) for lever in LEVERS])
Policy.__doc__ = "The policies in force this month: one attribute per lever (sim/levers.py)."


class Regulator(mesa.Agent):
    """Sets the policy in force each month, and may tighten privacy after a run of incidents."""

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.extra_strictness = 0.0
        self.incidents_by_month: dict[float, int] = {}  # the past year's incidents, counted by the month they happened
        self.commons_released = False
        levers = model.params.levers
        self._levers = [(name, getattr(levers, name)) for name in type(levers).model_fields]
        self._in_force: tuple | None = None  # which levers are past their year, and the extra strictness
        self._update_policy(model.year)

    def _update_policy(self, year: float) -> None:
        """Put the policy of `year` in force; rebuilt only when a lever or the extra strictness changed."""
        in_force = (*(year >= lever.year for _, lever in self._levers), self.extra_strictness)
        if in_force != self._in_force:
            values = {name: lever.at(year) for name, lever in self._levers}
            values["privacy_strictness"] = min(1.0, values["privacy_strictness"] + self.extra_strictness)
            self.policy, self._in_force = Policy(**values), in_force
            self.model.web.changed()  # the opt-out regime, a licensing mandate or labelling may be in force now

    def apply_policies(self) -> None:
        """Put this month's levers into force; release the public data commons when it is due."""
        self._update_policy(self.model.year)
        if not self.commons_released and self.policy.data_commons_tokens > 0.0:
            self._release_commons(self.policy.data_commons_tokens)

    def _release_commons(self, tokens: float) -> None:
        # Released government data and digitised books: open to all, never opted out.
        Publisher(self.model, COMMONS_TIER, np.array([tokens]), usable_share=1.0, head_size_tokens=tokens)
        self.commons_released = True

    def react_to_incidents(self, incidents: int) -> None:
        """Tighten privacy after repeated breaches, when the scenario allows it."""
        year = self.model.year
        if incidents:
            self.incidents_by_month[year] = self.incidents_by_month.get(year, 0) + incidents
        self.incidents_by_month = {y: n for y, n in self.incidents_by_month.items() if y > year - 1.0}
        if self.policy.tighten_privacy_after_incidents and sum(self.incidents_by_month.values()) >= INCIDENTS_TO_TIGHTEN:
            self.extra_strictness = min(1.0, self.extra_strictness + TIGHTENING_STEP)
            self.incidents_by_month.clear()
            self._update_policy(year)
