"""Small readers of DOT source for the drawing tests (no Graphviz needed)."""
import re

import numpy

import tinygrad_rnn as tr

WORDS = "John lives in Salt Lake City".split()
NODE = re.compile(r"^\s*(\w+) \[label=(.*)\];$", re.M)
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?;$", re.M)
CLUSTER = re.compile(r"subgraph (cluster_\w+) \{ (?:label=\"(.*?)\";)?")


def nodes(source):
    """{id: label} of every node statement."""
    return {m.group(1): m.group(2) for m in NODE.finditer(source)}


def edges(source):
    """[(tail, head, attribute text)] in declaration order."""
    return [(m.group(1), m.group(2), m.group(3) or "") for m in EDGE.finditer(source)]


def cluster_blocks(source):
    """{cluster name: (title, the text of its block)} for the top-level column clusters."""
    out = {}
    for m in CLUSTER.finditer(source):
        start, depth, i = m.end(), 1, m.end()
        while depth:
            c = source[i]
            depth += c == "{"
            depth -= c == "}"
            i += 1
        out[m.group(1)] = (m.group(2), source[start:i])
    return out


def node_with(source, text):
    """The ids of the nodes whose label contains ``text``."""
    return [nid for nid, label in nodes(source).items() if text in label]


def elman(words=WORDS, hidden=3, seed=0):
    """A hand-made input sequence through tr.rnn.unroll: (ys, states)."""
    tr.manual_seed(seed)
    cell = tr.rnn.ElmanCell(4, hidden)
    rng = numpy.random.default_rng(seed)
    xs = [rng.standard_normal((1, 4)) for _ in words]
    return tr.rnn.unroll(cell, xs, labels=list(words))
