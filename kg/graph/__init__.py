"""The graph: article results assembled into one networkx graph, and plain functions over
it (analysis, statistics)."""
