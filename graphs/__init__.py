"""Baton's workflow model: pydantic models, conditions, validation and examples.

This package does no I/O beyond (de)serialisation: no database, clock or network.
"""
