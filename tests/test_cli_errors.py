"""Bad input through the command line: one line on stderr, exit status 2, no traceback,
and the outputs of an earlier good build left exactly as they were."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.cli import EXIT_INPUT, EXIT_OK, main

DATA = Path(__file__).parent / "data" / "ingest"
GOLD = Path(__file__).parent / "data" / "eval" / "tiny.gold.json"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with the SHA-256 of its bytes.

    Digests, not the bytes: a failing comparison then shows a short diff instead of
    making pytest diff megabytes of HTML.
    """
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_one_line_error(err: str, *words: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("kg: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], err
    return lines[0]


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path_factory.mktemp("good") / "out"
    assert main(["build", str(DATA / "utf8.txt"), "-o", str(out), "-q"]) == EXIT_OK
    files = snapshot(out)
    assert {"graph.graphml", "graph.json", "entities.csv", "relations.csv", "mentions.csv"} <= set(
        files
    )
    return out, files


@pytest.fixture
def out(good_build) -> Path:
    folder, files = good_build
    assert snapshot(folder) == files
    yield folder
    assert snapshot(folder) == files, "a failed command changed the earlier outputs"


def build(capsys, *args: str) -> tuple[int, str]:
    status = main(["build", *args, "-q"])
    return status, capsys.readouterr().err


# --------------------------------------------------------------------------- kg build


@pytest.mark.parametrize(
    ("inputs", "words"),
    [
        (["missing.txt"], ["missing.txt", "no such file or folder"]),
        (["empty.txt"], ["empty.txt", "empty file"]),
        (["blank.txt"], ["blank.txt", "empty file"]),
        (["binary.txt"], ["binary.txt", "binary file"]),
        (["malformed.jsonl"], ["malformed.jsonl:3:", "malformed JSON"]),
        (["utf8.txt", "malformed.jsonl"], ["malformed.jsonl:3:"]),
        (["no-text-column.csv"], ["no-text-column.csv", "no column named 'text'"]),
        (["short-row.csv"], ["short-row.csv:3:", "no text in field"]),
        (["multiline.csv"], ["multiline.csv:4:"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, out, inputs, words):
    status, err = build(capsys, *(str(DATA / name) for name in inputs), "-o", str(out))
    assert status == EXIT_INPUT
    assert_one_line_error(err, *words)


def test_folder_without_text_files(capsys, out, tmp_path):
    (tmp_path / "notes.bin").write_bytes(b"\x00")
    status, err = build(capsys, str(tmp_path), "-o", str(out))
    assert status == EXIT_INPUT
    assert_one_line_error(err, str(tmp_path))


def test_folder_of_empty_files_keeps_the_earlier_outputs(capsys, out, tmp_path):
    before = (out / "graph.json").read_bytes()
    (tmp_path / "only.txt").write_bytes(b"")
    status, err = build(capsys, str(tmp_path), "-o", str(out))
    assert status == EXIT_INPUT
    skipped, error = err.strip().splitlines()
    assert skipped.startswith("kg: skipped ") and "only.txt" in skipped
    assert_one_line_error(error, "no text to build", str(tmp_path))
    assert (out / "graph.json").read_bytes() == before


def test_undecodable_file(capsys, out, tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 8)
    status, err = build(capsys, str(path), "-o", str(out))
    assert status == EXIT_INPUT
    assert_one_line_error(err, "noise.txt", "encoding")


@pytest.mark.parametrize("name", ["gbk.txt", "gb18030.txt", "utf16le-bom.txt", "traditional.txt"])
def test_other_encodings_build(capsys, tmp_path, name):
    status, err = build(capsys, str(DATA / name), "-o", str(tmp_path / "o"))
    assert status == EXIT_OK, err
    names = (tmp_path / "o" / "entities.csv").read_text("utf-8")
    assert "杭州市" in names


def test_folder_with_empty_and_binary_files_builds(capsys, tmp_path):
    status, err = build(capsys, str(DATA / "folder"), "-o", str(tmp_path / "o"))
    assert status == EXIT_OK
    assert "skipped" in err and "Traceback" not in err
    assert "江川市水务局" in (tmp_path / "o" / "entities.csv").read_text("utf-8")


@pytest.mark.parametrize("where", ["file", "under-file", "under-output-file"])
def test_unwritable_outdir(capsys, out, tmp_path, where):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    target = {
        "file": blocker,
        "under-file": blocker / "out",
        "under-output-file": out / "graph.json" / "out",  # a path under an earlier output
    }[where]
    status, err = build(capsys, str(DATA / "utf8.txt"), "-o", str(target))
    assert status == EXIT_INPUT
    assert_one_line_error(err, "cannot write")
    assert blocker.read_text("utf-8") == "not a folder"


def test_output_blocked_by_a_folder_leaves_every_output_untouched(capsys, tmp_path):
    outdir = tmp_path / "o"
    assert main(["build", str(DATA / "utf8.txt"), "-o", str(outdir), "-q"]) == EXIT_OK
    (outdir / "graph.json").unlink()
    (outdir / "graph.json").mkdir()
    before = snapshot(outdir)
    status, err = build(capsys, str(DATA / "records.jsonl"), "-o", str(outdir))
    assert status == EXIT_INPUT
    assert_one_line_error(err)
    assert snapshot(outdir) == before


@pytest.mark.parametrize(
    "args",
    [
        ["--workers", "0"],
        ["--workers", "two"],
        ["--engine", "spark"],
        ["--no-such-option"],
    ],
)
def test_bad_build_options(capsys, out, args):
    status, err = build(capsys, str(DATA / "utf8.txt"), "-o", str(out), *args)
    assert status == EXIT_INPUT
    assert_one_line_error(err)


def test_no_command(capsys):
    assert main([]) == EXIT_INPUT
    assert_one_line_error(capsys.readouterr().err, "command")


# --------------------------------------------------------------------------- kg export


def test_unknown_export_format(capsys, out, tmp_path):
    target = tmp_path / "graph.xml"
    status = main(["export", str(out / "graph.json"), "--format", "xml", "-o", str(target)])
    assert status == EXIT_INPUT
    assert_one_line_error(capsys.readouterr().err, "--format", "xml")
    assert not target.exists()


@pytest.mark.parametrize(
    ("graph", "fmt", "target", "words"),
    [
        ("missing.json", "gexf", "g.gexf", ["missing.json"]),
        ("graph.json", "gexf", "a-file/g.gexf", ["a-file"]),
        ("graph.json", "csv", "a-file", ["a-file"]),
    ],
)
def test_bad_export(capsys, out, tmp_path, graph, fmt, target, words):
    (tmp_path / "a-file").write_text("x", "utf-8")
    status = main(["export", str(out / graph), "--format", fmt, "-o", str(tmp_path / target)])
    assert status == EXIT_INPUT
    assert_one_line_error(capsys.readouterr().err, *words)
    assert (tmp_path / "a-file").read_text("utf-8") == "x"


@pytest.mark.parametrize("fmt", ["csv", "neo4j"])
def test_folder_formats_refuse_an_existing_file(capsys, out, tmp_path, fmt):
    target = tmp_path / "graph.csv"
    target.write_text("x", "utf-8")
    status = main(["export", str(out / "graph.json"), "--format", fmt, "-o", str(target)])
    assert status == EXIT_INPUT
    assert_one_line_error(capsys.readouterr().err, str(target), "is a file", "folder", fmt)
    assert target.read_text("utf-8") == "x"


@pytest.mark.parametrize(("length", "status"), [(250, EXIT_OK), (300, EXIT_INPUT)])
def test_export_errors_name_the_target_not_a_temporary_file(capsys, out, tmp_path, length, status):
    """A target name of 250 characters is written (its temporary file's name is shorter);
    one too long for the file system is an error about the target."""
    target = tmp_path / ("g" * length + ".gexf")
    assert (
        main(["export", str(out / "graph.json"), "--format", "gexf", "-o", str(target)]) == status
    )
    err = capsys.readouterr().err
    if status == EXIT_INPUT:
        line = assert_one_line_error(err, f"cannot write {target}:", "too long")
        assert ".tmp" not in line
    else:
        assert target.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ([target.name] if status == EXIT_OK else [])


def test_export_into_the_output_folder_keeps_the_build(capsys, out, tmp_path):
    status = main(["export", str(out / "graph.json"), "--format", "graphml", "-o", str(out)])
    assert status == EXIT_INPUT  # OUTDIR is a folder, not a file name
    assert_one_line_error(capsys.readouterr().err)


# --------------------------------------------------------------------------- kg eval


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "missing": tmp_path / "missing.json",
        "not-json": tmp_path / "broken.json",
        "binary": tmp_path / "binary.json",
        "empty": tmp_path / "empty.json",
        "wrong-shape": tmp_path / "list.json",
        "bad-graphml": tmp_path / "broken.graphml",
        "truncated-graphml": tmp_path / "cut.graphml",
    }
    files["not-json"].write_text('{"entities": [', "utf-8")
    files["binary"].write_bytes(bytes(range(256)))
    files["empty"].write_bytes(b"")
    files["wrong-shape"].write_text(json.dumps([1, 2, 3]), "utf-8")
    files["bad-graphml"].write_text("<graphml><node id=", "utf-8")
    return files


@pytest.mark.parametrize(
    "kind", ["missing", "not-json", "binary", "empty", "wrong-shape", "bad-graphml"]
)
def test_eval_with_a_bad_gold_file(capsys, out, tmp_path, kind):
    gold = _bad_files(tmp_path)[kind]
    status = main(["eval", str(gold), "--graph", str(out / "graph.graphml")])
    assert status == EXIT_INPUT
    assert_one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize(
    "kind",
    ["missing", "not-json", "binary", "empty", "wrong-shape", "bad-graphml", "truncated-graphml"],
)
def test_eval_with_a_bad_graph(capsys, out, tmp_path, kind):
    files = _bad_files(tmp_path)
    files["truncated-graphml"].write_bytes((out / "graph.graphml").read_bytes()[:-200])
    status = main(["eval", str(GOLD), "--graph", str(files[kind])])
    assert status == EXIT_INPUT
    assert_one_line_error(capsys.readouterr().err)


def test_eval_of_a_good_build(capsys, out):
    assert main(["eval", str(GOLD), "--graph", str(out / "graph.graphml")]) == EXIT_OK
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["stats", "export"])
def test_other_commands_with_a_corrupt_graph(capsys, tmp_path, command):
    graph = _bad_files(tmp_path)["not-json"]
    extra = ["--format", "gexf", "-o", str(tmp_path / "g.gexf")] if command == "export" else []
    assert main([command, str(graph), *extra]) == EXIT_INPUT
    assert_one_line_error(capsys.readouterr().err)


def test_entities_of_a_missing_file(capsys, tmp_path):
    assert main(["entities", str(tmp_path / "missing.txt")]) == EXIT_INPUT
    assert_one_line_error(capsys.readouterr().err, "missing.txt")


# --------------------------------------------------------------------------- real process


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["build", str(DATA / "binary.txt")], ["binary file"]),
        (["build", str(DATA / "malformed.jsonl")], ["malformed.jsonl:3:"]),
        (["export", "x.json", "--format", "pdf", "-o", "x.pdf"], ["pdf"]),
    ],
)
def test_real_process_exit_status_and_stderr(out, tmp_path, args, words):
    if args[0] == "build":
        args = [*args, "-o", str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == EXIT_INPUT
    assert proc.stdout == ""
    assert_one_line_error(proc.stderr, *words)
