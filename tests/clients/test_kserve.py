"""kserve's clients (REST v1 - its default -, REST v2, gRPC) against a live
`ludwig-infer serve`, compared with the goldens. Separate from the
tritonclient suite: both register the protocol's proto names."""
import asyncio

import numpy as np
import pytest
from kserve import InferenceGRPCClient, InferenceRESTClient, InferInput, InferRequest, RESTConfig

from common import CASES, MODELS, Server, check_full_record, check_output, datatype, expected, golden, inputs, run_readme_example


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


def run(coro):
    return asyncio.run(coro)


def v2_request(model, case):
    ins = []
    for name, arr in inputs(model, case).items():
        i = InferInput(name, list(arr.shape), datatype(arr))
        i.set_data_from_numpy(arr)  # binary_data=True, the default
        ins.append(i)
    return InferRequest(model_name=model, infer_inputs=ins)


def check_response(resp, model, case):
    want = expected(model, case)
    got = {o.name: o for o in resp.outputs}
    assert sorted(got) == sorted(want)
    for name, w in want.items():
        check_output(name, got[name].as_numpy(), w)


def test_rest_v1(server):
    base = "http://" + server.http

    async def go():
        client = InferenceRESTClient(RESTConfig())  # protocol v1, the default
        try:
            assert await client.is_server_live(base)
            for m in MODELS:
                assert await client.is_model_ready(base, m)
            for model, case in CASES:
                cols = golden(model, case)["request"]
                n = len(next(iter(cols.values())))
                instances = [{k: v[r] for k, v in cols.items()} for r in range(n)]
                out = await client.infer(base, {"instances": instances}, model_name=model)
                assert len(out["predictions"]) == n
                for r, rec in enumerate(out["predictions"]):
                    check_full_record(model, case, r, rec)
        finally:
            await client.close()
    run(go())


def test_rest_v2(server):
    base = "http://" + server.http

    async def go():
        client = InferenceRESTClient(RESTConfig(protocol="v2"))
        try:
            assert await client.is_server_live(base)
            assert await client.is_server_ready(base)
            for model, case in CASES:
                assert await client.is_model_ready(base, model)
                check_response(await client.infer(base, v2_request(model, case), model_name=model), model, case)
        finally:
            await client.close()
    run(go())


def test_grpc(server):
    async def go():
        client = InferenceGRPCClient(server.grpc)
        try:
            assert await client.is_server_live()
            assert await client.is_server_ready()
            results = await asyncio.gather(*(client.infer(v2_request(m, c)) for m, c in CASES))
            for (m, c), resp in zip(CASES, results):
                assert await client.is_model_ready(m)
                check_response(resp, m, c)
        finally:
            await client.close()
    run(go())


def test_rest_v1_error(server):
    base = "http://" + server.http

    async def go():
        client = InferenceRESTClient(RESTConfig())
        try:
            with pytest.raises(Exception, match="missing inputs: cell, city, member"):
                await client.infer(base, {"instances": [{"Age": 3}]}, model_name="tabular")
        finally:
            await client.close()
    run(go())


def test_readme_example(server):
    assert run_readme_example("kserve-v1", server) == "plus 1\n"
