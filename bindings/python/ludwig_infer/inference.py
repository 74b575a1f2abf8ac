"""InferenceModule: Ludwig's ludwig.models.inference.InferenceModule over libludwiginfer."""

import json
import math
import os
import threading
from ctypes import byref, c_size_t, c_void_p, sizeof, string_at

from . import _lib
from ._compat import np, pd
from ._lib import LiInferOptions, LiTensor, li_model_p, li_result_p
from ._request import encode_table, encode_tensors, feature_specs, module_inputs
from ._tensors import TensorBatch, read_result_tensor
from .errors import ClosedError, InvalidArgumentError

__all__ = ["InferenceModule", "FORMS"]

#: Output forms (li_form).
FORMS = {"features": 0, "columns": 1, "full": 2}

# li_stage
_STAGE_ALL, _STAGE_PREPROCESS, _STAGE_PREDICT, _STAGE_POSTPROCESS = 0, 1, 2, 3

_INT64_MAX = 2**63 - 1
_EMPTY = TensorBatch()


class _Default:
    def __repr__(self):
        return "pd.DataFrame (dict without pandas)"


_DEFAULT_RETURN = _Default()


def _form_code(form):
    code = FORMS.get(form) if isinstance(form, str) else None
    if code is None:
        raise InvalidArgumentError("unknown output form %r (want features, columns or full)" % (form,))
    return code


def _timeout_ms(timeout):
    """timeout in milliseconds (None or 0: no deadline)."""
    if timeout is None:
        return 0
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InvalidArgumentError("timeout must be a number of milliseconds, got %r" % (timeout,))
    if timeout != timeout or timeout < 0:
        raise InvalidArgumentError("timeout must be >= 0 milliseconds, got %r" % (timeout,))
    if timeout == 0:
        return 0
    ms = math.ceil(timeout) if timeout != math.inf else _INT64_MAX
    return min(ms, _INT64_MAX)


def _want_frame(return_type):
    """Whether predict returns a DataFrame (True) or a dict (False)."""
    if return_type is _DEFAULT_RETURN:
        return pd is not None
    if return_type is dict or (isinstance(return_type, str) and return_type == "dict"):
        return False
    wants_frame = (isinstance(return_type, str) and return_type in ("DataFrame", "pandas", "df")) or (
        isinstance(return_type, type) and return_type.__name__ == "DataFrame"
    )
    if wants_frame:
        if pd is None:
            raise InvalidArgumentError("return_type=DataFrame needs pandas, which is not installed")
        if isinstance(return_type, str) or return_type is pd.DataFrame:
            return True
    raise InvalidArgumentError("return_type must be pd.DataFrame or dict, got %r" % (return_type,))


def _split(name):
    """Unflattens "<feature>::<key>" on its last "::"."""
    i = name.rfind("::")
    return (name[:i], name[i + 2 :]) if i >= 0 else (name, "")


def _column(feature, key):
    return feature + "_" + key if key else feature


def _path_bytes(directory):
    try:
        p = os.fspath(directory)
    except TypeError:
        raise InvalidArgumentError(
            "directory must be a path (str or os.PathLike), got %s" % type(directory).__name__
        ) from None
    b = os.fsencode(p)
    if b"\0" in b:
        raise InvalidArgumentError("directory %r contains a NUL character" % (p,))
    return b


def _load_options(device, options):
    opts = dict(options)
    if device is not None:
        opts["device"] = str(device)
    if opts.get("graph") is not None:
        try:
            opts["graph"] = os.fsdecode(os.fspath(opts["graph"]))
        except TypeError:
            raise InvalidArgumentError("graph must be a path, got %r" % (opts["graph"],)) from None
    if isinstance(opts.get("extensions"), (list, tuple)):
        try:
            opts["extensions"] = [os.fspath(e) for e in opts["extensions"]]
        except TypeError:
            raise InvalidArgumentError("extensions must be a list of paths, got %r" % (opts["extensions"],)) from None
    if not opts:
        return None
    try:
        b = json.dumps(opts, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError("invalid load options %r: %s" % (opts, e)) from None
    if b"\0" in b:
        raise InvalidArgumentError("load options contain a NUL character")
    return b


class InferenceModule:
    """A Ludwig TorchScript export (the three-stage ``InferenceModule``),
    run by libludwiginfer: no torch, no Ludwig.

    Mirrors ``ludwig.models.inference.InferenceModule``: ``from_directory``,
    ``predict``, ``forward`` / ``__call__``, ``preprocessor_forward``,
    ``predictor_forward``, ``postprocessor_forward``. Extras are keyword
    arguments only: ``form`` (``"features"``, ``"columns"``, ``"full"``) and
    ``timeout`` (milliseconds; checked before and between stages).

    Tensors are numpy arrays when numpy is installed, else
    ``{"dtype", "shape", "data"}`` dicts (data flat, row-major).

    Thread-safe: many threads may run inferences on one model at once (the
    GIL is released inside the library). Close it with ``close()`` or a
    ``with`` block; a closed model raises ClosedError. Loading a model runs
    code stored in its .pt files: load only models you trust.
    """

    def __init__(self, directory, device=None, **options):
        path = _path_bytes(directory)
        self._open(lambda lib, opts, out, err: lib.li_load(path, opts, out, err), os.fsdecode(path), device, options)

    def _open(self, load, directory, device, options):
        """Loads with load(lib, options_json, out, err) (li_load or li_load_buffer)."""
        self._handle = None
        self._close_lock = threading.Lock()
        opts = _load_options(device, options)
        lib = _lib.get()
        handle = li_model_p()
        err = c_void_p()
        _lib.check(load(lib, opts, byref(handle), byref(err)), err)
        self._handle = handle
        self._directory = directory
        try:
            out = c_void_p()
            _lib.check(lib.li_model_info(handle, byref(out), byref(err)), err)
            self._schema_json = _lib.take_string(out.value)
            self._schema = json.loads(self._schema_json)
        except BaseException:
            self.close()
            raise
        self._inputs = self._schema.get("inputs") or []
        self._outputs = self._schema.get("outputs") or []
        self._output_rank = {o["name"]: i for i, o in enumerate(self._outputs)}
        self._key_rank = {o["name"]: {k: i for i, k in enumerate(o.get("keys") or [])} for o in self._outputs}
        self._config = None

    @classmethod
    def from_directory(cls, directory, device=None, **options):
        """Loads the export in ``directory`` (what ``ludwig export_torchscript`` wrote).

        Args:
            directory: the export folder (a ``--model_only`` folder works for
                ``predictor_forward`` only).
            device: the predictor's device, ``"cpu"`` (default), ``"cuda"`` or
                ``"cuda:N"``; pre- and postprocessing run on the CPU.
            warmup: run every stage once at load (default True) so first calls are fast.
            extensions: custom-op libraries to load first, e.g. libtorchaudio.so.
            graph: the ``model.pt2`` of a folder saved by Ludwig >= 0.13
                (``ludwig export_model -f torch_export`` writes it elsewhere);
                ``directory`` is then that folder, with the two JSON files.
                A folder holding its ``model.pt2`` needs no option. Such a
                model runs without libtorch, with ``LudwigModel.predict``'s
                columns (``form="full"``: names and order).
        Raises NotFoundError, ModelError, InvalidArgumentError.
        """
        return cls(directory, device=device, **options)

    @classmethod
    def from_bytes(cls, data, device=None, **options):
        """Loads a model from the bytes of a single-file archive (li_load_buffer).

        What ships a model as bytes (a Spark broadcast or ``addFile``, Ray's
        object store) can load it without writing it anywhere first.

        Args:
            data: ``bytes`` (or any buffer: bytearray, memoryview, numpy) of
                a zip or tar (optionally gzip-compressed) of an export folder
                - ``tar -cf m.tar -C exports tabular`` - or of a ``.pt`` or
                ``.carton`` file; what it is comes from the content. Read
                during the call only.
            device, warmup, extensions, stages: as ``from_directory``.
        The archive is checked before anything is unpacked (at most 10,000
        entries and 64 GiB unpacked, compressed entries over 1 MiB expanding
        at most 200 times, only files and folders, no name leaving the
        archive), unpacked into a temporary folder ($TMPDIR) that is removed
        before this returns. ``directory`` and ``schema["path"]`` are
        ``"<buffer>"``; ``config`` is None (the files are gone).
        Raises InvalidArgumentError (empty data, bad options), ModelError
        (not an archive, past a limit, a bad model), NotFoundError.
        """
        if not isinstance(data, bytes):
            data = bytes(memoryview(data).cast("B"))
        self = cls.__new__(cls)
        self._open(lambda lib, opts, out, err: lib.li_load_buffer(data, len(data), opts, out, err), "<buffer>", device, options)
        return self

    # --- lifetime ------------------------------------------------------------

    def close(self):
        """Releases the model. Idempotent; calls in flight in other threads
        finish first, later calls raise ClosedError."""
        with self._close_lock:
            h, self._handle = self._handle, None
        if h is not None and _lib.usable():
            _lib.get().li_close(h)

    @property
    def closed(self):
        """Whether close() was called."""
        return self._handle is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __reduce__(self):
        raise TypeError("an InferenceModule cannot be pickled: load the model in each process (from_directory)")

    def __repr__(self):
        state = "closed" if self._handle is None else "device=%r" % self.device
        return "InferenceModule(%r, %s)" % (getattr(self, "_directory", "?"), state)

    # --- introspection -----------------------------------------------------------

    @property
    def schema(self):
        """The model's description (li_model_info) as a dict: versions, files,
        devices, ``inputs`` (name, column, type, accepted forms, tensor dtype
        and shape), ``outputs`` (name, type, keys, labels), warnings."""
        return json.loads(self._schema_json)

    @property
    def input_features(self):
        """The input features, as ``schema["inputs"]``: a list of dicts."""
        return self.schema["inputs"]

    @property
    def output_features(self):
        """The output features, as ``schema["outputs"]``: a list of dicts."""
        return self.schema["outputs"]

    @property
    def device(self):
        """The predictor's device."""
        return self._schema.get("devices", {}).get("predictor", "cpu")

    @property
    def directory(self):
        """The export folder."""
        return self._directory

    @property
    def config(self):
        """The export's model_hyperparameters.json (Ludwig's config), or None."""
        if self._config is None:
            path = self._schema.get("files", {}).get("model_hyperparameters")
            if path and os.path.isfile(path):
                with open(path, encoding="utf-8") as f:
                    self._config = json.load(f)
        return self._config

    # --- the call ----------------------------------------------------------------

    def _infer(self, request, batch, stage, form, timeout, tensor_outputs, raw=False):
        lib = _lib.get()
        handle = self._handle
        if handle is None:
            raise ClosedError("the model is closed")
        opts = LiInferOptions(sizeof(LiInferOptions), stage, form, _timeout_ms(timeout), 1 if tensor_outputs else 0)
        tensors = batch.c_array()
        res = li_result_p()
        err = c_void_p()
        status = lib.li_infer(
            handle, request or None, len(request), tensors, len(batch), byref(opts), byref(res), byref(err)
        )
        del tensors  # batch keeps the buffers alive until here
        _lib.check(status, err)
        try:
            n = c_size_t()
            p = lib.li_result_json(res, byref(n))
            js = string_at(p, n.value) if p else b"{}"
            if not raw:
                js = json.loads(js)
            out = []
            count = lib.li_result_tensor_count(res)
            if count:
                t = LiTensor()
                for i in range(count):
                    _lib.check(lib.li_result_tensor(res, i, byref(t), byref(err)), err)
                    out.append(read_result_tensor(t))
        finally:
            lib.li_result_free(res)
        return js, out

    def _order(self, feature, key, index):
        """Sort key: outputs in schema order, keys in schema order, then as they came."""
        f = self._output_rank.get(feature, len(self._output_rank) + index)
        keys = self._key_rank.get(feature, {})
        return (f, keys.get(key, len(keys) + index))

    def _full_order(self, feature, key, index):
        """Sort key of the full form: LudwigModel.predict's column order, as the
        library writes it (core/response's ludwigOrder): every output's own
        columns (a binary's probabilities before its predictions), then every
        output's added ones (binary: probabilities_<label>..., probability;
        category: probability, probabilities_<label>...; sequence: probability;
        text: response, probability)."""
        f = self._output_rank.get(feature, len(self._output_rank) + index)
        out = self._outputs[f] if f < len(self._outputs) else {}
        typ, labels = out.get("type"), out.get("labels") or []
        last = 1 << 30
        if typ in ("binary", "category") and key.startswith("probabilities_"):
            label = key[len("probabilities_") :]
            rank = labels.index(label) if label in labels else len(labels) + index
            return (1, f, rank + (1 if typ == "category" else 0))
        if key == "probability" and typ in ("binary", "category", "sequence", "text"):
            return (1, f, last if typ in ("binary", "text") else 0)
        if key == "response" and typ == "text":
            return (1, f, 0)
        lead = ("probabilities", "predictions") if typ == "binary" else ("predictions", "probabilities")
        if key in lead:
            return (0, f, lead.index(key))
        keys = self._key_rank.get(feature, {})
        return (0, f, 2 + keys.get(key, len(keys) + index))

    def _feature_of(self, column):
        best = None
        for name in self._output_rank:
            if (column == name or column.startswith(name + "_")) and (best is None or len(name) > len(best)):
                best = name
        return best

    def _columns(self, js, tensors, full=False):
        """The columns (or full) form from the JSON and the tensors returned beside it."""
        if not tensors:
            return js
        order = self._full_order if full else self._order
        entries = []
        for col, v in js.items():
            f = self._feature_of(col)
            key = col[len(f) + 1 :] if f is not None else col
            entries.append((order(f if f is not None else col, key, len(entries)), col, v))
        for name, v in tensors:
            f, key = _split(name)
            entries.append((order(f, key, len(entries)), _column(f, key), v))
        entries.sort(key=lambda e: e[0])
        return {col: v for _, col, v in entries}

    def _features(self, js, tensors):
        """The features form from the JSON and the tensors returned beside it."""
        if not tensors:
            return js
        for name, v in tensors:
            f, key = _split(name)
            js.setdefault(f, {})[key] = v
        out = {}
        for f in sorted(js, key=lambda f: self._order(f, "", 0)[0]):
            keys = js[f]
            out[f] = {k: keys[k] for k in sorted(keys, key=lambda k, f=f: self._order(f, k, 0)[1])}
        return out

    # --- Ludwig's API --------------------------------------------------------------

    def predict(self, dataset, return_type=_DEFAULT_RETURN, *, form="columns", timeout=None):
        """Predicts on a batch, as ``InferenceModule.predict``: returns ``(predictions, None)``.

        Args:
            dataset: a pandas DataFrame (converted like Ludwig's
                ``to_inference_module_input_from_dataframe``), a column dict
                ``{"Age": [31, 42], ...}`` (values lists or numpy arrays), a
                list of records ``[{"Age": 31, ...}, ...]`` or a "split" dict.
                Keys are the features' ``column`` (or ``name``).
            return_type: ``pd.DataFrame`` (the default when pandas is
                installed) or ``dict`` (a column dict; numeric columns are numpy
                arrays when numpy is installed, lists otherwise).
            form: ``"columns"`` (``"<feature>_<key>"``, as Ludwig's predict),
                ``"full"`` (adds LudwigModel.predict's ``<f>_probability`` and
                ``<f>_probabilities_<label>``, and ``<f>_response`` for text
                outputs) or ``"features"`` (nested per
                feature, as ``forward`` returns; flattened into columns for a
                DataFrame).
            timeout: a deadline in milliseconds (DeadlineExceededError when it passes).
        """
        want_frame = _want_frame(return_type)
        code = _form_code(form)
        if pd is not None and isinstance(dataset, pd.DataFrame):
            specs = feature_specs(self._schema) if self._inputs else []
            dataset = module_inputs(dataset, specs, parse_dates=False)
        request, batch = encode_table(dataset, self._inputs)
        js, tensors = self._infer(request, batch, _STAGE_ALL, code, timeout, np is not None)
        preds = self._features(js, tensors) if code == 0 else self._columns(js, tensors, full=code == 2)
        if want_frame:
            if code == 0:
                preds = {_column(f, k): v for f, keys in preds.items() for k, v in keys.items()}
            preds = pd.DataFrame.from_dict({k: v.tolist() if np is not None and isinstance(v, np.ndarray) else v for k, v in preds.items()})
        return preds, None

    def predict_json(self, request, *, form="columns", timeout=None):
        """Runs the three stages on a JSON request (str or bytes: a column dict,
        records or split JSON, as the C ABI takes it) and returns the
        response JSON as a str, untouched: the cheapest path for a service
        that forwards JSON."""
        code = _form_code(form)
        if isinstance(request, str):
            request = request.encode("utf-8", "surrogatepass")
        elif isinstance(request, (bytearray, memoryview)):
            request = bytes(request)
        elif not isinstance(request, bytes):
            raise InvalidArgumentError("request must be JSON as str or bytes, got %s" % type(request).__name__)
        js = self._infer(request, _EMPTY, _STAGE_ALL, code, timeout, False, raw=True)[0]
        return js.decode("utf-8")

    def forward(self, inputs, *, timeout=None):
        """Runs the three stages on a module-input dict (as ``to_inference_module_input_from_dataframe``
        builds it: lists of strings, tensors, lists of tensors, keyed by
        input feature name); returns ``{feature: {key: value}}``."""
        request, batch = encode_table(inputs, self._inputs)
        js, tensors = self._infer(request, batch, _STAGE_ALL, FORMS["features"], timeout, np is not None)
        return self._features(js, tensors)

    __call__ = forward

    def preprocessor_forward(self, inputs, *, timeout=None):
        """The preprocessor alone: module inputs -> ``{input feature: tensor}``."""
        request, batch = encode_table(inputs, self._inputs)
        js, tensors = self._infer(request, batch, _STAGE_PREPROCESS, FORMS["features"], timeout, np is not None)
        return dict(tensors) if tensors else js

    def predictor_forward(self, preproc_inputs, *, timeout=None):
        """The predictor alone: ``{input feature: tensor}`` -> ``{"<feature>::<key>": tensor}``."""
        request, batch = encode_tensors(preproc_inputs)
        js, tensors = self._infer(request, batch, _STAGE_PREDICT, FORMS["features"], timeout, np is not None)
        return dict(tensors) if tensors else js

    def postprocessor_forward(self, predictions_flattened, *, timeout=None):
        """The postprocessor alone: ``{"<feature>::<key>": tensor}`` -> ``{feature: {key: value}}``."""
        request, batch = encode_tensors(predictions_flattened)
        js, tensors = self._infer(request, batch, _STAGE_POSTPROCESS, FORMS["features"], timeout, np is not None)
        return self._features(js, tensors)

