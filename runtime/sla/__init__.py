"""SLA clocks: business calendars and the state of an SLA at a moment, as pure functions.

:mod:`runtime.sla.calendar` holds business calendars and the SLA arithmetic,
:mod:`runtime.sla.levels` the one SLA-level rule, :mod:`runtime.sla.public_holidays`
countries' and regions' holidays; callers import from those modules.
"""
