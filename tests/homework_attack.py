"""An attack on the grader, for tests/test_homework_attacks.py (never run by the test suite
itself: copied into submissions as their ``attack.py``, with KIND and PORT set).

Every module of the submission imports it first and calls ``finish(globals(), __name__)``
last; it prints ``ATTACK <kind>: ...`` lines saying what it did."""
import gc
import json
import os
import sys
import time

KIND = "junk"  # the test writes the attack's kind and port here
PORT = 0


def say(text):
    print(f"ATTACK {KIND}: {text}", flush=True)


def grader_arguments():
    """The options on the command lines of this process's ancestors (the grader's)."""
    found, pid = {}, os.getppid()
    while pid > 1:
        try:
            args = open(f"/proc/{pid}/cmdline", "rb").read().decode().split("\0")
            pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            break
        found.update({a: b for a, b in zip(args, args[1:]) if a.startswith("--")})
    return found


def read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError as exc:
        say(f"cannot read {path}: {exc.strerror}")


def attack():
    args = grader_arguments()
    if KIND == "patch":
        import tinygrad_rnn as tr
        import tinygrad_rnn.homework as hw

        class Fine:
            ok, problems, leaf_problems, nodes = True, [], [], []

            def raise_if_wrong(self):
                return self
        tr.testing.assert_grad_close = lambda *a, **k: None
        for name in ("check_cell", "check_graph", "check_op"):
            setattr(tr.testing, name, lambda *a, **k: Fine())
        tr.gradcheck = lambda *a, **k: True
        fake = lambda name, value, *a, **k: value
        hw.observe = fake
        for module in list(sys.modules.values()):
            if getattr(module, "observe", None) is not None and module.__name__.startswith("test_"):
                module.observe = fake
        say("replaced the checks and observe with functions that always pass")
    elif KIND == "frame":
        frame = sys._getframe()
        while frame is not None:
            report = frame.f_locals.get("report")
            if callable(report):
                say("calling the harness's own report function with 'passed'")
                report("passed")
            frame = frame.f_back
    elif KIND == "fd":
        message = json.dumps({"status": "passed", "exception": None, "observations": []})
        written = [fd for fd in range(3, 256) if _write(fd, message.encode())]
        say(f"wrote a passing report to descriptors {written}, then exits")
        os._exit(0)
    elif KIND in ("cmdline", "hidden", "edit"):
        say(f"the grader's command line names {sorted(args)}")
        tests = args.get("--tests")
        for folder in (tests, os.path.join(os.path.dirname(str(tests)), "solution")):
            try:
                say(f"{folder} holds {sorted(os.listdir(folder))}")
            except OSError as exc:
                say(f"cannot list {folder}: {exc.strerror}")
        for name in ("elman", "lstm", "sigmoid", "transducer"):
            path = os.path.join(os.path.dirname(str(tests)), "solution", name + ".py")
            source = read(path)
            if source:
                SOLUTION[name] = source
        for name in ("test_elman.py", "test_sigmoid.py"):
            path = os.path.join(str(tests), name)
            source = read(path)
            if source and KIND == "hidden":
                say("the hidden tests are:\n" + source)
            if KIND == "edit":
                try:
                    with open(path, "w") as handle:
                        handle.write("def test_free():\n    pass\n")
                    say(f"rewrote {path}")
                except OSError as exc:
                    say(f"cannot write {path}: {exc.strerror}")
        if KIND == "hidden":  # also from this very process's memory
            found = [o.__code__.co_consts for o in gc.get_objects()
                     if callable(o) and getattr(o, "__name__", "").startswith("test_hidden")]
            say(f"hidden tests in memory: {found}")
    elif KIND == "reference":
        path = args.get("--reference")
        data = read(path) if path else None
        for pid in (os.getppid(),):
            read(f"/proc/{pid}/environ")
            read(f"/proc/{pid}/mem")
        if data:
            say("read the reference: replaying its observations as mine")
            REPLAY.append(json.loads(data)["tests"])
    elif KIND == "daemon":
        csv_path = args.get("--csv")
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                _rewrite_later(csv_path)
            os._exit(0)
        say(f"left a detached process to rewrite {csv_path} when the grader is done")
    elif KIND == "network":
        try:
            import socket
            socket.create_connection(("127.0.0.1", PORT), timeout=2).sendall(b"hidden tests")
            say("sent data to the network")
        except OSError as exc:
            say(f"no network: {exc}")


REPLAY, SOLUTION = [], {}


def _write(fd, data):
    try:
        os.write(fd, data)
        return True
    except OSError:
        return False


def _rewrite_later(csv_path):
    grader = os.getppid()
    for _ in range(150):
        time.sleep(0.2)
        try:
            with open(csv_path, "w") as handle:
                handle.write("submission,score\n" + "everyone,999\n")
            break
        except OSError:
            pass
    os._exit(0)


def _const(shape):
    import numpy
    import tinygrad_rnn as tr
    return tr.Tensor(numpy.full(shape, 0.123))


def finish(ns, name):
    """Called at the end of every module: the solution if it could be read, else answers that
    run but are wrong (so that the checks have something to pass)."""
    if name in SOLUTION:
        exec(SOLUTION[name], ns)
        say(f"{name}: using the instructor's solution")
    elif name == "elman":
        ns["ElmanCell"].R = lambda self, s, x: _const(s.shape)
        ns["ElmanCell"].O = lambda self, s: _const(s.shape)
    elif name == "lstm":
        ns["LSTMCell"].gates = lambda self, h, x: tuple(_const(h.shape) for _ in range(4))
        ns["LSTMCell"].R = lambda self, s, x: (_const(s[0].shape), _const(s[1].shape))
    elif name == "sigmoid":
        ns["Sigmoid"].backward = lambda self, ds: (ds * 0 + 0.123,)
    elif name == "transducer":
        ns["sentence_loss"] = lambda model, ids, tags, words=None: _const(())
    if KIND == "reference" and REPLAY:  # this test's observations, reported at once
        from tinygrad_rnn.homework import observations
        frame = sys._getframe()
        while frame is not None:
            request, report = frame.f_locals.get("request"), frame.f_locals.get("report")
            if isinstance(request, dict) and callable(report):
                name = request["file"] + "::" + request["function"]
                observations._recorded = REPLAY[0][name]["observations"]
                report("passed")
            frame = frame.f_back


if "attacked" not in globals():
    attacked = True
    attack()
