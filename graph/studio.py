"""Entry point for `langgraph dev` / LangGraph Server: the graph compiled without a checkpointer."""

from graph.builder import build_graph

graph = build_graph()
