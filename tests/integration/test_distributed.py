"""A local Dask cluster plugs in as an executor and changes no result."""


import pytest
from paths import REPO_ROOT

import councilsim as cs

distributed = pytest.importorskip("distributed")

FLAGSHIP = REPO_ROOT / "scenarios" / "dprk-2017-09.toml"


@pytest.fixture(scope="module")
def dask_executor():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        yield client.get_executor()
    finally:
        client.close()
        cluster.close()


@pytest.mark.slow
def test_monte_carlo_on_a_dask_cluster_equals_in_process(dask_executor):
    scenario = cs.load_scenario(FLAGSHIP)
    options = dict(method="monte_carlo", draws=200_000, seed=11, chunk_draws=20_000)
    local = cs.simulate(scenario, "res-2375", **options)
    remote = cs.simulate(scenario, "res-2375", executor=dask_executor, **options)
    assert remote == local


@pytest.mark.slow
def test_a_sweep_on_a_dask_cluster_equals_in_process(dask_executor):
    scenario = cs.load_scenario(FLAGSHIP)
    caps = [0, 1_000_000, 2_000_000, 3_000_000, 4_500_000]
    for options in (dict(method="exact"), dict(method="monte_carlo", draws=20_000, seed=5)):
        local = cs.sweep(scenario, "res-2375", "oil_refined", caps, **options)
        remote = cs.sweep(scenario, "res-2375", "oil_refined", caps, executor=dask_executor,
                          **options)
        assert remote.to_dict() == local.to_dict()
