"""The demo: seeded cases and routing, in-process stand-ins for outside services, AI history.

Nothing here is imported by this ``__init__``: the modules are reached by name
(``runtime.demo.services``), so that loading one never loads the others.
"""
