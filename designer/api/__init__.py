"""The REST API: thin blueprints under ``/api`` that validate input and call services."""

from __future__ import annotations

from flask import Flask

from designer.api import (
    accounts,
    agents,
    ai,
    cases,
    design_aids,
    interop,
    meta,
    metrics,
    monitor,
    prometheus,
    runs,
    salesforce,
    session,
    versions,
    whatif,
    workflows,
)

__all__ = ["API_PREFIX", "register_api"]

API_PREFIX = "/api"


def register_api(app: Flask) -> None:
    """Register every API blueprint on ``app`` under :data:`API_PREFIX`."""
    for blueprint in (
        meta.bp,
        interop.bp,
        workflows.bp,
        session.bp,
        accounts.bp,
        runs.bp,
        cases.bp,
        monitor.bp,
        agents.bp,
        metrics.bp,
        prometheus.bp,
        salesforce.bp,
        ai.bp,
        design_aids.bp,
        whatif.bp,
        versions.bp,
    ):
        app.register_blueprint(blueprint, url_prefix=API_PREFIX)
