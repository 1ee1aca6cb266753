"""Ingest: encodings, line endings, cleaning, JSONL and CSV corpora, bad input.

The fixtures under tests/data/ingest/ are written by make_fixtures.py there; every text
is invented. Property tests feed arbitrary text and bytes to the readers: each input
ends in articles or in an InputError, never in another exception.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg
from kg.errors import InputError
from kg.io.ingest import clean_text, decode, read_inputs

DATA = Path(__file__).parent / "data" / "ingest"
ARTICLE = (DATA / "utf8.txt").read_text("utf-8")
ORGS = {"ORG:江川市水务局", "ORG:蓝湾航运集团有限公司"}

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def articles(*paths, **options) -> list[kg.io.records.Article]:
    return list(read_inputs([Path(p) for p in paths], **options))


def text_of(path: Path) -> str:
    return "\n".join(a.text for a in articles(path))


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "name",
    ["utf8.txt", "utf8-bom.txt", "utf16le-bom.txt", "utf16be-bom.txt", "gbk.txt"],
)
def test_every_encoding_reads_the_same_text(name):
    assert text_of(DATA / name) == text_of(DATA / "utf8.txt")
    assert [a.title for a in articles(DATA / name)] == [
        "江川市水务局与蓝湾航运集团有限公司签订合作协议"
    ]


def test_bom_is_not_part_of_the_text():
    text = text_of(DATA / "utf8-bom.txt")
    assert "\ufeff" not in text
    assert text.startswith("江川市水务局")


def test_gb18030_characters_outside_gbk_are_read():
    text = text_of(DATA / "gb18030.txt")
    assert "䶮字与𠀀字只有GB18030才能编码。" in text


@pytest.mark.parametrize("name", ["gbk.txt", "gb18030.txt", "utf16le-bom.txt", "utf16be-bom.txt"])
def test_non_utf8_files_are_detected_and_their_entities_found(name):
    G = kg.build_graph([DATA / name])
    assert set(G) >= ORGS
    assert "GPE:杭州市" in G


def test_utf8_cut_mid_character_is_still_utf8():
    body = ("江川市水务局与蓝湾航运集团有限公司签订合作协议。" * 4).encode("utf-8")
    text = decode(body[:-1])
    assert text.startswith("江川市水务局与蓝湾航运集团有限公司")
    assert text.endswith("\ufffd")


def test_utf8_with_one_corrupt_byte_is_still_utf8():
    body = ("江川市水务局与蓝湾航运集团有限公司签订合作协议。" * 4).encode("utf-8")
    text = decode(body[:30] + b"\xff" + body[30:])
    assert text.count("\ufffd") == 1
    assert text.endswith("签订合作协议。")


def test_gbk_cut_mid_character_is_still_gbk():
    body = ("江川市水务局与蓝湾航运集团有限公司签订合作协议。" * 4).encode("gbk")
    assert decode(body[:-1]).startswith("江川市水务局与蓝湾航运集团有限公司")


def test_mostly_ascii_gbk_file_is_not_taken_for_broken_utf8():
    body = ("report line\n" * 100 + "江川").encode("gbk")
    assert decode(body).endswith("江川")


# --------------------------------------------------------------------------- cleaning


def test_mixed_line_endings_are_unified():
    raw = (DATA / "mixed-endings.txt").read_bytes()
    assert b"\r\n" in raw and b"\r" in raw.replace(b"\r\n", b"")
    text = text_of(DATA / "mixed-endings.txt")
    assert "\r" not in text
    assert text == text_of(DATA / "utf8.txt")


def test_fullwidth_letters_and_digits_fold_punctuation_keeps_its_width():
    text = text_of(DATA / "fullwidth.txt")
    assert "ABC数据有限公司" in text
    assert "２" not in text and "2024" in text
    assert "，" in text and "。" in text
    G = kg.build_graph([DATA / "fullwidth.txt"])
    assert "ORG:ABC数据有限公司" in G


def test_ideographic_space_becomes_a_space():
    assert clean_text("江川市\u3000水务局") == "江川市 水务局"


def test_control_and_zero_width_characters_are_dropped():
    text = text_of(DATA / "controls.txt")
    assert text == "蓝湾航运集团有限公司与江川市水务局签订合作协议。"
    G = kg.build_graph([DATA / "controls.txt"])
    assert set(G) >= ORGS


@pytest.mark.parametrize("name", ["traditional.txt", "traditional-big5.txt"])
def test_traditional_chinese(name):
    text = text_of(DATA / name)
    assert text.startswith("杭州市環境保護局與藍灣航運集團有限公司簽訂合作協議。")
    G = kg.build_graph([DATA / name])
    assert "GPE:杭州市" in G
    assert "ORG:藍灣航運集團有限公司" in G


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "empty file"),
        ("blank.txt", "empty file"),
        ("binary.txt", "binary file, not text"),
    ],
)
def test_empty_and_binary_files_named_are_errors(name, reason):
    with pytest.raises(InputError, match=reason) as info:
        articles(DATA / name)
    assert str(DATA / name) in str(info.value)


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        articles(tmp_path / "missing.txt")


def test_folder_skips_empty_and_binary_files_with_a_warning(capsys):
    found = articles(DATA / "folder")
    assert [a.source for a in found] == ["good.txt"]
    err = capsys.readouterr().err
    assert "skipped" in err and "empty.txt" in err and "binary.txt" in err


def test_folder_without_text_files_is_an_error(tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    with pytest.raises(InputError, match="no .txt"):
        articles(tmp_path)


def test_undecodable_bytes_are_an_error(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 8)  # no BOM, no NUL, no valid text
    with pytest.raises(InputError, match="unknown text encoding") as info:
        articles(path)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------- JSONL


def test_jsonl_records():
    found = articles(DATA / "records.jsonl")
    assert [a.id for a in found] == ["r1", "r2"]
    assert found[0].title == "签约"
    assert found[1].title == "青禾数据有限公司与杭州市商务局签署战略合作协议。"
    assert {a.source for a in found} == {"records.jsonl"}


def test_jsonl_custom_fields(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"key": 7, "body": "江川市水务局发布通知。"}, ensure_ascii=False))
    (article,) = articles(path, text_field="body", id_field="key")
    assert article.id == "7" and article.text == "江川市水务局发布通知。"


def test_malformed_jsonl_names_file_and_line():
    with pytest.raises(InputError) as info:
        articles(DATA / "malformed.jsonl")
    message = str(info.value)
    assert f"{DATA / 'malformed.jsonl'}:3:" in message
    assert "malformed JSON" in message and "\n" not in message


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("[1, 2]", "expected a JSON object"),
        ('"a string"', "expected a JSON object"),
        ('{"text": 5}', "no text in field 'text'"),
        ('{"id": "x"}', "no text in field 'text'"),
    ],
)
def test_jsonl_records_without_text_name_the_line(tmp_path, line, words):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "江川市水务局发布通知。"}\n' + line + "\n", "utf-8")
    with pytest.raises(InputError, match=words) as info:
        articles(path)
    assert f"{path}:2:" in str(info.value)


def test_jsonl_lone_surrogates_are_replaced():
    (article,) = articles(DATA / "surrogates.jsonl")
    assert "江川市水务局与蓝湾航运集团有限公司签订合作协议。" in article.text
    article.text.encode("utf-8")  # no lone surrogate left
    G = kg.build_graph([DATA / "surrogates.jsonl"])
    assert set(G) >= ORGS


def test_jsonl_lone_surrogate_in_the_id(tmp_path):
    path = tmp_path / "ids.jsonl"
    path.write_text(json.dumps({"id": "a\ud800", "text": "江川市水务局发布通知。"}), "utf-8")
    (article,) = articles(path)
    article.id.encode("utf-8")
    kg.write(kg.build_graph([path]), tmp_path / "out")


def test_file_name_that_is_not_utf8(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/\xff\xfe.txt", "w", encoding="utf-8") as fh:
        fh.write("江川市水务局与蓝湾航运集团有限公司签订合作协议。")
    (article,) = articles(folder)
    article.id.encode("utf-8")
    G = kg.build_graph([folder])
    assert set(G) >= ORGS
    kg.write(G, tmp_path / "out")  # ids are written as UTF-8


# --------------------------------------------------------------------------- CSV


def test_csv_without_the_text_column_is_an_error():
    with pytest.raises(InputError, match="no column named 'text'") as info:
        articles(DATA / "no-text-column.csv")
    assert str(DATA / "no-text-column.csv") in str(info.value)


def test_csv_text_column_can_be_chosen():
    (article,) = articles(DATA / "no-text-column.csv", text_field="body")
    assert article.text.startswith("江川市水务局")


def test_csv_extra_fields_are_ignored():
    found = articles(DATA / "ragged.csv")
    assert [a.id for a in found] == ["1", "2"]
    assert found[1].title == "签约"


def test_csv_short_row_names_its_line():
    with pytest.raises(InputError, match="no text in field 'text'") as info:
        articles(DATA / "short-row.csv")
    assert f"{DATA / 'short-row.csv'}:3:" in str(info.value)


def test_csv_quoted_newlines_keep_the_line_numbers_of_the_file():
    with pytest.raises(InputError) as info:
        articles(DATA / "multiline.csv")
    assert f"{DATA / 'multiline.csv'}:4:" in str(info.value)
    first = next(read_inputs([DATA / "multiline.csv"]))
    assert first.text == "江川市水务局与蓝湾航运集团有限公司\n签订合作协议。"


# --------------------------------------------------------------------------- article ids

PAGE = (
    "江川市水务局与蓝湾航运签约\n本报记者 林晓舟\n江川市水务局与蓝湾航运集团有限公司签约。\n"
    "蓝湾港区开工建设\n本报记者 王海燕\n蓝湾港区今日开工建设。\n"
)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _ids(inputs) -> dict[str, str]:
    """article id -> its text."""
    return {a.id: a.text for a in read_inputs(inputs)}


def test_same_named_files_are_named_by_their_folders(tmp_path):
    _write(tmp_path, {"a/x.txt": "江川市水务局。", "b/x.txt": "蓝湾航运集团有限公司。"})
    a, b = tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"
    expected = {"a/x.txt": "江川市水务局。", "b/x.txt": "蓝湾航运集团有限公司。"}
    assert _ids([a, b]) == _ids([b, a]) == _ids([str(b), str(a)]) == expected
    assert _ids(iter([b, "临渚市商务局。", a])) == {**expected, "text#1": "临渚市商务局。"}
    assert _ids([a]) == {"x.txt": "江川市水务局。"}  # no clash: the name as it was


def test_raw_texts_are_numbered_in_order(tmp_path):
    """Raw texts never share an id: text#1, text#2, ... across them (a page one number
    per article), after files and Articles too, and a lone text is text#1."""
    from kg.engines.cluster import plan

    _write(tmp_path, {"x.txt": "白石镇。"})
    own = kg.io.records.Article(id="mine", text="东港区。")
    inputs = ["江川市水务局。", tmp_path / "x.txt", own, PAGE, "临渚市商务局。"]
    ids = [a.id for a in read_inputs(inputs)]
    assert ids == ["text#1", "x.txt", "mine", "text#2", "text#3", "text#4"]
    assert [a.id for a in read_inputs(iter(inputs))] == [*ids[:1], *ids[2:], "x.txt"]
    # The dask engine's client names them alike.
    tasks = plan(inputs)
    assert [a.id for task in tasks for a in getattr(task, "articles", ())] == [
        i for i in ids if i != "x.txt"
    ]
    assert _ids(["江川市水务局。"]) == {"text#1": "江川市水务局。"}


def test_build_graph_of_raw_texts_keeps_their_articles_apart():
    G = kg.build_graph(["江川市水务局发布通知。", "江川市水务局召开会议。"])
    assert G.nodes["ORG:江川市水务局"]["article_ids"] == "text#1|text#2"
    assert G.nodes["ORG:江川市水务局"]["articles"] == 2
    assert {m["article"] for m in G.graph["mentions"]} == {"text#1", "text#2"}


def test_names_in_folders_grow_only_where_they_clash(tmp_path):
    _write(
        tmp_path,
        {
            "one/page.txt": PAGE,
            "one/news.jsonl": '{"text": "江川市水务局。"}\n{"text": "东港区。", "id": "k1"}\n',
            "one/only.md": "蓝湾港区。",
            "two/page.txt": PAGE.replace("蓝湾", "青禾"),
            "two/news.jsonl": '{"text": "临渚市商务局。"}\n',
            "two/deep/only.txt": "白石镇。",
        },
    )
    one, two = tmp_path / "one", tmp_path / "two"
    assert sorted(_ids([one, two])) == [
        "deep/only.txt",
        "k1",  # a record's own id is left as the corpus gives it
        "one/news.jsonl:1",
        "one/page.txt#1",
        "one/page.txt#2",
        "only.md",
        "two/news.jsonl:1",
        "two/page.txt#1",
        "two/page.txt#2",
    ]
    assert _ids([two, one]) == _ids([one, two])
    assert sorted(_ids([one])) == ["k1", "news.jsonl:1", "only.md", "page.txt#1", "page.txt#2"]


def test_one_file_reached_twice_keeps_its_name(tmp_path):
    _write(tmp_path, {"a/x.txt": "江川市水务局。", "a/y.txt": "东港区。"})
    x = tmp_path / "a" / "x.txt"
    assert [a.id for a in read_inputs([x, tmp_path / "a", x])] == [
        "x.txt",
        "x.txt",
        "y.txt",
        "x.txt",
    ]


def test_names_go_up_as_many_folders_as_it_takes(tmp_path):
    _write(
        tmp_path,
        {"p/a/x.txt": "江川市水务局。", "q/a/x.txt": "东港区。", "q/b/x.txt": "蓝湾港区。"},
    )
    paths = [tmp_path / name for name in ("p/a/x.txt", "q/a/x.txt", "q/b/x.txt")]
    assert _ids(paths) == {
        "p/a/x.txt": "江川市水务局。",
        "q/a/x.txt": "东港区。",
        "b/x.txt": "蓝湾港区。",
    }
    assert _ids(paths[::-1]) == _ids(paths)


# --------------------------------------------------------------------------- properties


def _read_or_error(path: Path) -> list:
    try:
        return articles(path)
    except InputError as error:
        assert "\n" not in str(error)
        return []


@FAST
@given(st.text())
def test_clean_text_of_any_text(text):
    cleaned = clean_text(text)
    assert "\r" not in cleaned
    assert clean_text(cleaned) == cleaned


@FAST
@given(st.text())
def test_raw_text_input_never_fails(text):
    found = list(read_inputs([text + "江川市水务局。"]))
    for article in found:
        assert article.text.strip()
        assert "\r" not in article.text


@FAST
@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_raise_input_error(data):
    try:
        text = decode(data)
    except InputError:
        return
    assert isinstance(text, str)


@FAST
@given(st.binary(max_size=600), st.sampled_from([".txt", ".md", ".jsonl", ".csv"]))
def test_any_file_reads_or_raises_input_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("any") / f"file{suffix}"
    path.write_bytes(data)
    for article in _read_or_error(path):
        assert isinstance(article.text, str) and isinstance(article.id, str)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@FAST
@given(
    st.lists(
        st.one_of(
            st.dictionaries(st.sampled_from(["id", "text", "title", "x"]), _json_values),
            _json_values,
            st.text(max_size=40),  # not JSON at all, most of the time
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_jsonl_reads_or_raises_input_error(tmp_path_factory, records):
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path = tmp_path_factory.mktemp("jsonl") / "c.jsonl"
    path.write_text("\n".join(lines), "utf-8", errors="surrogatepass")
    for article in _read_or_error(path):
        article.text.encode("utf-8")


@FAST
@given(st.lists(st.sampled_from(["\ud800", "\udfff", "\udbff\udc00", "江川", "\\", "\u0000"])))
def test_jsonl_surrogate_escapes(tmp_path_factory, pieces):
    line = json.dumps({"id": "s", "text": "".join(pieces) + "江川市水务局发布通知。"})
    path = tmp_path_factory.mktemp("surrogates") / "s.jsonl"
    path.write_text(line + "\n", "utf-8")
    (article,) = articles(path)
    article.text.encode("utf-8")
    assert article.text.endswith("江川市水务局发布通知。")


@FAST
@given(
    st.lists(st.sampled_from(["id", "text", "title", "note"]), min_size=1, max_size=4),
    st.lists(st.lists(st.text(max_size=20), max_size=6), max_size=6),
)
def test_any_csv_reads_or_raises_input_error(tmp_path_factory, header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)  # ragged: rows shorter and longer than the header
    path = tmp_path_factory.mktemp("csv") / "c.csv"
    path.write_text(buffer.getvalue(), "utf-8", errors="surrogatepass")
    found = _read_or_error(path)
    if found:
        assert "text" in header


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2024-05-12", "2024-05-12"),
        ("2024/5/12", "2024-05-12"),
        ("2024年5月12日", "2024-05-12"),
        ("2024-05-12 08:30:00", "2024-05-12"),
        ("2024-05-12T08:30:00+08:00", "2024-05-12"),
        (" 2024年05月02日 星期四", "2024-05-02"),
        ("2024-02-30", ""),  # no such day
        ("5月12日", ""),
        ("2024-05", ""),
        ("昨天", ""),
        (20240512, ""),  # not a string
        (None, ""),
    ],
)
def test_parse_date(value, date):
    from kg.io.ingest import parse_date

    assert parse_date(value) == date


def test_path_dates_and_datelines():
    from kg.io.ingest import path_date, text_date

    assert path_date("paper/2024/05/12/a.txt") == "2024-05-12"
    assert path_date("paper/2024-05-12/a.txt") == "2024-05-12"
    assert path_date("paper/20240512-a.txt") == "2024-05-12"
    assert path_date("2023/01/02/paper_20240512.txt") == "2024-05-12"  # the nearest
    assert path_date("paper/2024/05/a.txt") == path_date("a-123456789.txt") == ""
    assert text_date("青禾市召开会议\n本报记者 温雨桐\n2024年5月12日，会议召开。") == "2024-05-12"
    assert text_date("新华社青禾2024年5月12日电 会议召开。") == "2024-05-12"
    assert text_date("青禾市召开会议\n5月12日，会议召开。") == ""  # no year: undated
    late = "标题\n" + "一段。\n" * 6 + "2024年5月12日，会议召开。"
    assert text_date(late) == ""  # not in the first lines


def test_article_dates_field_path_then_text(tmp_path):
    body = "青禾市召开会议\n本报记者 温雨桐\n2024年3月1日，青禾市水务局召开会议。"
    records = [
        {"id": "field", "text": body, "published": "2024/5/12 10:00"},
        {"id": "bad", "text": body, "published": "next Tuesday"},
        {"id": "none", "text": "青禾市水务局召开会议。"},
    ]
    folder = tmp_path / "2024" / "04" / "02"
    folder.mkdir(parents=True)
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    (folder / "x.jsonl").write_text(lines, encoding="utf-8")
    (tmp_path / "page.txt").write_text(body, encoding="utf-8")
    (tmp_path / "plain.txt").write_text("青禾市水务局召开会议。5月12日", encoding="utf-8")
    dates = {a.id: a.date for a in articles(tmp_path, date_field="published")}
    # The field wins, then the path (a bad field value leaves the article to it).
    assert dates["field"] == "2024-05-12"
    assert dates["bad"] == dates["none"] == "2024-04-02"
    assert dates["page.txt"] == "2024-03-01"  # the dateline
    assert dates["plain.txt"] == ""  # undated, whatever the file's time
    # Without the field option, the path dates every record of the file.
    assert {a.date for a in articles(folder / "x.jsonl")} == {"2024-04-02"}


def test_a_page_header_dates_every_article_of_the_page():
    page = (
        "04 县区新闻 2024年9月6日 星期五\n青禾市召开会议\n本报记者 温雨桐\n青禾市水务局召开会议。\n"
        "岚山区启动改造\n本报记者 程思远\n岚山区住房和城乡建设局启动老旧小区改造。\n"
    )
    found = list(read_inputs([page]))
    assert [a.title for a in found][-2:] == ["青禾市召开会议", "岚山区启动改造"]
    assert {a.date for a in found} == {"2024-09-06"}
