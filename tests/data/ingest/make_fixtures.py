"""Write the ingest fixtures of this folder (run once; the files are committed).

Every text is invented. The same short article is written in each encoding so that the
tests can compare what ingest reads from each file with the original.

    /work/venv/bin/python tests/data/ingest/make_fixtures.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

ARTICLE = (
    "江川市水务局与蓝湾航运集团有限公司签订合作协议\n"
    "本报记者 林晓舟\n"
    "本报讯 江川市水务局与蓝湾航运集团有限公司日前签订合作协议。"
    "双方将在杭州市开展“一河一策”试点。\n"
    "杭州市生态环境局副局长王建国出席签约仪式。\n"
)
TRADITIONAL = (
    "杭州市環境保護局與藍灣航運集團有限公司簽訂合作協議。雙方將在杭州市開展「一河一策」試點工作。\n"
)
# Two short forms of the same length (澄湖港务, 港务集团) that overlap in one mention.
SHORT_FORMS = (
    "澄湖港务股份有限公司位于杭州市。杭州市港务集团有限公司与南京市商务局签订合作协议。"
    "南京市生态环境局督查澄湖港务集团有限公司落实环保整改情况，发现问题81项。\n"
)
RECORDS = [
    {"id": "r1", "title": "签约", "text": "江川市水务局与蓝湾航运集团有限公司签订合作协议。"},
    {"id": "r2", "text": "青禾数据有限公司与杭州市商务局签署战略合作协议。"},
]


def mixed_endings(text: str) -> str:
    """The lines of ``text`` ended by \\r\\n, \\r and \\n in turn."""
    lines = text.split("\n")
    ends = ["\r\n", "\r", "\n"]
    return "".join(line + ends[i % 3] for i, line in enumerate(lines[:-1])) + lines[-1]


def main() -> None:
    files = {
        "utf8.txt": ARTICLE.encode("utf-8"),
        "utf8-bom.txt": b"\xef\xbb\xbf" + ARTICLE.encode("utf-8"),
        "utf16le-bom.txt": b"\xff\xfe" + ARTICLE.encode("utf-16-le"),
        "utf16be-bom.txt": b"\xfe\xff" + ARTICLE.encode("utf-16-be"),
        "gbk.txt": ARTICLE.encode("gbk"),
        "gb18030.txt": (ARTICLE + "䶮字与𠀀字只有GB18030才能编码。\n").encode("gb18030"),
        "mixed-endings.txt": mixed_endings(ARTICLE).encode("utf-8"),
        "traditional.txt": TRADITIONAL.encode("utf-8"),
        "short-forms.txt": SHORT_FORMS.encode(),
        "traditional-big5.txt": TRADITIONAL.encode("big5"),
        "fullwidth.txt": (
            "ＡＢＣ数据有限公司与江川市水务局签订合作协议，合同编号２０２４－００７。\n"
        ).encode(),
        "controls.txt": (
            "蓝湾航\u200b运集团\x07有限公司与江川市\ufeff水务局\x1b签订合作协议。\x0c\n"
        ).encode("utf-8"),
        "empty.txt": b"",
        "blank.txt": " \n\t\r\n\u3000\n".encode("utf-8"),
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "records.jsonl": "\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS).encode(),
        "malformed.jsonl": (
            json.dumps(RECORDS[0], ensure_ascii=False) + "\n\n" + '{"id": "r3", "text": "未闭合\n'
        ).encode("utf-8"),
        "surrogates.jsonl": (
            '{"id": "s1", "text": "\\ud800江川市水务局与蓝湾航运集团有限公司签订合作协议。\\udfff"}\n'
        ).encode(),
        "no-text-column.csv": "id,body\n1,江川市水务局与蓝湾航运集团有限公司签订合作协议。\n".encode(),
        "ragged.csv": (
            "id,text,title\n"
            "1,江川市水务局与蓝湾航运集团有限公司签订合作协议。\n"
            "2,青禾数据有限公司与杭州市商务局签署战略合作协议。,签约,多余,字段\n"
        ).encode(),
        "short-row.csv": "id,text\n1,江川市水务局与蓝湾航运集团有限公司签订合作协议。\n2\n".encode(),
        "multiline.csv": (
            'id,text\n1,"江川市水务局与蓝湾航运集团有限公司\n签订合作协议。"\n2\n'
        ).encode(),
    }
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    folder = HERE / "folder"
    folder.mkdir(exist_ok=True)
    (folder / "good.txt").write_bytes(ARTICLE.encode("utf-8"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(files["binary.txt"])
    (folder / "ignored.bin").write_bytes(b"\x00\x01")


if __name__ == "__main__":
    main()
