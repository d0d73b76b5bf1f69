"""Routing's setup and an agent's work, as one service: the names the designer's routes use.

Each job has its module; this one gathers their names:

- :mod:`runtime.services.routing_shapes`: what the setup reads and answers;
- :mod:`runtime.services.agent_roster`: skills and agents;
- :mod:`runtime.services.queues`: queues (teams);
- :mod:`runtime.services.calendars`: business calendars;
- :mod:`runtime.services.inbox`: an agent's inbox, pull-next, reassignment and the
  assignment record.

Functions are keyword-only, take the caller's session and never commit. Whatever gives
an agent more room (coming online, a higher capacity, a new skill, joining a queue)
hands waiting items to them at once (:func:`runtime.routing.drain`).
"""

from __future__ import annotations

from runtime.services import agent_roster as _agent_roster
from runtime.services import calendars as _calendars
from runtime.services import inbox as _inbox
from runtime.services import queues as _queues
from runtime.services import routing_shapes as _routing_shapes
from runtime.services.agent_roster import *  # noqa: F403
from runtime.services.calendars import *  # noqa: F403
from runtime.services.inbox import *  # noqa: F403
from runtime.services.queues import *  # noqa: F403
from runtime.services.routing_shapes import *  # noqa: F403

__all__ = []
__all__ += _routing_shapes.__all__
__all__ += _agent_roster.__all__
__all__ += _queues.__all__
__all__ += _calendars.__all__
__all__ += _inbox.__all__
