"""Baton's runtime: the pure engine, the store, the executor and the services around them.

The engine (:mod:`runtime.engine`) does no I/O. Nothing in this package imports Flask.
"""
