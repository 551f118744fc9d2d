"""The built-in offline planner: a story map from a product description, with no model and no network."""

from .plan import plan_map

__all__ = ["plan_map"]
