"""Entities, resolution and relations, through the public API, on articles we wrote."""

from __future__ import annotations

import pytest

import kg
from kg.io.records import Article
from kg.pipeline.nlp import make_pipeline

BUREAU_ARTICLE = """南通市生态环境局与江海港务集团有限公司签订党建共建协议
本报记者 王海燕
南通市生态环境局与江海港务集团有限公司签订党建共建协议，双方将在环境监测领域开展合作。
江海港务集团有限公司物流分公司党委书记李春来介绍，企业将配合做好监测工作。
南通市生态环境局崇川分局现场指导海联新材料有限公司完成在线监控设备改造；通州分局与南通热电厂、瑞丰化工有限公司就污染防治签订承诺书。
"""

DISTRICT_ARTICLE = """“一窗通办”让企业少跑腿
本报讯 记者陈晓东报道 绵阳市涪城区创新服务方式，开设线上线下“三张清单”。
打造“掌上办事”专区，推行“一窗通办”改革。
涪城区行政审批局率先推出“秒批秒办”服务。区公安分局将“平安守护”行动和“我为企业解难题”实践活动深度融合。
坚持“全心全意为人民服务”，用“红”色服务温暖群众。
"""

ZONE_ARTICLE = """潍坊市寿光市经济开发区管委会发布十条措施
本报讯 记者刘小川报道 寿光经济开发区管委会发布十条措施，支持企业扩大投资。
福建自贸试验区厦门片区试点“一照多址”，厦门片区还与海丰物流有限公司签署战略合作协议。
张明 摄
"""


@pytest.fixture(scope="module")
def graph():
    return kg.build_graph(
        [
            Article("bureau", BUREAU_ARTICLE),
            Article("district", DISTRICT_ARTICLE),
            Article("zone", ZONE_ARTICLE),
        ]
    )


def names(G, etype=None):
    return {d["name"] for _, d in G.nodes(data=True) if etype in (None, d["type"])}


def edges(G, relation=None):
    return {
        (G.nodes[u]["name"], k, G.nodes[v]["name"])
        for u, v, k in G.edges(keys=True)
        if relation in (None, k)
    }


def test_organisations_are_found_whole(graph):
    orgs = names(graph, "ORG")
    assert {
        "南通市生态环境局",
        "江海港务集团有限公司",
        "江海港务集团有限公司物流分公司",
        "南通市生态环境局崇川分局",
        "海联新材料有限公司",
        "南通热电厂",
        "瑞丰化工有限公司",
        "涪城区行政审批局",
    } <= orgs


def test_short_branch_resolves_to_its_full_name_and_keeps_the_alias(graph):
    nodes = {d["name"]: d for _, d in graph.nodes(data=True)}
    assert "南通市生态环境局通州分局" in nodes
    assert "通州分局" in nodes["南通市生态环境局通州分局"]["aliases"].split("|")
    assert "通州分局" not in names(graph)


def test_districts_take_their_full_names_and_cities(graph):
    places = names(graph, "GPE")
    assert {"绵阳市", "涪城区", "南通市"} <= places
    assert ("涪城区", "located_in", "绵阳市") in edges(graph)


def test_quoted_programmes_keep_their_heads_and_skip_slogans(graph):
    programmes = names(graph, "PROGRAMME")
    assert "“一窗通办”改革" in programmes
    assert "“三张清单”" in programmes
    assert not any("全心全意" in p for p in programmes)
    assert not any(p.strip("“”") == "红" for p in programmes)


def test_numbered_measures_are_programmes(graph):
    assert "十条措施" in names(graph, "PROGRAMME")


def test_persons_from_bylines_credits_and_posts(graph):
    assert {"王海燕", "陈晓东", "刘小川", "张明", "李春来"} <= names(graph, "PERSON")


def test_names_state_part_of_and_located_in(graph):
    found = edges(graph)
    assert ("江海港务集团有限公司物流分公司", "part_of", "江海港务集团有限公司") in found
    assert ("南通市生态环境局崇川分局", "part_of", "南通市生态环境局") in found
    assert ("涪城区行政审批局", "located_in", "涪城区") in found


def test_sentences_state_partners_runs_supervises_works_for(graph):
    found = edges(graph)
    pair = {
        ("南通市生态环境局", "江海港务集团有限公司"),
        ("江海港务集团有限公司", "南通市生态环境局"),
    }
    assert any((a, "partners_with", b) in found for a, b in pair)
    assert ("南通市生态环境局通州分局", "partners_with", "南通热电厂") in found or (
        "南通热电厂",
        "partners_with",
        "南通市生态环境局通州分局",
    ) in found
    assert ("南通市生态环境局崇川分局", "supervises", "海联新材料有限公司") in found
    assert ("涪城区行政审批局", "runs", "“秒批秒办”") in found
    assert ("李春来", "works_for", "江海港务集团有限公司物流分公司") in found


def test_zero_subject_inherits_the_acting_subject(graph):
    # "打造……，推行“一窗通办”改革" has no subject: the district opened the article.
    assert ("涪城区", "runs", "“一窗通办”改革") in edges(graph)


def test_reporters_are_not_subjects(graph):
    people = names(graph, "PERSON")
    assert not any(h in people for h, rel, _ in edges(graph) if rel != "works_for")


def test_every_edge_has_evidence_article_and_confidence(graph):
    for _, _, data in graph.edges(data=True):
        assert data["evidence"] and data["article"] in {"bureau", "district", "zone"}
        assert 0 < data["confidence"] <= 1 and data["count"] >= 1
        assert data["evidences"][0]["sentence"] == data["evidence"]


def test_no_cooccurrence_edges_by_default_and_on_request():
    article = Article("a", "南通市生态环境局与江海港务集团有限公司代表在崇川区座谈。")
    plain = kg.build_graph([article])
    assert "co_occurs" not in {k for _, _, k in plain.edges(keys=True)}
    with_co = kg.build_graph([article], cooccurrence=True)
    assert "co_occurs" in {k for _, _, k in with_co.edges(keys=True)}


def test_same_short_form_in_two_cities_stays_apart():
    a = Article("a", "南通市生态环境局开发区分局检查企业。开发区分局推出“绿色驿站”。")
    b = Article("b", "绵阳市生态环境局开发区分局检查企业。开发区分局推出“蓝天课堂”。")
    G = kg.build_graph([a, b])
    branches = {n for n in names(G, "ORG") if n.endswith("开发区分局")}
    assert branches == {"南通市生态环境局开发区分局", "绵阳市生态环境局开发区分局"}
    found = edges(G, "runs")
    assert ("南通市生态环境局开发区分局", "runs", "“绿色驿站”") in found
    assert ("绵阳市生态环境局开发区分局", "runs", "“蓝天课堂”") in found


def test_common_words_are_not_places():
    G = kg.build_graph([Article("a", "双方在港口合作方面达成共识，城区面貌焕然一新。")])
    assert names(G, "GPE") == set()


def test_party_committee_short_and_long_forms_are_one_node():
    G = kg.build_graph(
        [Article("a", "中共泉州市委召开会议。泉州市委、市政府制定方案，推进“数字泉州”建设。")]
    )
    orgs = names(G, "ORG")
    assert "中共泉州市委" in orgs and "泉州市委" not in orgs
    assert "泉州市人民政府" in orgs


def test_components_are_configurable():
    nlp = make_pipeline(config={"kg_entities": {"programmes": False}})
    doc = nlp("南通市崇川区推出“一窗通办”改革。")
    assert {e.label_ for e in doc.ents} == {"GPE"}
    assert nlp.pipe_names == ["kg_entities", "kg_resolve", "kg_relations"]
    assert make_pipeline(disable=["kg_relations"]).pipe_names == ["kg_entities", "kg_resolve"]


def test_entity_spans_carry_rule_and_canonical_extensions():
    nlp = make_pipeline()
    doc = nlp("南通市生态环境局崇川分局检查企业。崇川分局推出“绿色驿站”。")
    short = [e for e in doc.ents if e.text == "崇川分局"]
    assert short and short[0]._.canonical == "南通市生态环境局崇川分局"
    assert all(e._.rule for e in doc.ents)


def test_raw_text_and_paths_both_work(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("南通市生态环境局与江海港务集团有限公司签订合作协议。", encoding="utf-8")
    from_path = kg.build_graph([path])
    from_text = kg.build_graph(["南通市生态环境局与江海港务集团有限公司签订合作协议。"])
    assert names(from_path) == names(from_text)


def test_align_splits_tokens_and_keeps_sentences():
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    from kg.pipeline.entities import align

    words = ["江川市水务局局长", "说", "。", "东港分局", "成立", "。"]
    doc = Doc(
        Vocab(),
        words=words,
        spaces=[False] * len(words),
        tags=["ORG", "v", "w", "ORG", "v", "w"],
        sent_starts=[True, False, False, True, False, False],
    )
    split = align(doc, {3, 6, 12})  # 江川市|水务局|局长, 东港|分局
    assert [t.text for t in split] == [
        "江川市",
        "水务局",
        "局长",
        "说",
        "。",
        "东港",
        "分局",
        "成立",
        "。",
    ]
    assert [t.tag_ for t in split][:3] == ["ORG"] * 3
    assert [s.text for s in split.sents] == ["江川市水务局局长说。", "东港分局成立。"]
    assert split.text == doc.text


def test_corpus_resolution_reads_mentions_or_their_counts_alike():
    from kg.io.records import Mention
    from kg.pipeline.merge import count_names, places_named, resolve_corpus, resolve_names

    def mention(article, text, type_, canonical=None):
        return Mention(article, 0, len(text), text, type_, canonical or text, text)

    full = "江川市水务局东港分局"
    mentions = [
        mention("a", full, "ORG"),
        mention("a", "东港分局", "ORG", full),
        mention("b", "东港分局", "ORG"),  # another article that never names it in full
        mention("b", "东港分局", "ORG"),
        mention("b", "江川市", "GPE"),
        mention("c", "“一网通办”改革", "PROGRAMME"),
        mention("d", "一网通办", "PROGRAMME"),
    ]
    mapping, entities = resolve_corpus(mentions)
    assert (mapping, entities) == resolve_names(count_names(mentions))
    by_name = {e.name: e for e in entities}
    branch = by_name[full]
    assert branch.mentions == 4 and branch.articles == {"a", "b"}
    assert "东港分局" in branch.aliases
    assert mapping[("ORG", "东港分局")] == full
    programme = mapping[("PROGRAMME", "一网通办")]
    assert mapping[("PROGRAMME", "“一网通办”改革")] == programme
    assert by_name[programme].mentions == 2
    assert places_named(mentions) >= {"江川市"}


def test_a_paper_and_its_publisher_are_one_node():
    from kg.pipeline.merge import resolve_names

    counts = {
        ("ORG", "鹤川日报", "鹤川日报"): {"a": 2},
        ("ORG", "鹤川日报社", "鹤川日报社"): {"b": 1},
        ("ORG", "鹤川晚报", "鹤川晚报"): {"c": 1},  # no 鹤川晚报社 in the corpus: stays
    }
    mapping, entities = resolve_names(counts)
    assert mapping[("ORG", "鹤川日报")] == "鹤川日报社"
    assert mapping[("ORG", "鹤川晚报")] == "鹤川晚报"
    paper = next(e for e in entities if e.name == "鹤川日报社")
    assert paper.mentions == 3 and "鹤川日报" in paper.aliases


def test_a_quoted_core_and_the_longer_core_it_starts_in_one_article_are_one_programme():
    from kg.pipeline.merge import resolve_names

    counts = {
        ("PROGRAMME", "“一网通”改革", "“一网通”改革"): {"a": 3},
        ("PROGRAMME", "“一网通办”", "“一网通办”"): {"a": 1},
        ("PROGRAMME", "“清风行动”", "“清风行动”"): {"b": 1},
        ("PROGRAMME", "“清风行动计划”", "“清风行动计划”"): {"c": 1},  # another article
    }
    mapping, _ = resolve_names(counts)
    assert mapping[("PROGRAMME", "“一网通”改革")] == mapping[("PROGRAMME", "“一网通办”")]
    assert mapping[("PROGRAMME", "“清风行动”")] != mapping[("PROGRAMME", "“清风行动计划”")]


def test_a_bare_body_of_a_level_is_never_another_articles_body():
    from kg.pipeline.merge import resolve_names

    counts = {
        ("ORG", "安徽省政协", "省政协"): {"a": 1},
        ("ORG", "省政协", "省政协"): {"b": 1},  # an article that names no province
        ("ORG", "东港分局", "东港分局"): {"c": 1},
        ("ORG", "江川市水务局东港分局", "江川市水务局东港分局"): {"d": 1},
    }
    mapping, _ = resolve_names(counts)
    assert mapping[("ORG", "省政协")] == "省政协"
    assert mapping[("ORG", "东港分局")] == "江川市水务局东港分局"


def test_quoted_campaigns_loan_products_and_listed_quotes_are_programmes():
    G = kg.build_graph(
        [
            "今年以来，江川市水务局开展了“净水行动”，并全面推行“河长制”。"
            "江川农商银行东港支行推出“渔家贷”“养殖贷”两款产品。"
        ]
    )
    programmes = names(G, "PROGRAMME")
    assert {"“净水行动”", "“河长制”", "“渔家贷”", "“养殖贷”"} <= {
        f"“{n.strip('“”')}”" for n in programmes
    }


def test_surname_with_post_or_form_of_address_is_no_person():
    G = kg.build_graph(
        [
            "江川市水务局局长陶建新介绍了情况。陶局长表示，将加快进度。"
            "家住东港街道的许女士说，现在办事方便多了。"
        ]
    )
    persons = names(G, "PERSON")
    assert "陶建新" in persons
    assert not persons & {"陶局长", "许女士"}


def test_party_committee_posts_and_government_posts():
    G = kg.build_graph(
        [
            "岳池县委书记唐志远、广安市副市长蒋明出席活动。"
            "城关镇党委书记何丽介绍，全镇已建成示范点12个。"
        ]
    )
    works = {(head, tail) for head, _, tail in edges(G, "works_for")}
    assert ("唐志远", "中共岳池县委") in works
    assert ("何丽", "城关镇党委") in works
    # The city's government is not named: the deputy mayor works for the city itself.
    assert ("蒋明", "广安市") in works
    assert "ORG:广安市人民政府" not in G


def test_a_named_government_keeps_its_post_holder_and_a_short_alias():
    G = kg.build_graph(
        ["广安市岳池县人民政府与蜀道物流集团有限公司签署合作协议。岳池县副县长周燕出席。"]
    )
    node = next(n for n, d in G.nodes(data=True) if d["name"] == "广安市岳池县人民政府")
    assert "岳池县人民政府" in G.nodes[node]["aliases"].split("|")
    assert G.has_edge("PERSON:周燕", node)


def test_bank_legal_form_bare_bodies_and_guidance():
    G = kg.build_graph(
        [
            "江川市水务局与蓝湾银行股份有限公司江川分行签署合作协议。"
            "蓝湾银行江川分行行长林海表示，将加大信贷投放。"
            "蓝湾航运集团有限公司当天也参加了签约。“我们缺少专业人手。”集团副总经理邹凯坦言。"
            "在江川市生态环境局的指导下，东港区启动了“无废港区”建设。"
        ]
    )
    node_of = {d["name"]: n for n, d in G.nodes(data=True)}
    assert "蓝湾银行江川分行" in node_of and "蓝湾银行股份有限公司江川分行" not in node_of
    branch = node_of["蓝湾银行江川分行"]
    assert "蓝湾银行股份有限公司江川分行" in G.nodes[branch]["aliases"].split("|")
    found = edges(G)
    assert ("林海", "works_for", "蓝湾银行江川分行") in found
    assert ("邹凯", "works_for", "蓝湾航运集团有限公司") in found
    assert ("江川市生态环境局", "supervises", "东港区") in found


def test_towns_speakers_pledges_and_the_subject_next_to_the_verb():
    G = kg.build_graph(
        [
            "今年以来，岳池县在九龙镇、坪滩镇建设高标准农田2万亩。"
            "岳池县农业农村局相关负责人表示，将在全县开展“护田行动”。"
            "县长周燕说，这是岳池县推进“数字乡村”建设的重要一步。"
        ]
    )
    found = edges(G)
    assert ("九龙镇", "located_in", "岳池县") in found
    assert ("坪滩镇", "located_in", "岳池县") in found
    assert ("岳池县农业农村局", "runs", "“护田行动”") in found
    assert ("岳池县", "runs", "“数字乡村”") in found


def test_a_school_with_two_fields_is_one_name_and_a_party_post_holder_also_governs():
    G = kg.build_graph(
        [
            "江川大学食品与生物工程学院与蓝湾航运集团有限公司共建实训基地。"
            "东港区委副书记、区长方敏出席活动。"
        ]
    )
    found_names = names(G)
    assert "江川大学食品与生物工程学院" in found_names and "生物工程学院" not in found_names
    found = edges(G)
    assert ("方敏", "works_for", "中共东港区委") in found
    assert ("方敏", "works_for", "东港区") in found


def test_bank_short_names_subsidiaries_and_group_brands():
    G = kg.build_graph(
        [
            "江川市蓝湾食品集团有限公司与中国农业银行江川分行签署合作协议。"
            "农行江川分行将提供授信。蓝湾集团旗下的江川蓝湾冷链物流有限公司负责配送。"
            "蓝湾集团还将通过其全资子公司江川蓝湾果业有限公司扩大种植。"
        ]
    )
    found_names = names(G)
    assert "农行江川分行" not in found_names and "蓝湾集团" not in found_names
    found = edges(G)
    group = "江川市蓝湾食品集团有限公司"
    assert ("江川蓝湾冷链物流有限公司", "part_of", group) in found
    assert ("江川蓝湾果业有限公司", "part_of", group) in found


def test_division_bureaus_labs_and_a_branch_named_after_a_place_read_like_a_verb():
    G = kg.build_graph(
        [
            "大庆市市场监督管理局在全市开展检查。市市场监管局让胡路分局和萨尔图分局同步推进。"
            "黑龙江省市场监督管理局食品生产安全监督管理处副处长郭明带队督导。"
        ]
    )
    found_names = names(G)
    assert "大庆市市场监督管理局让胡路分局" in found_names
    assert "大庆市市场监督管理局萨尔图分局" in found_names
    assert "黑龙江省市场监督管理局食品生产安全监督管理处" in found_names


def test_every_signatory_of_a_three_way_agreement_partners_with_the_others():
    G = kg.build_graph(
        [
            "江川市水务局、东港区人民政府与蓝湾航运集团有限公司签署合作协议。"
            "目前，海川化工、蓝湾物流等12家企业已与江川市水务局签订承诺书。"
        ]
    )
    pairs = {frozenset((head, tail)) for head, _, tail in edges(G, "partners_with")}
    signatories = ("江川市水务局", "东港区人民政府", "蓝湾航运集团有限公司")
    for i, a in enumerate(signatories):
        for b in signatories[i + 1 :]:
            assert frozenset((a, b)) in pairs
    assert not any("海川化工" in p and "蓝湾物流" in p for p in map("".join, pairs))


def test_an_inspection_supervises_the_places_and_bodies_it_visits():
    G = kg.build_graph(
        [
            "10月22日，江川市生态环境局督察组到东港区检查指导，先后来到江川经济开发区和蓝湾化工有限公司。"
        ]
    )
    found = edges(G)
    assert ("江川市生态环境局", "supervises", "东港区") in found
    assert ("江川市生态环境局", "supervises", "蓝湾化工有限公司") in found


def test_a_district_name_two_cities_share_takes_the_city_the_article_names():
    G = kg.build_graph(
        ["9月3日，定西市安定区人民政府与甘肃省农业科学院签署合作协议。安定区将共建种业基地。"]
    )
    found = edges(G)
    assert ("安定区", "located_in", "定西市") in found


def test_joint_actors_and_a_subsidiary_subject_run_the_programme():
    G = kg.build_graph(
        [
            "江川市水务局东港分局联合东港区农业农村局、东港区应急管理局开展“清河护岸”专项行动。"
            "蓝湾集团旗下的江川蓝湾物流有限公司还将与园区企业开展“一单制”联运试点。"
        ]
    )
    runs = {(head, tail) for head, _, tail in edges(G, "runs")}
    action = "“清河护岸”专项行动"
    for body in ("江川市水务局东港分局", "东港区农业农村局", "东港区应急管理局"):
        assert (body, action) in runs
    assert ("江川蓝湾物流有限公司", "“一单制”联运试点") in runs
    assert ("蓝湾集团", "“一单制”联运试点") not in runs


def test_a_copula_never_joins_names_and_a_brand_with_its_trade_is_a_short_form():
    G = kg.build_graph(
        [
            "位于龙海区的漳州兴和食品集团有限公司获得贷款。兴和食品董事长陈美琳介绍，企业扩建了冷链。"
            "北垦乳业是大庆高新区引进的重点企业。"
        ]
    )
    assert not [n for n in names(G) if "是" in n]
    found = edges(G)
    assert ("陈美琳", "works_for", "漳州兴和食品集团有限公司") in found


def test_a_place_right_before_a_programme_runs_it():
    G = kg.build_graph(["这标志着东港区“一网通办”改革迈入新阶段。"])
    runs = {(head, tail) for head, _, tail in edges(G, "runs")}
    assert any(head == "东港区" and "一网通办" in tail for head, tail in runs)


def test_an_inspection_team_acts_for_the_body_that_led_it():
    G = kg.build_graph(
        [
            "江川市水务局开展专项检查。7月16日，东港区应急管理局副局长郭明带队，对全区化工企业进行督导。"
            "督导组先后来到蓝湾化工有限公司和海川材料有限公司。"
        ]
    )
    found = edges(G)
    assert ("东港区应急管理局", "supervises", "蓝湾化工有限公司") in found
    assert ("江川市水务局", "supervises", "蓝湾化工有限公司") not in found


def test_a_group_named_after_a_district_written_in_full_is_located_in_it():
    G = kg.build_graph(["7月1日，吉林市船营区紧密型城市医疗集团揭牌成立。"])
    found = edges(G)
    assert ("吉林市船营区紧密型城市医疗集团", "located_in", "船营区") in found


def test_a_city_bank_short_form_is_the_branch_the_article_names():
    G = kg.build_graph(
        ["中国农业银行江川分行与江川市政府签署协议。市农行将加大对小微企业的信贷投放。"]
    )
    branch = next(d for _, d in G.nodes(data=True) if d["name"] == "中国农业银行江川分行")
    assert "农行" in branch["aliases"].split("|")
    assert "农行" not in names(G)


def test_dated_articles_date_nodes_edges_and_evidence(tmp_path):
    deal = "青禾市水务局与澄江航运有限公司签订水环境保护合作协议。"
    G = kg.build_graph(
        [
            Article("may", f"签约\n{deal}", date="2024-05-12"),
            Article("march", f"签约\n{deal}", date="2024-03-01"),
            Article("undated", f"又讯\n{deal}青禾市商务局与岚山科技股份有限公司签约。"),
        ]
    )
    bureau = G.nodes["ORG:青禾市水务局"]
    assert (bureau["first_seen"], bureau["last_seen"]) == ("2024-03-01", "2024-05-12")
    assert "first_seen" not in G.nodes["ORG:青禾市商务局"]  # named by an undated article only
    edge = G.edges["ORG:澄江航运有限公司", "ORG:青禾市水务局", "partners_with"]
    assert (edge["first"], edge["last"]) == ("2024-03-01", "2024-05-12")
    assert [(e["article"], e["date"]) for e in edge["evidences"]] == [
        ("march", "2024-03-01"),
        ("may", "2024-05-12"),
        ("undated", ""),
    ]
    other = G.edges["ORG:岚山科技股份有限公司", "ORG:青禾市商务局", "partners_with"]
    assert "first" not in other and other["evidences"][0]["date"] == ""
    kg.write(G, tmp_path)
    H = kg.read_graph(tmp_path / "graph.graphml")  # scalars: the span, not the evidence
    assert H.edges[("ORG:澄江航运有限公司", "ORG:青禾市水务局", "partners_with")]["last"] == (
        "2024-05-12"
    )
    assert H.nodes["ORG:青禾市水务局"]["first_seen"] == "2024-03-01"


def test_an_undated_corpus_has_no_dates():
    G = kg.build_graph([Article("x", "签约\n青禾市水务局与澄江航运有限公司签订合作协议。")])
    assert G.number_of_edges()
    assert not any("first_seen" in d for _, d in G.nodes(data=True))
    for _, _, d in G.edges(data=True):
        assert "first" not in d and all("date" not in e for e in d["evidences"])
