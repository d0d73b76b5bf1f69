"""Baton's designer: the Flask application, its REST API, and the serving of the canvas."""
