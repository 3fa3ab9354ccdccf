"""Entry point for `langgraph dev` / LangGraph Server: the graph compiled without a checkpointer."""

import warnings

from graph.builder import build_graph

# langgraph-api runs a thread-less ("stateless") run without a checkpointer but still passes `durability`,
# and LangGraph then warns on every such run; the setting is meaningless there, so the warning is noise.
warnings.filterwarnings("ignore", message="`durability` has no effect when no checkpointer is present")

graph = build_graph()
