"""Functions run in child processes by test_process.py (importable by a
spawned interpreter: no pytest, no conftest)."""

import json
import os


def predict_in_child(model_dir, request):
    """Loads a model in this (spawned) process and predicts: JSON of the columns."""
    import ludwig_infer

    with ludwig_infer.InferenceModule.from_directory(model_dir) as m:
        preds, _ = m.predict(request, return_type=dict)
    out = {k: v.tolist() if hasattr(v, "tolist") else v for k, v in preds.items()}
    return os.getpid(), json.dumps(out)
