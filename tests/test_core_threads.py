"""Grad mode, scopes and backward hooks belong to the thread that set them: a ``no_grad`` block,
a scope or a ``with hook:`` in one thread never changes what another thread records."""
import sys
import threading

import numpy
import pytest

import tinygrad_rnn as tr


@pytest.fixture
def switch_often():
    """Let the threads take turns every microsecond, so that their blocks overlap."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _in_thread(fn):
    """Run ``fn`` in a new thread; return its result (or raise its exception)."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            out["error"] = exc
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_no_grad_and_a_scope_in_one_thread_do_not_reach_another():
    x = tr.Tensor([1.0, 2.0], requires_grad=True)
    with tr.no_grad(), tr.scope("outer", t=7):
        assert not tr.is_grad_enabled()
        y, grad_on = _in_thread(lambda: (x * x, tr.is_grad_enabled()))
        inside = x * x
    assert grad_on and y.op == "mul" and y.requires_grad and y.scope == ()
    assert inside.op is None and inside.scope[0].name == "outer"
    y.sum().backward()
    numpy.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_a_hook_watches_the_backward_passes_of_its_own_thread_only():
    seen = []

    class Count(tr.BackwardHook):
        def grad_ready(self, node, grad):
            seen.append(threading.get_ident())

    x = tr.Tensor([3.0], requires_grad=True)
    with Count():
        _in_thread(lambda: (x * x).sum().backward())
        assert seen == []
        (x * x).sum().backward()
    assert seen and set(seen) == {threading.get_ident()}


def test_threads_unrolling_at_once_each_get_their_own_time_steps(switch_often):
    """Four threads unroll a cell over their own words at the same time: every node of each
    graph is in its own thread's step scopes, labelled with its own words."""
    tr.manual_seed(0)
    cell = tr.rnn.ElmanCell(2, 3)
    sentences = [[f"w{k}_{t}" for t in range(30)] for k in range(4)]
    start = threading.Barrier(len(sentences))
    results, errors = {}, []

    def run(k):
        try:
            start.wait()
            with tr.scope(f"thread{k}"):
                ys, _ = tr.rnn.unroll(cell, [numpy.ones((1, 2))] * 30, labels=sentences[k])
            results[k] = ys
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(sentences))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and len(results) == len(sentences)
    for k, ys in results.items():
        for node in tr.topological_order(ys[-1]):
            if node.op is None:
                continue
            path = [s.name for s in node.scope]
            assert path[0] == f"thread{k}" and path.count(f"thread{k}") == 1, path
            t, word = tr.state.step_of(node)
            assert word == sentences[k][t - 1], (k, path)


def test_fused_mode_is_per_thread_too():
    cell = tr.rnn.ElmanCell(2, 3)
    xs = [numpy.ones((1, 2))] * 3
    with tr.rnn.fused_mode():
        ys, _ = tr.rnn.unroll(cell, xs)
        elsewhere = _in_thread(lambda: tr.rnn.unroll(cell, xs)[0])
    assert len(tr.topological_order(ys[-1])) < len(tr.topological_order(elsewhere[-1]))
