"""Process rules: one Go runtime per process, no unload, no fork after load
(ForkError in the child), spawn works; threads share one model."""

import json
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
import ctypes

import pytest

import ludwig_infer
from ludwig_infer import _lib
from conftest import HERE, diff, load_golden, model_dir, plain, want_columns

sys.path.insert(0, HERE)
import _workers  # noqa: E402


def test_cdll_releases_the_gil(models):
    models("tabular")
    lib = _lib.get()
    assert isinstance(lib, ctypes.CDLL) and not isinstance(lib, ctypes.PyDLL)


def test_threads_match_sequential(models):
    """8 threads x 40 calls on one model give exactly the sequential results."""
    m = models("tabular")
    cases = load_golden("tabular")["cases"]
    want = [json.dumps(plain(m.predict(c["request"], return_type=dict, form="full")[0])) for c in cases]
    stage_want = [json.dumps(plain(m.predictor_forward(m.preprocessor_forward(c["request"])))) for c in cases]
    errors = []
    start = threading.Barrier(8)

    def work(w):
        try:
            start.wait()
            for it in range(40):
                i = (w + it) % len(cases)
                if it % 4 == 3:
                    got = json.dumps(plain(m.predictor_forward(m.preprocessor_forward(cases[i]["request"]))))
                    if got != stage_want[i]:
                        errors.append("worker %d case %d (stages): %s != %s" % (w, i, got, stage_want[i]))
                    continue
                got = json.dumps(plain(m.predict(cases[i]["request"], return_type=dict, form="full")[0]))
                if got != want[i]:
                    errors.append("worker %d case %d: %s != %s" % (w, i, got, want[i]))
        except Exception as e:  # pragma: no cover - reported below
            errors.append("worker %d: %r" % (w, e))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_close_while_threads_infer():
    """Closing a model under running threads: calls succeed or raise ClosedError."""
    m = ludwig_infer.InferenceModule.from_directory(model_dir("tabular"), warmup=False)
    case = load_golden("tabular")["cases"][2]
    outcomes = []

    def work():
        for _ in range(30):
            try:
                m.predict(case["request"], return_type=dict)
                outcomes.append("ok")
            except ludwig_infer.ClosedError:
                outcomes.append("closed")
            except Exception as e:  # pragma: no cover
                outcomes.append(repr(e))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.01)
    m.close()
    for t in threads:
        t.join()
    assert set(outcomes) <= {"ok", "closed"}, outcomes
    assert "closed" in outcomes
    with pytest.raises(ludwig_infer.ClosedError):
        m.predict(case["request"])


def test_spawn_workers(models):
    """Worker processes started with spawn load the library themselves."""
    case = load_golden("tabular")["cases"][2]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.starmap(_workers.predict_in_child, [(model_dir("tabular"), case["request"])] * 2)
    want = want_columns(case)
    for pid, out in results:
        assert pid != os.getpid()
        assert diff(json.loads(out), want) == ""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_after_load_raises_in_child(models):
    """A child forked after the library is loaded gets ForkError, not a hang or a crash."""
    m = models("tabular")
    case = load_golden("tabular")["cases"][0]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            try:
                m.predict(case["request"], return_type=dict)
                msg = "predict worked in a forked child"
            except ludwig_infer.ForkError as e:
                msg = "ForkError: " + str(e)
                m.close()  # must not call into the library, nor raise
                try:
                    ludwig_infer.version()
                    msg = "version() worked in a forked child"
                except ludwig_infer.ForkError:
                    code = 0
            os.write(w, msg.encode()[:4000])
        finally:
            os._exit(code)
    os.close(w)
    ready, _, _ = select.select([r], [], [], 60)
    if not ready:  # pragma: no cover - a hang is the bug this guards against
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung")
    msg = os.read(r, 4096).decode()
    os.close(r)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, msg
    assert "spawn" in msg and "fork" in msg
    # the parent is unaffected
    preds, _ = m.predict(case["request"], return_type=dict)
    assert diff(preds, want_columns(case)) == ""


def test_set_threads_before_first_load_in_fresh_process(tmp_path):
    import subprocess

    code = (
        "import ludwig_infer as li\n"
        "li.set_threads(2)\n"
        "m = li.InferenceModule.from_directory(%r)\n"
        "print(m.predict({'Age': [34], 'city': ['Paris'], 'member': [True], 'cell': [617703466028236799]},"
        " return_type=dict)[0]['plan_predictions'])\n"
        "try:\n"
        "    li.set_threads(3)\n"
        "except li.InvalidArgumentError as e:\n"
        "    print('late:', e.code)\n" % model_dir("tabular")
    )
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "['plus']" in out.stdout and "late: 1" in out.stdout
