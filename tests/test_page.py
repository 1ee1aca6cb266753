"""A newspaper page is split into its articles; furniture and repeats are dropped."""

from __future__ import annotations

from kg.io.ingest import is_byline, is_credit, split_page

PAGE = """江川市水务局与蓝湾航运签订合作协议 共护碧水清流

本报记者 林晓舟

江川市水务局与蓝湾航运集团有限公司日前签订水环境保护合作协议，双方将在船舶污水收集、港区水质监测等方面开展合作。

根据协议，水务局将派出技术人员定期指导企业开展水质检测，企业则开放码头监测点位，共享监测数据。

工作人员在码头采集水样。
 周明远 摄

东港区开设“企业服务日” 为民营企业解难题

本报讯 记者林晓舟报道 江川市东港区创新服务方式，开设“企业服务日”，每月固定一天集中受理企业诉求。

今年以来，东港区已为企业解决用地、用工、融资等难题86件，企业满意度明显提升。

根据协议，水务局将派出技术人员定期指导企业开展水质检测，企业则开放码头监测点位，共享监测数据。

■ 区县快讯

西湖区推出“邻里议事厅”

本报讯 西湖区推出“邻里议事厅”议事机制，由社区居民代表、物业和辖区单位共同协商解决小区停车难、加装电梯等问题。

截至目前，全区已建成议事厅32个，协商解决问题140余件。 赵雨晴 本报记者 林晓舟
"""


def test_page_splits_at_headlines_followed_by_bylines():
    articles = split_page(PAGE, source="page.txt")
    assert [a.id for a in articles] == ["page.txt#1", "page.txt#2", "page.txt#3"]
    assert articles[0].title.startswith("江川市水务局与蓝湾航运签订合作协议")
    assert articles[1].title.startswith("东港区开设“企业服务日”")
    assert articles[2].title == "西湖区推出“邻里议事厅”"


def test_paragraph_printed_twice_counts_once_in_the_article_it_belongs_to():
    articles = split_page(PAGE, source="page.txt")
    repeated = "根据协议，水务局将派出技术人员定期指导企业开展水质检测"
    holders = [a.id for a in articles if repeated in a.text]
    assert holders == ["page.txt#1"]


def test_column_labels_are_dropped_and_credits_kept():
    articles = split_page(PAGE, source="page.txt")
    assert not any("■" in a.text for a in articles)
    assert "周明远 摄" in articles[0].text


def test_single_article_keeps_its_source_as_id():
    articles = split_page("江川市推出“一网通办”。\n全市政务服务实现一网通办。", source="a.txt")
    assert [a.id for a in articles] == ["a.txt"]


def test_bylines_and_credits_are_recognised():
    assert is_byline("本报记者 林晓舟")
    assert is_byline("本报特约记者 林晓舟")
    assert is_byline("记者 林晓舟 通讯员 周明远")
    assert not is_byline("记者从江川市水务局获悉，全市水质持续向好。")
    assert is_credit("周明远 摄")
    assert not is_credit("摄影展在江川市开幕")


def test_page_builds_persons_from_bylines_and_credits():
    import kg

    G = kg.build_graph([PAGE])
    people = {d["name"] for _, d in G.nodes(data=True) if d["type"] == "PERSON"}
    assert {"林晓舟", "周明远", "赵雨晴"} <= people
