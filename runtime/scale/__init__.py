"""Scale-out behind the outbox: a relay sends due outbox rows and timers to Celery workers.

The outbox stays the truth (state and effects commit together); Celery is only the
doorbell. :mod:`runtime.scale.relay` leads one at a time and sends what is due;
:mod:`runtime.scale.tasks` are what a Celery worker does with one row or one timer,
with the executor's own code (:mod:`runtime.scale.process`).
"""
