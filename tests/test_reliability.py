"""Reliability of the whole pipeline: any input ends in a graph or an InputError, the
same input gives the same bytes, an interrupted build loses nothing, long documents and
worker pools stay within bounds.

The corpora are generated here from invented sentences.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg
from kg.cli import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, main
from kg.engines.local import extract
from kg.errors import InputError
from kg.io.ingest import clean_text, read_inputs
from kg.io.records import Article

DATA = Path(__file__).parent / "data" / "ingest"
ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = (
    "graph.graphml",
    "graph.json",
    "entities.csv",
    "relations.csv",
    "mentions.csv",
    "graph.html",
)
SENTENCE = "江川市水务局与蓝湾航运集团有限公司签订合作协议。"

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- corpus


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_PLACES = _words("江川 蓝湾 青禾 白石 云溪 松岭 临渚 苇塘 鹿鸣 清潭 枫桥 澄湖")
_FIRMS = _words("航运 港务 电气 物流 农业 水产 数据 建材 新能源 医药")
_KINDS = ("集团有限公司", "股份有限公司", "有限公司")
_BUREAUS = _words("水务局 商务局 生态环境局 交通运输局 农业农村局")
_CITIES = _words("杭州市 南京市 苏州市 宁波市 合肥市")
_PROGRAMMES = _words("一河一策 一岗双责 五水共治 双百行动")
_PEOPLE = _words("王建国 李晓舟 张海燕 刘志明 陈丽华 林若水")
_FILLER = (
    "会议强调，要进一步提高认识，压实责任，确保各项工作落到实处。",
    "下一步，将继续加大工作力度，推动各项措施见到实效。",
    "与会人员围绕重点任务进行了深入交流，提出了意见建议。",
)


def sentence(rng: random.Random) -> str:
    company = f"{rng.choice(_PLACES)}{rng.choice(_FIRMS)}{rng.choice(_KINDS)}"
    short = company[:4]
    city = rng.choice(_CITIES)
    bureau = f"{city}{rng.choice(_BUREAUS)}"
    n = rng.randrange(2, 99)
    return rng.choice(
        [
            f"{bureau}与{company}签订合作协议，双方将在第{n}个项目上开展合作。",
            f"{bureau}在全市开展“{rng.choice(_PROGRAMMES)}”试点工作，已覆盖{n}个村镇。",
            f"{bureau}局长{rng.choice(_PEOPLE)}到{company}调研，现场指导安全生产工作。",
            f"{company}位于{city}，今年{short}营业收入增长{n}%。",
            f"{bureau}督查{company}落实环保整改情况，发现问题{n}项。",
            rng.choice(_FILLER),
        ]
    )


def article_text(index: int, rng: random.Random, sentences: int = 6) -> str:
    head = f"{rng.choice(_CITIES)}推进第{index}批重点项目"
    body = "".join(sentence(rng) for _ in range(sentences))
    return f"{head}\n本报记者 {rng.choice(_PEOPLE)}\n本报讯 {body}\n"


def long_text(nbytes: int, seed: int = 0) -> str:
    """One article of about ``nbytes`` UTF-8 bytes in paragraphs of varied sentences."""
    rng = random.Random(seed)
    parts, size = [], 0
    while size < nbytes:
        paragraph = "".join(sentence(rng) for _ in range(6)) + f"这是第{len(parts) + 1}段。\n"
        parts.append(paragraph)
        size += len(paragraph.encode("utf-8"))
    return "".join(parts)


def write_corpus(folder: Path, n: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    files = []
    for i in range(n):
        path = folder / f"part{i % 3}" / f"a{i:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article_text(i, rng), "utf-8")
        files.append(path)
    return files


def outputs(folder: Path) -> dict[str, str]:
    # Digests, not bytes: a failing comparison shows a short diff, not megabytes of HTML.
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in OUTPUTS}


def everything(folder: Path) -> dict[str, str | None]:
    """Every entry under ``folder``, hidden ones included (folders as None)."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
        )
        for p in sorted(folder.rglob("*"))
    }


def graph_or_input_error(inputs, **options):
    try:
        return kg.build_graph(inputs, **options)
    except InputError as error:
        assert "\n" not in str(error)
        return None


def check_graph(G, tmp: Path) -> None:
    """The graph can be turned into tables and files."""
    if G is None:
        return
    frames = kg.to_frames(G)
    assert len(frames.entities) == G.number_of_nodes()
    kg.export(G, tmp / "g.graphml", "graphml")
    kg.export(G, tmp / "g.json", "json")
    kg.export(G, tmp / "csv", "csv")


# --------------------------------------------------------------------------- properties

_PIECES = [
    SENTENCE,
    "杭州市生态环境局在全市开展“一河一策”试点。",
    "<script>alert('江川市水务局')</script>",
    '<p class="lead">蓝湾航运集团有限公司</p>',
    "&nbsp;&lt;b&gt;",
    "😀",
    "👨\u200d👩\u200d👧",
    "🇨🇳",
    "\ud800",
    "\udfff",
    "\r\n",
    "\r",
    "\u3000",
    "\x00",
    "\x1b[31m",
    "\ufeff",
    "ＡＢＣ１２３",
    "“",
    "”",
    "《",
    "本报记者 林晓舟",
    "\n",
    "。",
    "",
]

_texts = st.lists(st.sampled_from(_PIECES) | st.text(max_size=12), max_size=12).map("".join)


@FAST
@given(st.text(max_size=400))
def test_any_unicode_article_builds(tmp_path_factory, text):
    G = kg.build_graph([Article(id="h", text=text)])
    check_graph(G, tmp_path_factory.mktemp("any"))


@FAST
@given(_texts)
def test_any_raw_text_builds_or_is_an_input_error(tmp_path_factory, text):
    G = graph_or_input_error([text + SENTENCE])
    check_graph(G, tmp_path_factory.mktemp("raw"))


@FAST
@given(_texts, st.sampled_from(["utf-8", "utf-16", "gb18030", "utf-8-sig"]))
def test_any_text_file_builds_or_is_an_input_error(tmp_path_factory, text, encoding):
    path = tmp_path_factory.mktemp("file") / "a.txt"
    path.write_bytes(text.encode(encoding, errors="replace"))
    check_graph(graph_or_input_error([path]), path.parent)


@FAST
@given(st.binary(max_size=800), st.sampled_from([".txt", ".jsonl", ".csv"]))
def test_any_bytes_build_or_are_an_input_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"a{suffix}"
    path.write_bytes(data)
    check_graph(graph_or_input_error([path]), path.parent)


@FAST
@given(st.lists(st.dictionaries(st.sampled_from(["id", "text", "title"]), _texts), max_size=4))
def test_any_jsonl_builds_or_is_an_input_error(tmp_path_factory, records):
    # json.dumps writes lone surrogates as "\ud800" escapes
    path = tmp_path_factory.mktemp("jsonl") / "c.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    check_graph(graph_or_input_error([path]), path.parent)


@FAST
@given(
    st.lists(st.sampled_from(["id", "text", "title", "x"]), min_size=1, max_size=4),
    st.lists(st.lists(_texts, max_size=5), max_size=4),
)
def test_any_csv_builds_or_is_an_input_error(tmp_path_factory, header, rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])  # ragged rows, missing columns
    path = tmp_path_factory.mktemp("csv") / "c.csv"
    path.write_text(buffer.getvalue(), "utf-8", errors="replace")
    check_graph(graph_or_input_error([path]), path.parent)


@FEW
@given(st.sampled_from(["江", "蓝湾航运", "ab", "江川市水务局与", "１２"]), st.booleans())
def test_megabyte_line_without_punctuation_is_read(tmp_path_factory, unit, jsonl):
    line = unit * (1_000_000 // len(unit.encode("utf-8")))
    folder = tmp_path_factory.mktemp("mb")
    if jsonl:
        path = folder / "line.jsonl"
        path.write_text(json.dumps({"id": "mb", "text": line}, ensure_ascii=False), "utf-8")
    else:
        path = folder / "line.txt"
        path.write_text(line, "utf-8")
    (article,) = read_inputs([path])
    assert article.text == clean_text(line)
    assert len(article.text) == len(line)


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["江川市水务局与蓝湾航运集团有限公司签订合作协议", "云溪", "ab1"])
def test_long_line_without_punctuation_builds(unit):
    line = unit * (20_000 // len(unit.encode("utf-8")))
    G = kg.build_graph([Article(id="line", text=line)])
    if unit.startswith("江川"):
        assert {"ORG:江川市水务局", "ORG:蓝湾航运集团有限公司"} <= set(G)


# --------------------------------------------------------------------------- determinism


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("corpus")
    files = write_corpus(folder, 24)
    long = folder / "long.txt"
    long.write_text(long_text(25_000, seed=3), "utf-8")
    extra = [
        DATA / "records.jsonl",
        DATA / "ragged.csv",
        DATA / "gbk.txt",
        DATA / "short-forms.txt",
    ]
    return [*files, long, *extra]


def test_same_input_same_bytes(tmp_path, corpus):
    assert main(["build", *map(str, corpus), "-o", str(tmp_path / "a"), "-q"]) == EXIT_OK
    assert main(["build", *map(str, corpus), "-o", str(tmp_path / "b"), "-q"]) == EXIT_OK
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")


def test_input_order_does_not_matter(tmp_path, corpus):
    shuffled = corpus[:]
    random.Random(7).shuffle(shuffled)
    runs = {"given": corpus, "reversed": corpus[::-1], "shuffled": shuffled}
    for name, files in runs.items():
        assert main(["build", *map(str, files), "-o", str(tmp_path / name), "-q"]) == EXIT_OK
    first = outputs(tmp_path / "given")
    for name in runs:
        assert outputs(tmp_path / name) == first, name


def test_api_graph_does_not_depend_on_order(corpus):
    a = kg.to_frames(kg.build_graph(corpus))
    b = kg.to_frames(kg.build_graph(corpus[::-1]))
    for x, y in zip(a, b, strict=True):
        assert x.equals(y)


def _kg(*args: str, seed: str = "0") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_entity_spans_do_not_depend_on_string_hashing():
    """Two overlapping short forms of equal length: the choice must not follow set order."""
    runs = [_kg("entities", str(DATA / "short-forms.txt"), seed=seed) for seed in ("1", "3")]
    assert all(run.returncode == EXIT_OK for run in runs), runs[0].stderr
    assert runs[0].stdout == runs[1].stdout


@pytest.mark.slow
def test_workers_and_hash_seeds_do_not_matter(tmp_path, corpus):
    """--workers 1 and 2, in processes with different string hashes, any file order."""
    shuffled = corpus[:]
    random.Random(11).shuffle(shuffled)
    runs = [("seed1-w1", "1", "1", corpus), ("seed3-w2", "3", "2", shuffled)]
    for name, seed, workers, files in runs:
        out = str(tmp_path / name)
        proc = _kg("build", *map(str, files), "-o", out, "-q", "--workers", workers, seed=seed)
        assert proc.returncode == EXIT_OK, proc.stderr
    assert outputs(tmp_path / "seed1-w1") == outputs(tmp_path / "seed3-w2")
    assert main(["build", *map(str, corpus), "-o", str(tmp_path / "here"), "-q"]) == EXIT_OK
    assert outputs(tmp_path / "here") == outputs(tmp_path / "seed1-w1")


def test_files_with_the_same_name_are_different_articles(tmp_path):
    for folder, text in (
        ("a", SENTENCE),
        ("b", "青禾数据有限公司与杭州市商务局签署战略合作协议。"),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(text, "utf-8")
    found = list(read_inputs([tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"]))
    assert len({a.id for a in found}) == 2


# --------------------------------------------------------------------------- streaming


@pytest.mark.slow
def test_worker_pool_reads_the_corpus_as_it_goes():
    pulled = 0

    def articles():
        nonlocal pulled
        for i in range(600):
            pulled += 1
            yield Article(id=f"a{i}", text=SENTENCE)

    results = extract(articles(), workers=2)
    try:
        first = next(results)
        assert first.article.id == "a0"
        time.sleep(0.5)
        assert pulled <= 200, f"{pulled} articles read ahead of the workers"
        ids = [first.article.id, *(r.article.id for r in results)]
    finally:
        results.close()
    assert ids == [f"a{i}" for i in range(600)]


# --------------------------------------------------------------------------- interruption


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    write_corpus(folder, 400, seed=5)
    return folder


def _interrupt(big_corpus: Path, out: Path, sig: int, workers: int, group: bool) -> tuple:
    """Start a build, wait until it is processing articles, signal it; (status, stderr)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "build", str(big_corpus), "-o", str(out),
         "--workers", str(workers)],
        stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    err = bytearray()
    started = threading.Event()

    def read() -> None:
        while chunk := proc.stderr.read1(4096):
            err.extend(chunk)
            if b"articles" in err:  # the progress bar counts processed articles
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(120), err.decode("utf-8", "replace")
        assert proc.poll() is None, "the build ended before it could be interrupted"
        if group:  # Ctrl-C in a terminal: the whole process group
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        status = proc.wait(60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(10)
    return status, err.decode("utf-8", "replace")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "workers", "group"),
    [(signal.SIGINT, 1, False), (signal.SIGTERM, 1, False), (signal.SIGINT, 2, True)],
    ids=["sigint", "sigterm", "ctrl-c-workers"],
)
def test_interrupted_build_leaves_earlier_outputs(tmp_path, big_corpus, sig, workers, group):
    out = tmp_path / "out"
    assert main(["build", str(DATA / "utf8.txt"), "-o", str(out), "-q"]) == EXIT_OK
    before = everything(out)
    status, err = _interrupt(big_corpus, out, sig, workers, group)
    assert status == EXIT_INTERRUPTED, err
    assert "Traceback" not in err, err
    assert err.rstrip().endswith("kg: interrupted; earlier outputs are untouched")
    assert everything(out) == before  # same bytes, no temporary files left


def test_readme_documents_exit_statuses():
    readme = (ROOT / "README.md").read_text("utf-8")
    for status in (EXIT_OK, EXIT_INPUT, EXIT_INTERRUPTED):
        assert f"| {status} |" in readme


# --------------------------------------------------------------------------- long documents


@pytest.mark.slow
def test_long_single_article(tmp_path):
    text = long_text(300_000)
    path = tmp_path / "long.txt"
    path.write_text(text, "utf-8")
    G = kg.build_graph([path])
    names = {data["name"] for _, data in G.nodes(data=True)}
    assert {"杭州市", "南京市"} <= names
    assert sum(1 for n in names if n.endswith("有限公司")) >= 20
    articles = {a for m in G.graph["mentions"] for a in [m["article"]]}
    assert articles == {"long.txt"}
