"""Understanding one customer turn: the schema both paths fill, and the offline parser over data files."""

from graph.understanding.parser import understand_offline
from graph.understanding.schema import Understanding

__all__ = ["Understanding", "understand_offline"]
