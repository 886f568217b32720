"""One driver per wire format, all with the same interface (:class:`~suites.drivers.base.Driver`).

``DRIVERS`` maps each format's name (``chat``, ``messages``, ``responses``, the ids of tests
parametrised over the formats) to its driver, so a rule that holds for every format is written once
and run with each of them. The names of :mod:`suites.drivers.base` are re-exported here.
"""

from __future__ import annotations

from suites.drivers import base
from suites.drivers.base import *
from suites.drivers.chat import ChatDriver
from suites.drivers.messages import MessagesDriver, thinking_off
from suites.drivers.responses import ResponsesDriver

__all__ = ["DRIVERS", "ChatDriver", "MessagesDriver", "ResponsesDriver", "thinking_off"]
__all__ += base.__all__

DRIVERS: dict[str, Driver] = {d.name: d for d in (ChatDriver(), MessagesDriver(), ResponsesDriver())}
