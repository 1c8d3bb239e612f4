"""The example homework (tutorials/homework): the solution gets every point and the student
version none; the students' public reference agrees with the tests they get; and a wrong
answer gets a message that says where it is wrong (which op, which input, which time step)."""
import json
import re
import shutil

from homework_support import HOMEWORK, cli, example, private_folder
from tinygrad_rnn.homework import grade


def test_solution_full_marks_student_zero():
    root = example()
    out = root / "results.json"
    result = cli("homework", "grade", root / "solution", "--tests", root / "tests",
                 "--solution", root / "solution", "--json", out, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    solution = json.loads(out.read_text())
    total = solution["extra_data"]["max_score"]
    assert total == 21 and solution["score"] == total, result.stdout
    assert "(hidden)" in result.stdout and "score: 21/21 points" in result.stdout
    result = cli("homework", "grade", root / "student", "--tests", root / "tests",
                 "--reference", root / "reference.json", "--json", out, "--quiet")
    student = json.loads(out.read_text())
    assert student["score"] == 0 and len(student["tests"]) == 14
    for test in student["tests"]:
        assert "NotImplementedError" in test["output"], test["output"]
    assert "/tmp" not in student["tests"][0]["output"]  # paths relative to the submission


def test_the_students_public_reference():
    """student/tests/reference.json is what the public tests observe on the solution."""
    work = private_folder()
    shutil.copytree(HOMEWORK / "student" / "tests", work / "tests")
    reference = work / "tests" / "reference.json"
    full = grade(HOMEWORK / "solution", work / "tests", reference=reference, timeout=60, jobs=2)
    assert full["score"] == full["extra_data"]["max_score"] == 17 and len(full["tests"]) == 10
    assert grade(HOMEWORK / "student", work / "tests", reference=reference, timeout=60)["score"] == 0
    names = set(json.loads(reference.read_text())["tests"])
    assert not any("hidden" in name for name in names)


def test_wrong_answers_are_located():
    root, work = example(), private_folder()
    shutil.copytree(root / "solution", work / "wrong")
    for name, old, new in [
            ("sigmoid.py", "(ds * s * (1 - s),)", "(ds * s,)"),
            ("elman.py", "state @ self.W_s", "state.detach() @ self.W_s"),
            ("lstm.py", "c = f * c + i * g", "c = f * c + i * g * 1.01")]:
        text = (work / "wrong" / name).read_text()
        (work / "wrong" / name).write_text(text.replace(old, new))
    results = grade(work / "wrong", root / "tests", reference=root / "reference.json",
                    timeout=60, jobs=2)
    out = {t["name"].split("::")[1] + "@" + t["name"].split(".py")[0]: t for t in results["tests"]}
    sigmoid = out["test_backward_passes_finite_differences@test_sigmoid"]["output"]
    assert sigmoid.startswith("FAIL: hw_sigmoid at (no scope): gradient for input 0 (x0) is wrong "
                              "at index"), sigmoid
    assert "(reference solution), got" in sigmoid and "(your backward)" in sigmoid
    elman = out["test_gradients_of_the_unrolled_cell@test_elman"]
    assert "matmul at elman/t=2 ('lives'): gradient for input 0 (output of tanh) is missing" \
        in elman["output"] and "detach" in elman["output"]
    assert 0 < elman["score"] < 2  # partial credit: most ops are right
    lstm = out["test_gradients_of_the_unrolled_cell@test_lstm"]["output"]
    assert lstm.startswith("FAIL: add at lstm/t=1: computed from values that are right, its output "
                           "is wrong at index"), lstm
    hidden = out["test_hidden_saturated_inputs@test_sigmoid"]
    assert hidden["visibility"] == "after_published" and hidden["score"] == 0
    assert not re.search(r"expected -?[0-9]|got -?[0-9]", hidden["output"]), hidden["output"]
    assert out["test_loss_over_a_sentence@test_transducer"]["score"] == 2
