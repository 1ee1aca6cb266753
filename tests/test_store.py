"""The build store (kg/io/store.py): incremental builds, byte-identical outputs."""

from __future__ import annotations

import sqlite3
import sys

import pytest

import kg.build
import kg.engines.local
from kg.build import build_graph
from kg.cli import main
from kg.io import store
from kg.io.records import Article
from kg.outputs.export import write

ARTICLES = {
    "a.txt": "青禾市水务局与澄江航运有限公司签订合作协议\n本报记者 温雨桐\n"
    "青禾市水务局与澄江航运有限公司签订水环境保护合作协议。\n"
    "青禾市水务局东岭分局推出“一渠一档”工作法。\n",
    "b.txt": "青禾市商务局举办招商推介会\n本报记者 程思远\n"
    "青禾市商务局与岚山科技股份有限公司签约共建数字园区。\n"
    "岚山科技股份有限公司董事长马立新出席活动。\n",
    "c.txt": "青禾市东岭区启动老旧小区改造\n本报记者 陆一鸣\n"
    "青禾市东岭区住房和城乡建设局会同澄江航运有限公司改造码头片区。\n",
}
NEW = (
    "青禾市教育局与青禾职业技术学院合作办学\n本报记者 苏晓\n"
    "青禾市教育局与青禾职业技术学院签订合作办学协议。\n"
)


def corpus(folder, extra=None):
    folder.mkdir(exist_ok=True)
    for name, text in {**ARTICLES, **(extra or {})}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def outputs(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name != store.STORE_NAME}


@pytest.fixture
def counted(monkeypatch):
    """How many articles went through the pipeline, per build."""
    seen = []
    extract = kg.build.extract

    def counting(articles, **options):
        for result in extract(articles, **options):
            seen.append(result.article.id)
            yield result

    # the build calls it directly, and through extract_inputs when nothing is stored
    monkeypatch.setattr(kg.build, "extract", counting)
    monkeypatch.setattr(kg.engines.local, "extract", counting)
    return seen


def build(paths, out, **options):
    G = build_graph(paths, **options)
    write(G, out)
    return outputs(out)


def test_second_build_reuses_every_article_and_is_byte_identical(tmp_path, counted):
    folder = corpus(tmp_path / "c")
    db = tmp_path / "kg.sqlite"
    first = build([folder], tmp_path / "one", store=db)
    assert sorted(counted) == ["a.txt", "b.txt", "c.txt"]
    counted.clear()
    second = build([folder], tmp_path / "two", store=db)
    assert counted == []  # nothing extracted: every result from the store
    assert first == second == build([folder], tmp_path / "plain")


def test_an_added_or_changed_article_alone_is_extracted(tmp_path, counted):
    db = tmp_path / "kg.sqlite"
    folder = corpus(tmp_path / "c")
    build([folder], tmp_path / "one", store=db)
    counted.clear()
    corpus(folder, {"d.txt": NEW, "b.txt": ARTICLES["b.txt"] + "青禾市商务局局长何平致辞。\n"})
    incremental = build([folder], tmp_path / "two", store=db)
    assert sorted(counted) == ["b.txt", "d.txt"]
    assert incremental == build([folder], tmp_path / "fresh")
    conn = sqlite3.connect(db)
    ids = sorted(r[0] for r in conn.execute("SELECT id FROM articles"))
    assert ids == ["a.txt", "b.txt", "c.txt", "d.txt"]  # the old b.txt is gone
    # The tables hold the records' fields; the view counts names.
    mentions = conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0]
    assert mentions == conn.execute("SELECT SUM(mentions) FROM articles").fetchone()[0] > 0
    assert conn.execute(
        "SELECT COUNT(*) FROM relations WHERE relation = 'partners_with'"
    ).fetchone()[0]
    assert ("ORG", "青禾市教育局") in set(conn.execute("SELECT type, name FROM entities"))


def test_a_changed_fingerprint_invalidates_the_store(tmp_path, counted):
    db = tmp_path / "kg.sqlite"
    folder = corpus(tmp_path / "c")
    build([folder], tmp_path / "one", store=db)
    old = store.fingerprint({})
    counted.clear()
    config = {"kg_relations": {"cooccurrence": True}}
    assert store.fingerprint(config) != old
    with_config = build([folder], tmp_path / "two", store=db, cooccurrence=True)
    assert len(counted) == 3
    assert with_config == build([folder], tmp_path / "fresh", cooccurrence=True)
    conn = sqlite3.connect(db)
    assert {r[0] for r in conn.execute("SELECT fingerprint FROM articles")} == {
        store.fingerprint(config)
    }


def test_the_fingerprint_follows_the_data_files(monkeypatch, tmp_path):
    before = store.fingerprint({})
    real = store.Path.read_bytes

    def edited(path):
        data = real(path)
        return data + b"\n" if path.name == "posts.txt" else data

    monkeypatch.setattr(store.Path, "read_bytes", edited)
    assert store.fingerprint({}) != before


def test_articles_and_raw_texts_reuse_too(tmp_path, counted):
    db = tmp_path / "kg.sqlite"
    items = [Article("x", text) for text in ARTICLES.values()]
    items[1] = Article("y", ARTICLES["b.txt"])
    build(items, tmp_path / "one", store=db, workers=2)
    counted.clear()
    assert build(items, tmp_path / "two", store=db, workers=2) == outputs(tmp_path / "one")
    assert counted == []


def test_cli_store_options_and_end_to_end(tmp_path, capsys):
    folder = corpus(tmp_path / "c")
    out = tmp_path / "out"
    assert main(["build", str(folder), "-o", str(out), "-q", "--workers", "2"]) == 0
    assert (out / store.STORE_NAME).is_file()
    first = outputs(out)
    (folder / "d.txt").write_text(NEW, encoding="utf-8")
    assert main(["build", str(folder), "-o", str(out), "-q"]) == 0
    assert main(["build", str(folder), "-o", str(tmp_path / "plain"), "-q", "--no-store"]) == 0
    assert not (tmp_path / "plain" / store.STORE_NAME).exists()
    assert outputs(out) == outputs(tmp_path / "plain") != first
    elsewhere = tmp_path / "cache" / "my.sqlite"
    assert (
        main(["build", str(folder), "-o", str(tmp_path / "o2"), "-q", "--store", str(elsewhere)])
        == 0
    )
    assert elsewhere.is_file() and not (tmp_path / "o2" / store.STORE_NAME).exists()
    assert main(["build", str(folder), "--store", "x", "--no-store"]) == 2
    assert "not allowed with" in capsys.readouterr().err


def test_a_corrupt_store_is_a_one_line_error(tmp_path, capsys):
    folder = corpus(tmp_path / "c")
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is no database" * 100)
    assert main(["build", str(folder), "-o", str(tmp_path / "o"), "-q", "--store", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kg: error: store ") and "not a kg store" in err and "\n" not in err
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).executescript("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
    assert main(["build", str(folder), "-o", str(tmp_path / "o"), "-q", "--store", str(other)]) == 2
    assert "not a kg store" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_failed_build_leaves_store_and_outputs_as_they_were(tmp_path, monkeypatch):
    folder = corpus(tmp_path / "c")
    out = tmp_path / "out"
    assert main(["build", str(folder), "-o", str(out), "-q"]) == 0
    before = (out / store.STORE_NAME).read_bytes(), outputs(out)
    (folder / "d.txt").write_text(NEW, encoding="utf-8")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sys.modules["kg.outputs.export"], "write", broken)
    assert main(["build", str(folder), "-o", str(out), "-q"]) != 0
    assert ((out / store.STORE_NAME).read_bytes(), outputs(out)) == before
    # A new store of a failed build is not left behind.
    assert main(["build", str(folder), "-o", str(tmp_path / "new"), "-q"]) != 0
    assert not (tmp_path / "new").exists()


def test_dates_are_stored_and_a_dated_rebuild_is_byte_identical(tmp_path, counted):
    db = tmp_path / "kg.sqlite"
    folder = corpus(tmp_path / "c")
    dated = folder / "2024" / "05" / "12"
    dated.mkdir(parents=True)
    (dated / "d.txt").write_text(NEW, encoding="utf-8")
    first = build([folder], tmp_path / "one", store=db)
    counted.clear()
    assert build([folder], tmp_path / "two", store=db) == first
    assert counted == []
    assert b'"date": "2024-05-12"' in first["graph.json"]
    rows = sqlite3.connect(db).execute("SELECT id, date FROM articles ORDER BY id")
    assert rows.fetchall() == [
        ("2024/05/12/d.txt", "2024-05-12"),
        ("a.txt", ""),
        ("b.txt", ""),
        ("c.txt", ""),
    ]


def test_a_store_of_the_old_schema_is_emptied(tmp_path):
    db = tmp_path / "kg.sqlite"
    conn = store.open_store(db)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("DROP TABLE articles")
    conn.execute("CREATE TABLE articles (hash TEXT)")  # version 1 had no date column
    conn.commit()
    conn.close()
    conn = store.open_store(db)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(articles)")]
    assert columns[-1] == "date"
