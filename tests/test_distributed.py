"""The dask engine: same graph as the local engine, byte for byte, on a small corpus."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

import kg
import kg.engines.cluster
from kg.cli import main
from kg.engines.cluster import MISSING_DASK, ArticlesTask, FileTask, extract_with_dask, partitions
from kg.engines.local import extract
from kg.errors import InputError, KgError
from kg.io.ingest import read_inputs
from kg.io.records import Article
from kg.outputs.export import write
from kg.outputs.jsonfile import _json_bytes

# Invented articles: the names are ours, not any real body's.
ARTICLES = {
    "jiangchuan.txt": """江川市水务局与蓝湾航运集团有限公司签订合作协议
本报记者 林晓舟
江川市水务局与蓝湾航运集团有限公司签订合作协议，双方将在河道治理和水质监测领域开展合作。
蓝湾航运集团有限公司物流分公司总经理周明远介绍，企业将配合做好港区水质监测工作。
江川市水务局东港分局现场指导澄川环保科技有限公司完成在线监控设备改造。
""",
    "district/donggang.txt": """东港区推行“一河一策”治理
本报讯 记者苏青报道 江川市东港区创新河道管理方式，推行“一河一策”治理。
东港分局与青岚新材料有限公司、江川热电厂就污染防治签订承诺书。
东港区行政审批局率先推出“一窗通办”服务。
""",
    "district/zone/park.md": """江川经济开发区管委会发布八条措施
本报讯 记者韩柏报道 江川经济开发区管委会发布八条措施，支持企业扩大投资。
开发区还与翠屿物流有限公司签署战略合作协议。
""",
}
JSONL = [
    {
        "id": "wire-1",
        "text": "蓝湾航运集团有限公司董事长岑溪出席签约仪式，与江川市水务局达成共识。",
    },
    {"text": "澄川环保科技有限公司与江川市东港区签署污水处理合作协议。"},
]


def write_corpus(root: Path) -> Path:
    for name, text in ARTICLES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    lines = [json.dumps(record, ensure_ascii=False) for record in JSONL]
    (root / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "district" / "blank.txt").write_text("", encoding="utf-8")  # skipped, warned
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def local_outputs(corpus, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("local")
    write(kg.build_graph([corpus]), out)
    return read_outputs(out)


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes on 127.0.0.1, no dashboard, shared by the tests below."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # no dashboard; the scheduler's HTTP routes on a free local port, not 8787
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield cluster, client


def read_outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def without_text(results):
    return [kg.engines.cluster._without_text(result) for result in results]


@pytest.mark.slow
def test_dask_graph_equals_local_graph_byte_for_byte(corpus, local_outputs, tmp_path):
    pytest.importorskip("distributed")
    G = kg.build_graph([corpus], engine="dask", workers=2)
    assert G.number_of_nodes() > 10 and G.number_of_edges() > 5
    write(G, tmp_path)
    outputs = read_outputs(tmp_path)
    assert {"graph.json", "graph.graphml", "entities.csv", "relations.csv"} <= set(outputs)
    assert outputs == local_outputs


@pytest.mark.slow
def test_cli_build_with_the_dask_engine(corpus, tmp_path, capsys):
    pytest.importorskip("distributed")
    out, local = tmp_path / "out", tmp_path / "local"
    argv = ["build", str(corpus), "--engine", "dask", "--workers", "2", "-o", str(out)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert main(["build", str(corpus), "-o", str(local), "-q", "--no-store"]) == 0
    assert read_outputs(out) == read_outputs(local)  # the dask engine keeps no store
    assert f"kg: skipped {corpus / 'district' / 'blank.txt'}: empty file" in err
    assert "entities" in err and "relations" in err


@pytest.mark.slow
def test_results_come_back_in_input_order_without_text(corpus, cluster):
    _, client = cluster
    inputs = [
        "本报讯 江川市东港区与翠屿物流有限公司签订合作协议。",
        corpus / "district",
        Article("given", "青岚新材料有限公司与江川市水务局合作。"),
        corpus,
    ]
    expected = without_text(extract(read_inputs(inputs)))
    results = list(
        extract_with_dask(inputs, scheduler=cluster[0].scheduler_address, partition_bytes=1)
    )
    assert [r.article.id for r in results] == [r.article.id for r in expected]
    assert results == expected
    assert all(r.article.text == "" for r in results)
    # Paths only went to the workers; every worker built its pipeline once, however
    # many partitions it ran.
    built = client.run(lambda: kg.engines.cluster.pipelines_built)
    assert len(built) == 2 and set(built.values()) <= {0, 1} and sum(built.values()) >= 1


@pytest.mark.slow
def test_cooccurrence_config_reaches_the_workers(corpus, cluster):
    address = cluster[0].scheduler_address
    local = kg.build_graph([corpus], cooccurrence=True)
    dask = kg.build_graph([corpus], cooccurrence=True, engine="dask", scheduler=address)
    assert _json_bytes(dask) == _json_bytes(local)
    assert any(k == "co_occurs" for _, _, k in dask.edges(keys=True))


@pytest.mark.slow
def test_bad_input_on_a_worker_raises_input_error_naming_the_file(tmp_path, cluster):
    (tmp_path / "a.jsonl").write_text('{"text": "江川市水务局"}\n{broken\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"^" + str(tmp_path / "a.jsonl") + ":2: malformed JSON"):
        list(extract_with_dask([tmp_path], scheduler=cluster[0].scheduler_address))
    assert (
        main(
            [
                "build",
                str(tmp_path),
                "--engine",
                "dask",
                "-o",
                str(tmp_path / "o"),
                "--scheduler",
                cluster[0].scheduler_address,
                "-q",
            ]
        )
        == 2
    )


def test_missing_path_fails_before_any_cluster_starts(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")

    def no_cluster(*args, **kwargs):
        raise AssertionError("a cluster was started")

    monkeypatch.setattr(distributed, "LocalCluster", no_cluster)
    monkeypatch.setattr(distributed, "Client", no_cluster)
    missing = tmp_path / "nowhere"
    with pytest.raises(InputError, match="no such file or folder"):
        extract_with_dask([missing], workers=2)
    with pytest.raises(InputError, match="no such file or folder"):
        kg.build_graph([tmp_path / "a.txt", missing], engine="dask", workers=2)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no .txt, .md, .jsonl or .csv files"):
        extract_with_dask([tmp_path / "empty"])
    assert main(["build", str(missing), "--engine", "dask", "-o", str(tmp_path / "o")]) == 2
    assert list(extract_with_dask([])) == []


def test_without_dask_the_engine_asks_for_the_extra(corpus, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(InputError) as error:
        extract_with_dask([corpus])
    assert str(error.value) == MISSING_DASK
    assert main(["build", str(corpus), "--engine", "dask", "-o", "unused", "-q"]) == 2
    assert "pip install 'kg[dask]'" in capsys.readouterr().err


def test_partitions_are_contiguous_and_about_even():
    tasks = [FileTask(f"/c/{i}.txt", "/c", True, size) for i, size in enumerate([5, 1, 1, 3, 8, 2])]
    groups = partitions(tasks, slots=1, partition_bytes=6)
    assert [t for g in groups for t in g] == tasks
    assert [[t.size for t in g] for g in groups] == [[5, 1], [1, 3, 8], [2]]
    # Default: a quarter of each thread's share, from 16 KiB to 1 MiB.
    assert len(partitions(tasks, slots=2)) == 1
    mid = [FileTask(f"/c/{i}.txt", "/c", True, 64 << 10) for i in range(16)]
    assert len(partitions(mid, slots=2)) == 8
    big = [FileTask(f"/c/{i}.txt", "/c", True, 1 << 20) for i in range(16)]
    assert len(partitions(big, slots=2)) == 16  # at most 1 MiB a partition
    inline = ArticlesTask((Article("a", "江川" * 10),))
    assert inline.size == 60


def test_an_unreachable_scheduler_is_a_clear_error(corpus):
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(KgError, match="cannot connect to the dask scheduler at tcp://127.0.0.1:9"),
    ):
        list(extract_with_dask([corpus], scheduler="tcp://127.0.0.1:9"))
