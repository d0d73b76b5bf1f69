"""The web app for a production WSGI server: ``gunicorn designer.wsgi:app`` (see Procfile).

Only the web side: the executor and the timer clock run in ``baton worker`` processes,
which reach this process's Socket.IO connections through the Redis message queue
(``BATON_REDIS_URL``). Flask-SocketIO in threading mode serves websockets from gunicorn's
threaded worker; keep one worker process per instance (a Socket.IO connection that falls
back to long polling must find its process again) and scale out with more instances.
"""

from __future__ import annotations

from designer.app import create_app
from designer.serving import freeze_startup_heap
from runtime.settings import Settings

app = create_app(Settings())
# gunicorn imports this module in its worker, after which the worker only serves.
freeze_startup_heap()
