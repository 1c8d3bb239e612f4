"""``tr.models``: the lecture's example models that the command line draws and replays, built
by the library (the commands, the gallery and the benchmarks all use the same builder)."""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import cli

WORDS = "John lives in Salt Lake City".split()


def test_the_debug_command_replays_the_model_the_library_builds():
    args = cli.build_parser().parse_args(["debug", "--cell", "gru", "--sentence", "John lives in",
                                          "--seed", "3"])
    from tinygrad_rnn.commands.debug import build_graph
    replayed = build_graph(args)
    ys, _ = tr.models.build_model("gru", ["John", "lives", "in"], seed=3)
    loss = tr.models.as_loss(ys)
    assert loss.name == "L" and loss.scope[-1].name == "loss"
    assert replayed.item() == loss.item() == pytest.approx(sum(float(y.data.sum()) for y in ys))


def test_same_seed_same_model_and_a_pattern_loss_is_already_a_scalar():
    a, title = tr.models.build_model("lstm", WORDS, pattern="transducer", grad=True)
    b, _ = tr.models.build_model("lstm", WORDS, pattern="transducer")
    assert a.size == 1 and tr.models.as_loss(a) is a
    assert a.item() == b.item() and title.startswith("LSTM transducer")
    c, _ = tr.models.build_model("lstm", WORDS, pattern="transducer", seed=1)
    assert c.item() != a.item()


@pytest.mark.parametrize("cell, pattern, word", [("rnn", "none", "cell"),
                                                 ("elman", "tagger", "pattern")])
def test_unknown_names_are_refused_naming_the_choices(cell, pattern, word):
    with pytest.raises(ValueError, match=f"unknown {word} '{cell if word == 'cell' else pattern}'"
                                         ".*use one of"):
        tr.models.build_model(cell, WORDS, pattern=pattern)


def test_the_old_import_path_still_works():
    from tinygrad_rnn.commands import render
    ys, _ = render.build_model("elman", WORDS[:2])
    again, _ = tr.models.build_model("elman", WORDS[:2])
    numpy.testing.assert_array_equal(ys[-1].data, again[-1].data)
