"""Grade a folder of submissions into a gradebook: ``grade_all(submissions, tests, csv_path)``.

Every entry of ``submissions`` (a folder or a file per student; names starting with ``.`` are
skipped) is graded like ``grade`` does, ``jobs`` submissions at a time, each slot with a test
user of its own, against ONE reference computed (or loaded) before any submission runs. Each
gets ``OUT/<name>/results.json``; the gradebook CSV has a row per submission: name, score,
maximum, tests passed, status (``graded`` or the error that stopped its grading) and the score
of every test. A submission that crashes, loops or attacks the grader affects only its own row.
CSV cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) are quoted.
"""
import csv
import io
import json
import queue
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .discover import discover
from .errors import HomeworkError, write
from .grade import (check_jobs, check_timeout, grade, load_reference, owned, private_paths,
                    secure)
from .sandbox import DEFAULT_MEMORY, protect as make_private


def _cell(value):
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def gradebook(rows, cases):
    """The CSV text of ``rows`` (one dict per submission)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "score", "max_score", "passed", "tests", "status"] +
                    [case.name for case in cases])
    for row in rows:
        scores = row.get("scores", {})
        writer.writerow([_cell(row["submission"]), row["score"], row["max_score"],
                         row["passed"], len(cases), _cell(row["status"])] +
                        [scores.get(case.name, "") for case in cases])
    return out.getvalue()


def grade_all(submissions, tests, csv_path, out=None, jobs=1, timeout=10.0, output_limit=10000,
              solution=None, reference=None, memory=DEFAULT_MEMORY, protect=False,
              visibility="visible", stdout_visibility="hidden", progress=True, sandbox=None):
    """Grade every submission in ``submissions``; returns the gradebook rows (see above)."""
    timeout, jobs = check_timeout(timeout), check_jobs(jobs)
    submissions, csv_path = Path(submissions), Path(csv_path)
    out = Path(out) if out is not None else csv_path.with_name(csv_path.stem + "-results")
    if not submissions.is_dir():
        raise HomeworkError(f"{submissions}: no such folder of submissions")
    entries = sorted(p for p in submissions.iterdir() if not p.name.startswith("."))
    if not entries:
        raise HomeworkError(f"{submissions}: no submissions in it")
    cases = discover(tests)
    with owned(sandbox, memory) as sandbox:
        return _grade_all(entries, cases, tests, csv_path, out, jobs, timeout, output_limit,
                          solution, reference, protect, visibility, stdout_visibility, progress,
                          submissions, sandbox)


def _grade_all(entries, cases, tests, csv_path, out, jobs, timeout, output_limit, solution,
               reference, protect, visibility, stdout_visibility, progress, submissions, sandbox):
    maximum = sum(case.points for case in cases)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        out.mkdir(mode=0o700)
    if sandbox.root:  # the results of the students graded before, and an earlier gradebook,
        make_private([(out, "read")] +  # are nobody's business: no later submission's
                     [(csv_path, "read")] * csv_path.is_file())  # tests may read them
    secure(sandbox, private_paths(tests, solution, reference, csv_path,
                                  others=[submissions, out, csv_path]) +
           [(out / "results.json", "write")], protect)
    expected = load_reference(cases, solution, reference, sandbox, timeout, jobs, output_limit)
    slots, cancel = queue.Queue(), threading.Event()
    for identity in sandbox.identities(jobs):
        slots.put(identity)

    def one(entry):
        row = {"submission": entry.name, "score": 0, "max_score": maximum, "passed": 0,
               "status": "graded"}
        if entry.is_symlink() or not (entry.is_dir() or entry.is_file()):
            row["status"] = "error: not a folder or a regular file (links are not followed)"
            return row
        slot = slots.get()
        try:
            results = grade(entry, tests, timeout, output_limit, jobs=1, expected=expected,
                            sandbox=sandbox, identities=[slot], cancel=cancel,
                            visibility=visibility, stdout_visibility=stdout_visibility)
        except HomeworkError as exc:
            if cancel.is_set():
                raise
            row["status"] = f"error: {exc}".splitlines()[0][:300]
            return row
        finally:
            slots.put(slot)
        folder = out / entry.name
        folder.mkdir(exist_ok=True)
        write(folder / "results.json", (json.dumps(results, indent=2) + "\n").encode())
        row.update(score=results["score"], passed=results["extra_data"]["passed"],
                   scores={t["name"]: t["score"] for t in results["tests"]})
        return row

    rows = []
    bar = _bar(len(entries), progress)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(one, entry) for entry in entries]
        try:
            for future in as_completed(futures):
                rows.append(future.result())
                bar.update(1)
        except BaseException:
            cancel.set()
            for future in futures:
                future.cancel()
            raise
        finally:
            bar.close()
    rows.sort(key=lambda row: row["submission"])
    write(csv_path, gradebook(rows, cases).encode("utf-8"))
    return rows


def _bar(total, show):
    from tqdm import tqdm
    return tqdm(total=total, desc="grading", unit="submission", file=sys.stderr,
                disable=not show, dynamic_ncols=True)
