"""Every kg command, through kg.cli.main as a user would call it."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import networkx as nx
import pytest

from kg.cli import main
from kg.outputs.export import OUTPUT_NAMES

ARTICLE = """江川市水务局与蓝湾航运集团有限公司签订合作协议
本报记者 林晓舟
江川市水务局与蓝湾航运集团有限公司签订水环境保护合作协议。
江川市水务局东港分局现场指导蓝湾航运集团有限公司码头分公司开展水质检测。
东港分局推出“一河一策”工作法。
"""

GOLD = {
    "document": "test",
    "entity_types": ["ORG", "GPE", "PROGRAMME", "PERSON"],
    "relation_types": ["partners_with", "runs", "part_of", "located_in", "supervises", "works_for"],
    "entities": [
        {"name": "江川市水务局", "type": "ORG", "aliases": ["水务局"], "optional": False},
        {"name": "蓝湾航运集团有限公司", "type": "ORG", "aliases": [], "optional": False},
        {"name": "江川市水务局东港分局", "type": "ORG", "aliases": ["东港分局"], "optional": False},
        {
            "name": "“一河一策”工作法",
            "type": "PROGRAMME",
            "aliases": ["一河一策"],
            "optional": False,
        },
        {"name": "林晓舟", "type": "PERSON", "aliases": [], "optional": False},
    ],
    "relations": [
        {
            "head": "江川市水务局",
            "relation": "partners_with",
            "tail": "蓝湾航运集团有限公司",
            "optional": False,
        },
        {
            "head": "江川市水务局东港分局",
            "relation": "runs",
            "tail": "“一河一策”工作法",
            "optional": False,
        },
        {
            "head": "江川市水务局东港分局",
            "relation": "part_of",
            "tail": "江川市水务局",
            "optional": False,
        },
    ],
}

OUTPUTS = {
    "graph.graphml",
    "graph.json",
    "entities.csv",
    "relations.csv",
    "mentions.csv",
    "graph.html",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = root / "out"
    assert main(["build", str(corpus), "-o", str(out), "-q"]) == 0
    return root, out


def test_build_writes_every_output(built):
    _, out = built
    assert {p.name for p in out.iterdir()} >= OUTPUTS
    G = nx.read_graphml(out / "graph.graphml")
    names = {d["name"] for _, d in G.nodes(data=True)}
    assert {"江川市水务局", "江川市水务局东港分局", "蓝湾航运集团有限公司"} <= names
    for _, _, data in G.edges(data=True):
        assert {"relation", "evidence", "article", "confidence", "count"} <= data.keys()


def test_build_without_paths_builds_the_bundled_sample(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["build", "-q"]) == 0
    assert {p.name for p in (tmp_path / "output").iterdir()} >= OUTPUTS
    data = json.loads((tmp_path / "output" / "graph.json").read_text("utf-8"))
    assert len(data["nodes"]) >= 30 and len(data["edges"]) >= 20


def test_build_jsonl_and_csv_with_field_options(tmp_path):
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text(
        json.dumps({"body": ARTICLE, "key": "doc-1"}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("key,body\ndoc-2,江川市水务局推出“一河一策”工作法。\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [
        "build",
        str(jsonl),
        str(csv_file),
        "-o",
        str(out),
        "-q",
        "--text-field",
        "body",
        "--id-field",
        "key",
    ]
    assert main(args) == 0
    articles = set()
    for _, data in nx.read_graphml(out / "graph.graphml").nodes(data=True):
        articles.update(data["article_ids"].split("|"))
    assert {"doc-1", "doc-2"} <= articles


OTHER = "白石电气股份有限公司与临渚市商务局签订合作协议。\n"


def test_files_with_the_same_name_are_told_apart_by_their_folders(tmp_path):
    """a/x.txt and b/x.txt are two articles, named by their folders; a name only one
    file has stays as it is; the order of the paths and --workers change no byte."""
    files = []
    for folder, name, text in (
        ("a", "x.txt", ARTICLE),
        ("b", "x.txt", OTHER),
        ("c", "y.txt", OTHER),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(text, encoding="utf-8")
        files.append(str(tmp_path / folder / name))
    runs = {"given": files, "reversed": files[::-1]}
    for name, paths in runs.items():
        assert main(["build", *paths, "-o", str(tmp_path / name), "-q", "--workers", "1"]) == 0
    assert main(["build", *files, "-o", str(tmp_path / "pool"), "-q", "--workers", "2"]) == 0
    with open(tmp_path / "given" / "mentions.csv", encoding="utf-8", newline="") as fh:
        articles = {row["article"] for row in csv.DictReader(fh)}
    assert articles == {"a/x.txt", "b/x.txt", "y.txt"}
    G = nx.read_graphml(tmp_path / "given" / "graph.graphml")
    assert G.nodes["ORG:临渚市商务局"]["article_ids"] == "b/x.txt|y.txt"
    assert G.nodes["ORG:江川市水务局"]["article_ids"] == "a/x.txt"
    for other in ("reversed", "pool"):
        for output in OUTPUTS:
            given = (tmp_path / "given" / output).read_bytes()
            assert (tmp_path / other / output).read_bytes() == given, (other, output)


def _viewer_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def test_build_max_nodes_cuts_the_viewer_and_says_so(built, tmp_path):
    root, _ = built
    out = tmp_path / "out"
    assert main(["build", str(root / "corpus"), "-o", str(out), "-q", "--max-nodes", "3"]) == 0
    page = (out / "graph.html").read_text("utf-8")
    data = _viewer_data(page)
    G = nx.read_graphml(out / "graph.graphml")  # the other outputs keep every node
    assert G.number_of_nodes() > 3
    assert len(data["nodes"]) == data["shown_nodes"] == 3
    assert data["truncated"] is True and data["total_nodes"] == G.number_of_nodes()
    shown = {n["id"] for n in data["nodes"]}
    hidden = set(G) - shown
    assert min(G.degree(n) for n in shown) >= max(G.degree(n) for n in hidden)
    notice = re.search(r'<div id="kg-notice"([^>]*)>(.*?)</div>', page)
    assert "hidden" not in notice.group(1)
    assert f"showing 3 of {G.number_of_nodes()} nodes" in notice.group(2)
    assert "max_nodes" not in (out / "graph.json").read_text("utf-8")  # a viewer setting


def test_build_shows_every_node_by_default(built):
    _, out = built
    data = _viewer_data((out / "graph.html").read_text("utf-8"))
    assert data["truncated"] is False and len(data["nodes"]) == data["total_nodes"] > 3


def test_progress_bar_of_files_has_a_total(built, tmp_path, monkeypatch):
    """Given files, the bar counts their bytes against the total, so tqdm shows an ETA."""
    import tqdm

    bars = []

    class Recording(tqdm.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(tqdm, "tqdm", Recording)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (corpus / "b.txt").write_text(OTHER, encoding="utf-8")
    size = sum(p.stat().st_size for p in corpus.iterdir())
    assert main(["build", str(corpus), "-o", str(tmp_path / "out"), "--workers", "1"]) == 0
    assert [(bar.total, bar.n, bar.unit) for bar in bars] == [(size, size, "B")]
    bars.clear()
    import kg

    kg.build_graph(["江川市水务局发布通知。"], progress=True)  # raw text: no size ahead
    assert [(bar.total, bar.unit) for bar in bars] == [(None, " articles")]


def test_version(capsys):
    import kg

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"kg {kg.__version__}\n"


def test_export_help_says_csv_and_neo4j_write_a_folder(capsys):
    assert main(["export", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "csv and neo4j write a folder" in text and "nodes.csv" in text


def test_eval_prints_scores_and_show_lists_errors(built, tmp_path, capsys):
    _, out = built
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps(GOLD, ensure_ascii=False), encoding="utf-8")
    assert main(["eval", str(gold), "--graph", str(out / "graph.graphml")]) == 0
    report = capsys.readouterr().out
    assert "entities" in report and "relations (pair)" in report
    assert main(["eval", str(gold), "--graph", str(out / "graph.json"), "--show"]) == 0
    assert "false positives" in capsys.readouterr().out


def test_entities_prints_offsets_type_and_canonical(built, capsys):
    root, _ = built
    assert main(["entities", str(root / "corpus" / "a.txt"), "--jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    text = ARTICLE
    short = [r for r in rows if r["text"] == "东港分局"]
    assert short and short[0]["canonical"] == "江川市水务局东港分局"
    for row in rows:
        assert text[row["start"] : row["end"]] == row["text"]
        assert row["type"] in {"ORG", "GPE", "PROGRAMME", "PERSON"}
    assert main(["entities", str(root / "corpus" / "a.txt")]) == 0
    first = capsys.readouterr().out.splitlines()[0].split("\t")
    assert len(first) == 6


def test_entities_with_ner_labels(built, capsys):
    root, _ = built
    assert main(["entities", str(root / "corpus" / "a.txt"), "--jsonl", "--ner-labels"]) == 0
    labels = {json.loads(line)["type"] for line in capsys.readouterr().out.splitlines()}
    assert labels and labels <= {"PER", "LOC", "ORG"} and "ORG" in labels


def test_ner_labels_keep_what_the_tagger_finds_and_places_that_make_no_node(tmp_path, capsys):
    text = "游客来到鄱阳湖观赏候鸟，新华社记者在现场采访。国务院常务会议后，外交部发言人答问。\n"
    source = tmp_path / "lake.txt"
    source.write_text(text, encoding="utf-8")
    assert main(["entities", str(source), "--ner-labels"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    found = {(row[3], row[4]) for row in rows}
    assert {("LOC", "鄱阳湖"), ("ORG", "新华社"), ("ORG", "外交部")} <= found
    assert main(["build", str(source), "-o", str(tmp_path / "out"), "-q"]) == 0
    G = nx.read_graphml(tmp_path / "out" / "graph.graphml")
    names = {data["name"] for _, data in G.nodes(data=True)}
    assert "新华社" in names and "鄱阳湖" not in names  # a lake is a mention, not a node


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "csv", "neo4j"])
def test_export_every_format(built, tmp_path, fmt, capsys):
    _, out = built
    target = tmp_path / f"export.{fmt}"
    assert main(["export", str(out / "graph.graphml"), "--format", fmt, "-o", str(target)]) == 0
    assert target.exists()
    if fmt == "gexf":
        assert nx.read_gexf(target).number_of_nodes() > 0
    if fmt == "neo4j":
        header = (target / "nodes.csv").read_text("utf-8").splitlines()[0]
        assert header.startswith("id:ID") and ":LABEL" in header


def test_stats_prints_counts_and_top_nodes(built, capsys):
    _, out = built
    assert main(["stats", str(out / "graph.graphml")]) == 0
    printed = capsys.readouterr().out
    assert "ORG" in printed and "part_of" in printed and "江川市水务局" in printed


def test_usage_error_exits_2(capsys):
    assert main(["build", "--workers", "0"]) == 2
    assert main(["frobnicate"]) == 2
    assert "error" in capsys.readouterr().err


# --------------------------------------------------------------------------- --workers auto


def _folder_of(tmp_path, n_files: int, copies: int):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(n_files):
        (folder / f"{i:02d}.txt").write_text(ARTICLE * copies, "utf-8")
    return folder


def test_auto_workers_builds_a_small_input_in_one_process(tmp_path):
    from kg.build import auto_workers

    assert auto_workers([_folder_of(tmp_path, 3, 1)]) == 1
    assert auto_workers(["江川市水务局与蓝湾航运集团有限公司签订合作协议。"]) == 1


def test_auto_workers_uses_every_core_on_a_large_corpus(tmp_path):
    import os

    from kg.build import BYTES_PER_WORKER, auto_workers

    per_file = len((ARTICLE * 1).encode("utf-8"))
    copies = BYTES_PER_WORKER // per_file + 1  # each file alone is worth a worker
    folder = _folder_of(tmp_path, 3, copies)
    cores = len(os.sched_getaffinity(0))
    assert auto_workers([folder]) == min(cores, 3)


def test_workers_auto_gives_the_graph_of_one_process(tmp_path, capsys):
    folder = _folder_of(tmp_path, 4, 1)
    assert main(["build", str(folder), "-o", str(tmp_path / "one"), "-q", "--workers", "1"]) == 0
    assert main(["build", str(folder), "-o", str(tmp_path / "auto"), "-q"]) == 0
    assert main(["build", str(folder), "-o", str(tmp_path / "two"), "-q", "--workers", "2"]) == 0
    for name in ("graph.graphml", "graph.json", "relations.csv", "mentions.csv"):
        one = (tmp_path / "one" / name).read_bytes()
        assert one == (tmp_path / "auto" / name).read_bytes()
        assert one == (tmp_path / "two" / name).read_bytes()


@pytest.mark.parametrize("value", ["0", "-1", "two", "auto2"])
def test_workers_must_be_a_count_or_auto(value, capsys):
    assert main(["build", "--workers", value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--workers" in err


def test_auto_workers_takes_long_raw_text_for_text():
    import kg

    text = "江川市水务局与蓝湾航运集团有限公司签订合作协议。" * 12  # too long for a file name
    G = kg.build_graph([text], workers="auto")
    assert "ORG:江川市水务局" in G


def test_the_kg_process_flushes_its_output_and_exits_with_the_status(built, tmp_path, capsys):
    """``python -m kg.cli`` (and the ``kg`` script) leave without the interpreter's
    teardown: what they print must still arrive whole, and the status must be main's."""
    root, _ = built
    article = root / "corpus" / "a.txt"
    assert main(["entities", str(article), "--jsonl"]) == 0
    expected = capsys.readouterr().out
    proc = subprocess.run(
        [sys.executable, "-m", "kg.cli", "entities", str(article), "--jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected and expected.count("\n") > 5
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "kg.cli", "build", str(article), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("kg: ") and "entities" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUT_NAMES, "kg.sqlite"])
    assert not [p for p in tmp_path.rglob(".kg-*")]  # no temporary file left behind


def test_build_date_field_and_stats_by_month(tmp_path, capsys):
    deal = "青禾市水务局与澄江航运有限公司签订合作协议。"
    rows = [
        {"id": "a", "text": deal, "day": "2024年3月5日"},
        {"id": "b", "text": "青禾市商务局与岚山科技股份有限公司签约。", "day": "2024-05-02 09:00"},
        {"id": "c", "text": "青禾市教育局与青禾职业技术学院签订合作办学协议。", "day": "soon"},
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    out = tmp_path / "out"
    assert main(["build", str(corpus), "-o", str(out), "-q", "--date-field", "day"]) == 0
    capsys.readouterr()
    assert main(["stats", str(out), "--by", "month"]) == 0
    table = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert table[0] == ["month", "edges", "new", "nodes"]
    assert table[2:] == [["2024-03", "1", "2"], ["2024-05", "1", "2"], ["undated", "1", "2"]]
    assert 'id="kg-date-from"' in (out / "graph.html").read_text("utf-8")
