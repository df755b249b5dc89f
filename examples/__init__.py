"""Runnable examples; ``python -m examples.demo`` (``make demo``) runs the main job."""
