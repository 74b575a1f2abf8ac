"""Python binding: calls/s from 1 and 2 threads on one model, batch 1 (a standalone check of
how the binding scales with threads; the full benchmark is bench/run.sh).

    python3 bench/py/scaling.py [MODEL_DIR] [SECONDS]

ctypes releases the GIL during li_infer, so threads overlap the library's work; what they
cannot overlap is the Python-side work of each call (building the request, reading the result).
"""
import os
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
import ludwig_infer  # noqa: E402

model_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "testdata", "models", "tabular")
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
m = ludwig_infer.InferenceModule.from_directory(model_dir)
row = {"Age": [34.0], "city": ["Paris"], "member": [True], "cell": [617703466028236799]}
body = b'{"Age": [34.0], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}'


def rate(fn, nthreads):
    stop = time.perf_counter() + secs
    counts = [0] * nthreads

    def work(i):
        while time.perf_counter() < stop:
            fn()
            counts[i] += 1

    ts = [threading.Thread(target=work, args=(i,)) for i in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / secs


for name, fn in (("predict(dict, return_type=dict)", lambda: m.predict(row, return_type=dict)),
                 ("predict_json", lambda: m.predict_json(body))):
    for _ in range(200):
        fn()
    r1, r2 = rate(fn, 1), rate(fn, 2)
    print(f"{name}: 1 thread {r1:,.0f} calls/s, 2 threads {r2:,.0f} calls/s, ratio {r2 / r1:.2f}")
