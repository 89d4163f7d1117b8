"""Pictures of the group audit: the relations network (networkx) and the territory map.

Both are matplotlib figures, saved by the CLI to PNG/PDF/SVG and inlined by the workspace
as SVG (no asset from another host). Edges are coloured by relation kind; a dashed edge is a
relation that has ended.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd

from sereno.i18n import t

COLOURS = {"alliance": "#1b7837", "rivalry": "#b2182b", "conflict": "#e08214", "split": "#5e3c99"}
KIND_COLOURS = {
    "gang": "#d6604d",
    "clique": "#f4a582",
    "cartel_cell": "#762a83",
    "self_defence": "#4393c3",
    "other": "#999999",
}


def relation_graph(groups: pd.DataFrame, relations: pd.DataFrame) -> nx.MultiGraph:
    """Groups as nodes (name, kind, active), relations as edges (kind, since, until)."""
    graph = nx.MultiGraph()
    for g in groups.itertuples():
        graph.add_node(g.group_id, name=g.name, kind=g.kind, active=bool(g.active))
    for r in relations.itertuples():
        if r.group_a in graph and r.group_b in graph:
            graph.add_edge(r.group_a, r.group_b, kind=r.kind, since=r.since_on, until=r.until_on)
    return graph


def network_figure(groups: pd.DataFrame, relations: pd.DataFrame, lang: str = "es"):
    """The relations network: a node per group (colour: kind; hollow: inactive)."""
    graph = relation_graph(groups, relations)
    fig, ax = plt.subplots(figsize=(8, 5.5))
    pos = nx.spring_layout(nx.Graph(graph), seed=7) if len(graph) else {}
    for kind, colour in COLOURS.items():
        edges = [(a, b) for a, b, d in graph.edges(data=True) if d["kind"] == kind]
        ended = [
            (a, b)
            for a, b, d in graph.edges(data=True)
            if d["kind"] == kind and d["until"] is not None and not pd.isna(d["until"])
        ]
        nx.draw_networkx_edges(
            graph,
            pos,
            edgelist=[e for e in edges if e not in ended],
            edge_color=colour,
            width=2.5,
            ax=ax,
        )
        nx.draw_networkx_edges(
            graph, pos, edgelist=ended, edge_color=colour, width=1.5, style="dashed", ax=ax
        )
        ax.plot([], [], color=colour, lw=2.5, label=t(f"review.relation.{kind}", lang))
    nodes = list(graph.nodes)
    nx.draw_networkx_nodes(
        graph,
        pos,
        nodelist=nodes,
        node_size=900,
        ax=ax,
        node_color=[
            KIND_COLOURS.get(graph.nodes[n]["kind"], "#999")
            if graph.nodes[n]["active"]
            else "white"
            for n in nodes
        ],
        edgecolors="#333333",
    )
    nx.draw_networkx_labels(
        graph, pos, labels={n: graph.nodes[n]["name"] for n in nodes}, font_size=8, ax=ax
    )
    ax.set_title(t("review.network_title", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.margins(0.15)
    ax.set_axis_off()
    fig.tight_layout()
    return fig


def territory_figure(territories, units=None, lang: str = "es"):
    """Each group's territory over the units (grey outlines)."""
    fig, ax = plt.subplots(figsize=(7, 6))
    if units is not None and len(units):
        units.boundary.plot(ax=ax, color="#cccccc", linewidth=0.4)
    palette = plt.get_cmap("tab10")
    for i, row in enumerate(territories.itertuples()):
        colour = palette(i % 10)
        part = territories[territories["group_id"] == row.group_id]
        part.plot(ax=ax, color=colour, alpha=0.55 if row.active else 0.2, edgecolor="#333333")
        point = row.geometry.representative_point()
        ax.annotate(row.name, (point.x, point.y), fontsize=7, ha="center")
    ax.set_title(t("review.territory_title", lang))
    ax.set_axis_off()
    fig.tight_layout()
    return fig


def svg(fig) -> str:
    """A figure as inline SVG text (the workspace's pictures)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]
