"""User corrections as data: patterns (spaCy EntityRuler format), aliases and a stoplist.

Every text and name here is invented for these tests.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from kg.build import build_graph
from kg.cli import EXIT_INPUT, EXIT_OK, main
from kg.errors import InputError
from kg.pipeline.corrections import corrections_config, pattern_names
from kg.pipeline.nlp import make_pipeline

GLUED = "鹭岛青年创客汇联合江川市水务局开展志愿活动。鹭岛青创汇成立于2019年。"
MISSED = "江川市水务局邀请星火燎原读书会成员座谈。数智未来工坊今年吸引了大批青年。"
PARK = "蓝湾航运集团有限公司旗下蓝湾物流园区启用。"
BRANCH = "江川市水务局东港分局开展河道巡查。"
OUTPUTS = (
    "graph.graphml",
    "graph.json",
    "graph.html",
    "entities.csv",
    "relations.csv",
    "mentions.csv",
)

PATTERNS = [
    {"label": "ORG", "pattern": "鹭岛青年创客汇", "id": "ludao"},
    {"label": "ORG", "pattern": "鹭岛青创汇", "id": "ludao"},
    {
        "label": "ORG",
        "pattern": [{"ORTH": "星火"}, {"ORTH": "燎"}, {"ORTH": "原"}, {"ORTH": "读书会"}],
    },
    {"label": "ORG", "pattern": "数智未来工坊"},
]


def ents(nlp, text: str) -> list[tuple[str, str, str, str]]:
    doc = nlp(text)
    return [(e.text, e.label_, e._.rule, e._.canonical) for e in doc.ents]


@pytest.fixture(scope="module")
def corrected():
    return make_pipeline(config=corrections_config(patterns=PATTERNS, stoplist=["数智"]))


def test_no_corrections_no_component():
    assert "kg_patterns" not in make_pipeline().pipe_names
    assert make_pipeline(config=corrections_config(patterns=PATTERNS)).pipe_names[0] == (
        "kg_patterns"
    )


def test_pattern_wins_over_an_overlapping_rule_span(corrected):
    # The rules glue the two names (LAC reads 鹭岛青年创客汇联合 as one word).
    assert ("鹭岛青年创客汇联合江川市水务局", "ORG") in [
        e[:2] for e in ents(make_pipeline(), GLUED)
    ]
    found = ents(corrected, GLUED)
    assert ("鹭岛青年创客汇", "ORG", "user_pattern", "鹭岛青年创客汇") in found
    assert ("江川市水务局", "ORG") in [e[:2] for e in found]
    assert not [e for e in found if "联合" in e[0]]  # the rest of LAC's word is no name


def test_pattern_names_what_the_rules_miss_or_cut(corrected):
    plain = [e[0] for e in ents(make_pipeline(), MISSED)]
    assert "星火燎原读书会" not in plain and "数智" in plain
    found = ents(corrected, MISSED)
    assert ("星火燎原读书会", "ORG", "user_pattern", "星火燎原读书会") in found  # token pattern
    assert ("数智未来工坊", "ORG", "user_pattern", "数智未来工坊") in found
    assert "数智" not in [e[0] for e in found]


def test_an_id_merges_spellings_into_one_node():
    assert pattern_names(PATTERNS) == {"ludao": "鹭岛青年创客汇"}
    G = build_graph([GLUED], config=corrections_config(patterns=PATTERNS))
    assert G.nodes["ORG:鹭岛青年创客汇"]["mentions"] == 2
    assert G.nodes["ORG:鹭岛青年创客汇"]["aliases"] == "鹭岛青创汇"
    assert not [n for n in G if "青创汇" in n]


def test_an_id_with_token_patterns_only_is_its_own_name():
    tokens = [{"label": "ORG", "pattern": [{"ORTH": "星火"}], "id": "星火社"}]
    assert pattern_names(tokens) == {"星火社": "星火社"}


def test_an_alias_maps_a_surface_to_a_canonical_name():
    G = build_graph([PARK], config=corrections_config(aliases={"蓝湾物流园区": "蓝湾国际物流园"}))
    assert G.nodes["GPE:蓝湾国际物流园"]["aliases"] == "蓝湾物流园区"
    assert "GPE:蓝湾物流园区" not in G


def test_the_users_names_are_final_across_the_corpus():
    texts = [BRANCH, "东港分局召开会议。"]
    assert "ORG:东港分局" not in build_graph(texts)  # merged into its full name
    G = build_graph(texts, config=corrections_config(aliases={"东港分局": "东港分局"}))
    assert "ORG:东港分局" in G


def test_a_stoplist_word_is_never_a_mention_nor_a_node(corrected):
    assert "数智" not in [e[0] for e in ents(corrected, "数智今年吸引了大批青年。")]
    assert "ORG:江川市水务局" in build_graph([BRANCH])  # the branch's parent
    G = build_graph([BRANCH], config=corrections_config(stoplist=["江川市水务局"]))
    assert "ORG:江川市水务局" not in G
    assert "ORG:江川市水务局东港分局" in G
    assert all(m["text"] != "江川市水务局" for m in G.graph["mentions"])


def test_stoplist_wins_over_a_pattern():
    nlp = make_pipeline(config=corrections_config(patterns=PATTERNS, stoplist=["数智未来工坊"]))
    assert "数智未来工坊" not in [e[0] for e in ents(nlp, MISSED)]


def write_corrections(folder: Path) -> list[str]:
    patterns = folder / "my.jsonl"
    patterns.write_text(
        "\n".join(json.dumps(p, ensure_ascii=False) for p in PATTERNS) + "\n\n", encoding="utf-8"
    )
    aliases = folder / "aliases.tsv"
    aliases.write_text("# surface\tcanonical\n蓝湾物流园区\t蓝湾国际物流园\n", encoding="utf-8")
    stoplist = folder / "words.txt"
    stoplist.write_text("数智\n\n", encoding="utf-8")
    return ["--patterns", str(patterns), "--aliases", str(aliases), "--stoplist", str(stoplist)]


def corpus(folder: Path) -> Path:
    folder.mkdir()
    for i, text in enumerate([GLUED, MISSED, PARK, BRANCH] * 3):
        (folder / f"a{i:02}.txt").write_text(text, encoding="utf-8")
    return folder


def test_cli_end_to_end(tmp_path):
    flags = write_corrections(tmp_path)
    out = tmp_path / "out"
    assert main(["build", str(corpus(tmp_path / "in")), "-o", str(out), "-q", *flags]) == EXIT_OK
    entities = (out / "entities.csv").read_text(encoding="utf-8")
    for name in ("鹭岛青年创客汇", "星火燎原读书会", "数智未来工坊", "蓝湾国际物流园"):
        assert name in entities
    with (out / "mentions.csv").open(encoding="utf-8") as rows:
        texts = {row["text"] for row in csv.DictReader(rows)}
    assert "数智" not in texts and "鹭岛青年创客汇" in texts
    assert not [t for t in texts if "联合" in t]


def test_workers_get_the_corrections(tmp_path):
    flags = write_corrections(tmp_path)
    folder = corpus(tmp_path / "in")
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        args = ["build", str(folder), "-o", str(out), "-q", "--workers", workers, *flags]
        assert main(args) == EXIT_OK
        outputs.append({name: (out / name).read_bytes() for name in OUTPUTS})
    assert outputs[0] == outputs[1]
    assert "蓝湾国际物流园".encode() in outputs[0]["entities.csv"]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        (
            "my.jsonl",
            '{"label": "ORG", "pattern": "甲乙公司"}\n{"label": ORG}\n',
            ["my.jsonl:2", "JSON"],
        ),
        ("my.jsonl", '{"label": "LOCATION", "pattern": "甲乙"}\n', ["my.jsonl:1", "LOCATION"]),
        ("my.jsonl", '{"label": "ORG", "pattern": 3}\n', ["my.jsonl:1"]),
        ("my.jsonl", '{"label": "ORG", "pattern": [{"NOPE": 1}]}\n', ["my.jsonl:1", "token"]),
        ("aliases.tsv", "# comment\n甲乙 丙丁\n", ["aliases.tsv:2", "tab"]),
    ],
)
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, name, content, words):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    flag = "--patterns" if name.endswith("jsonl") else "--aliases"
    text = tmp_path / "a.txt"
    text.write_text(PARK, encoding="utf-8")
    assert main(["build", str(text), "-o", str(tmp_path / "out"), "-q", flag, str(path)]) == (
        EXIT_INPUT
    )
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("kg: error: ") and "Traceback" not in err
    for word in words:
        assert word in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("flag", ["--patterns", "--aliases", "--stoplist"])
def test_a_missing_file_exits_2(tmp_path, capsys, flag):
    text = tmp_path / "a.txt"
    text.write_text(PARK, encoding="utf-8")
    missing = tmp_path / "nope.txt"
    assert main(["build", str(text), "-o", str(tmp_path / "out"), "-q", flag, str(missing)]) == (
        EXIT_INPUT
    )
    err = capsys.readouterr().err.strip()
    assert err.startswith("kg: error: ") and "nope.txt" in err and len(err.splitlines()) == 1


def test_bad_patterns_through_the_api():
    with pytest.raises(InputError, match="pattern 1: unknown label"):
        corrections_config(patterns=[{"label": "LOC", "pattern": "甲乙"}])
