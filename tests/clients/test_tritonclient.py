"""tritonclient (HTTP and gRPC) at its defaults against a live
`ludwig-infer serve`: binary inputs and outputs, gzip/deflate both ways,
gRPC typed and raw contents, async calls, metadata, config, statistics,
repository index and errors - outputs compared with the goldens."""
import queue

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from common import CASES, MODELS, Server, check_output, datatype, expected, inputs, run_readme_example


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def http(server):
    c = httpclient.InferenceServerClient(server.http, concurrency=4)
    yield c
    c.close()


@pytest.fixture(scope="module")
def grpc(server):
    c = grpcclient.InferenceServerClient(server.grpc)
    yield c
    c.close()


def make_inputs(module, model, case, binary=True):
    out = []
    for name, arr in inputs(model, case, raw_media=binary).items():
        i = module.InferInput(name, list(arr.shape), datatype(arr))
        if module is httpclient:
            i.set_data_from_numpy(arr, binary_data=binary)
        else:
            i.set_data_from_numpy(arr)
        out.append(i)
    return out


def check_result(result, model, case, names=None):
    want = expected(model, case)
    for name in names or want:
        check_output(name, result.as_numpy(name), want[name])


def test_http_health_and_metadata(http):
    assert http.is_server_live()
    assert http.is_server_ready()
    assert "binary_tensor_data" in http.get_server_metadata()["extensions"]
    for m in MODELS:
        assert http.is_model_ready(m)
    meta = http.get_model_metadata("tabular")
    assert meta["platform"] == "ludwig_torchscript"
    assert [(i["name"], i["datatype"]) for i in meta["inputs"]] == [("Age", "FP64"), ("city", "BYTES"), ("member", "BOOL"), ("cell", "INT64")]
    config = http.get_model_config("tabular")
    assert config["platform"] == meta["platform"]
    assert [o["data_type"] for o in config["output"]] == ["TYPE_STRING", "TYPE_FP32"]
    assert config["output"][1]["dims"] == [4]
    index = http.get_model_repository_index()
    assert sorted(m["name"] for m in index) == MODELS
    assert all(m["state"] == "READY" for m in index)


@pytest.mark.parametrize("model,case", CASES)
def test_http_infer_binary(http, model, case):
    # The defaults: binary inputs, no outputs named (binary_data_output).
    check_result(http.infer(model, make_inputs(httpclient, model, case)), model, case)


@pytest.mark.parametrize("model,case", CASES)
def test_http_infer_json_outputs_by_name(http, model, case):
    names = list(expected(model, case))
    outs = [httpclient.InferRequestedOutput(n, binary_data=False) for n in names]
    result = http.infer(model, make_inputs(httpclient, model, case, binary=False), outputs=outs)
    check_result(result, model, case, names)


@pytest.mark.parametrize("algorithm", ["gzip", "deflate"])
def test_http_compression(http, algorithm):
    model, case = "multi_output", "batch5"
    result = http.infer(model, make_inputs(httpclient, model, case),
                        request_compression_algorithm=algorithm, response_compression_algorithm=algorithm)
    check_result(result, model, case)


def test_http_async(http):
    pending = [(m, c, http.async_infer(m, make_inputs(httpclient, m, c))) for m, c in CASES]
    for m, c, p in pending:
        check_result(p.get_result(), m, c)


def test_http_errors(http):
    with pytest.raises(InferenceServerException, match=r'unknown output "nope"; the model\'s outputs are: plan_predictions, plan_probabilities'):
        http.infer("tabular", make_inputs(httpclient, "tabular", "batch1_ints"), outputs=[httpclient.InferRequestedOutput("nope")])
    bad = make_inputs(httpclient, "tabular", "batch1_ints")[:3]
    with pytest.raises(InferenceServerException, match="missing inputs: cell"):
        http.infer("tabular", bad)
    city = httpclient.InferInput("city", [1], "INT64")
    city.set_data_from_numpy(np.array([7], dtype=np.int64))
    ok = [i for i in make_inputs(httpclient, "tabular", "batch1_ints") if i.name() != "city"]
    assert http.infer("tabular", ok + [city]).as_numpy("plan_predictions").shape == (1,)  # category takes numbers
    cell = httpclient.InferInput("cell", [1], "BYTES")
    cell.set_data_from_numpy(np.array([b"x"], dtype=np.object_))
    ok = [i for i in make_inputs(httpclient, "tabular", "batch1_ints") if i.name() != "cell"]
    with pytest.raises(InferenceServerException, match=r'input "cell" \(h3 feature "cell"\): datatype BYTES is not accepted'):
        http.infer("tabular", ok + [cell])


def test_http_statistics(http):
    stats = http.get_inference_statistics("tabular")["model_stats"][0]
    assert stats["name"] == "tabular"
    assert stats["inference_stats"]["success"]["count"] > 0
    assert stats["inference_stats"]["fail"]["count"] > 0


def test_grpc_health_metadata_config(grpc):
    assert grpc.is_server_live()
    assert grpc.is_server_ready()
    for m in MODELS:
        assert grpc.is_model_ready(m)
    meta = grpc.get_model_metadata("tabular", as_json=True)
    assert meta["platform"] == "ludwig_torchscript"
    assert [i["datatype"] for i in meta["inputs"]] == ["FP64", "BYTES", "BOOL", "INT64"]
    config = grpc.get_model_config("tabular", as_json=True)["config"]
    assert config["max_batch_size"] == 1048576
    assert [i["data_type"] for i in config["input"]] == ["TYPE_FP64", "TYPE_STRING", "TYPE_BOOL", "TYPE_INT64"]
    assert sorted(m["name"] for m in grpc.get_model_repository_index(as_json=True)["models"]) == MODELS
    assert "model_configuration" in grpc.get_server_metadata(as_json=True)["extensions"]


@pytest.mark.parametrize("model,case", CASES)
def test_grpc_infer_raw(grpc, model, case):
    check_result(grpc.infer(model, make_inputs(grpcclient, model, case)), model, case)


@pytest.mark.parametrize("model,case", [("tabular", "batch2_unknown_city_floats"), ("set_bag_vector", "batch1")])
def test_grpc_infer_typed_contents(grpc, model, case):
    # A hand-built request with typed contents (no raw_input_contents).
    from tritonclient.grpc import service_pb2
    req = service_pb2.ModelInferRequest(model_name=model)
    field = {"BOOL": "bool_contents", "INT64": "int64_contents", "FP64": "fp64_contents", "BYTES": "bytes_contents"}
    for name, arr in inputs(model, case).items():
        t = req.inputs.add(name=name, datatype=datatype(arr), shape=list(arr.shape))
        getattr(t.contents, field[datatype(arr)]).extend(arr.tolist())
    resp = grpc._client_stub.ModelInfer(req)
    result = grpcclient.InferResult(resp)
    check_result(result, model, case)


def test_grpc_async_and_compression(grpc):
    done = queue.Queue()
    for m, c in CASES:
        grpc.async_infer(m, make_inputs(grpcclient, m, c), callback=lambda result, error, m=m, c=c: done.put((m, c, result, error)),
                         compression_algorithm="gzip")
    for _ in CASES:
        m, c, r, e = done.get(timeout=60)
        assert e is None, e
        check_result(r, m, c)


def test_grpc_errors_and_statistics(grpc):
    with pytest.raises(InferenceServerException, match='unknown output "nope"') as e:
        grpc.infer("tabular", make_inputs(grpcclient, "tabular", "batch1_ints"), outputs=[grpcclient.InferRequestedOutput("nope")])
    assert e.value.status() == "StatusCode.INVALID_ARGUMENT"
    with pytest.raises(InferenceServerException, match='unknown model "nope"'):
        grpc.get_model_metadata("nope")
    stats = grpc.get_inference_statistics("tabular", as_json=True)["model_stats"][0]
    assert int(stats["inference_stats"]["success"]["count"]) > 0
    assert int(stats["inference_count"]) > 0


@pytest.mark.parametrize("example", ["tritonclient-http", "tritonclient-grpc"])
def test_readme_example(server, example):
    # tabular's batch1_ints: predicted "plus", 4 probabilities.
    assert run_readme_example(example, server) == "plus (1, 4)\n"
