"""Adversarial probe for the worst failures: an answer from the wrong place, or a wrong amount.

About 440 labelled cases (570 turns): every spelling of every covered place (districts, pinyin,
traditional characters, negations, street numbers, 文号) crossed with common topics, places without
policies (counties, regions, other cities), and 2–3-turn conversations that switch place or topic. Each
case says, as judged by a person, which policies may be cited or that the question must be refused; every
answer is then checked for citations outside that set, amounts that are neither in a cited clause nor
produced by the calculator, calculation bases the user never gave, and quotes not in their clause.

    .venv/bin/python evals/place_probe.py            # writes evals/place_probe.md
    .venv/bin/python evals/place_probe.py --check    # exit 1 on any severe finding (CI)
    .venv/bin/python evals/place_probe.py --json /tmp/findings.json --verbose

Grounded mode (no LLM) on the built index (``index build`` first).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assistant.app import Assistant
from assistant.chain import AnswerChain
from assistant.followup import Turn
from assistant.guard import numbers_in
from assistant.settings import Settings

REPORT = Path(__file__).with_name("place_probe.md")
AS_OF = date(2026, 11, 25)

# ---------------------------------------------------------------- expectations
SZ_CITY = {"suzhou-2020-172", "suzhou-2020-120"}
JS_PROV = {"jiangsu-platform"}
SZA = {"suzhou-anhui-2021"}
LA = {"luan-draft"}
ALL = SZ_CITY | JS_PROV | SZA | LA


@dataclass
class Expect:
    """What the user actually asked about (judged by a human, not by the system's detector)."""

    label: str
    allowed: set[str] = field(default_factory=set)  # policies that may be cited
    soft: set[str] = field(default_factory=set)  # citable but worth a low-severity note
    refuse: bool = False  # the place has no policy: should be refused (or at least not answered)
    any_place: bool = False  # no place named: anything goes


E_SZ = Expect("苏州(江苏)", SZ_CITY | JS_PROV)
E_SZA = Expect("宿州(安徽)", SZA)
E_LA = Expect("六安(安徽)", LA)
E_JS = Expect("江苏省", JS_PROV, soft=SZ_CITY)
E_AH = Expect("安徽省", SZA | LA)
E_SZ_OR_SZA = Expect("Suzhou(两者)", SZ_CITY | JS_PROV | SZA)
E_ANY = Expect("未指明地点", ALL, any_place=True)


def E_NONE(name: str, province: str | None = None) -> Expect:
    soft = JS_PROV if province == "江苏" else set()
    return Expect(f"无政策地区:{name}", set(), soft=soft, refuse=True)


# place variants → expectation
PLACES: dict[str, Expect] = {
    # 苏州 (Jiangsu)
    "苏州": E_SZ,
    "苏州市": E_SZ,
    "江苏苏州": E_SZ,
    "昆山": E_SZ,
    "常熟": E_SZ,
    "张家港": E_SZ,
    "太仓": E_SZ,
    "吴江区": E_SZ,
    "相城区": E_SZ,
    "姑苏区": E_SZ,
    "吴中区": E_SZ,
    "吴中": E_SZ,
    "苏州工业园区": E_SZ,
    "虎丘": E_SZ,
    "蘇州": E_SZ,
    "Suzhou Jiangsu": E_SZ,
    "Suzhou, Jiangsu": E_SZ,
    "Su Zhou": E_SZ_OR_SZA,
    "Kunshan": E_SZ,
    "姑苏": E_SZ,  # bare "Su Zhou": both, by design
    # 宿州 (Anhui)
    "宿州": E_SZA,
    "宿州市": E_SZA,
    "安徽宿州": E_SZA,
    "砀山": E_SZA,
    "萧县": E_SZA,
    "灵璧": E_SZA,
    "泗县": E_SZA,
    "埇桥区": E_SZA,
    "甬桥区": E_SZA,
    "Suzhou Anhui": E_SZA,
    "Suzhou, Anhui": E_SZA,
    "Dangshan": E_SZA,
    "宿州高新区": E_SZA,
    # 六安 (Anhui)
    "六安": E_LA,
    "六安市": E_LA,
    "金寨": E_LA,
    "霍山": E_LA,
    "霍邱": E_LA,
    "舒城": E_LA,
    "裕安区": E_LA,
    "金安区": E_LA,
    "叶集": E_LA,
    "Lu'an": E_LA,
    "Lu’an": E_LA,
    "Luan": E_LA,
    "Lu An": E_LA,
    "Liuan": E_LA,
    "皖西六安": E_LA,
    # provinces
    "江苏": E_JS,
    "江苏省": E_JS,
    "Jiangsu": E_JS,
    "安徽": E_AH,
    "安徽省": E_AH,
    "Anhui": E_AH,
    # uncovered cities / counties
    "无锡": E_NONE("无锡", "江苏"),
    "南京": E_NONE("南京", "江苏"),
    "合肥": E_NONE("合肥"),
    "杭州": E_NONE("杭州"),
    "北京": E_NONE("北京"),
    "宿迁": E_NONE("宿迁", "江苏"),
    "淮北": E_NONE("淮北"),
    "江阴": E_NONE("江阴", "江苏"),
    "义乌": E_NONE("义乌"),
    "宜兴": E_NONE("宜兴", "江苏"),
    "常州": E_NONE("常州", "江苏"),
    "蚌埠": E_NONE("蚌埠"),
    "亳州": E_NONE("亳州"),
    "上海": E_NONE("上海"),
    "深圳": E_NONE("深圳"),
    "寿县": E_NONE("寿县"),
    "肥西": E_NONE("肥西"),
    "濉溪": E_NONE("濉溪"),
    "泗洪": E_NONE("泗洪", "江苏"),
    "沭阳": E_NONE("沭阳", "江苏"),
    "溧阳": E_NONE("溧阳", "江苏"),
    "如皋": E_NONE("如皋", "江苏"),
    "Wuxi": E_NONE("Wuxi", "江苏"),
    "Huaibei": E_NONE("Huaibei"),
    "Suqian": E_NONE("Suqian", "江苏"),
    "Hefei": E_NONE("Hefei"),
    "Nanjing": E_NONE("Nanjing", "江苏"),
    "苏北": E_NONE("苏北", "江苏"),
    "宿松": E_NONE("宿松"),
    "六合": E_NONE("六合", "江苏"),
}

# topics: question stem, keywords the clause behind an amount should contain
TOPICS: list[tuple[str, tuple[str, ...]]] = [
    ("上云补贴多少？", ("上云", "云")),
    ("设备购置补贴多少？", ("设备",)),
    ("标识解析二级节点奖励多少？", ("标识解析",)),
    ("智能制造示范工厂奖励多少？", ("示范工厂", "智能工厂", "智能制造")),
    ("项目贷款贴息多少？", ("贴息", "贷款")),
    ("工业互联网平台奖励多少？", ("平台",)),
    ("两化融合贯标奖励多少？", ("贯标", "两化")),
    ("网络安全服务奖励多少？", ("安全",)),
    ("5G+工业互联网示范项目奖励多少？", ("5G", "示范")),
    ("智能制造诊断服务补贴多少？", ("诊断",)),
    ("研发投资奖励多少？", ("研发",)),
    ("数字化车间奖励多少？", ("车间",)),
    ("工业软件销售奖励多少？", ("软件",)),
    ("工业互联网政策现在还有效吗？", ()),
]
TOPIC_KW = dict(TOPICS)
FRAMES = ["{p}{t}", "我是{p}的企业，{t}", "请问在{p}，{t}", "{p}那边{t}"]


# ---------------------------------------------------------------- cases
@dataclass
class Case:
    name: str
    turns: list[str]
    expects: list[Expect | None]  # per user turn; None = don't judge
    topic_kw: tuple[str, ...] = ()  # for the last turn
    group: str = ""


def single_cases() -> list[Case]:
    rng = random.Random(7)
    out = []
    for p, exp in PLACES.items():
        topics = rng.sample(TOPICS, 3)
        for i, (t, kw) in enumerate(topics):
            frame = FRAMES[(i + len(p)) % len(FRAMES)]
            if re.search(r"[A-Za-z]", p) and frame == "{p}{t}":
                frame = "{p} {t}"
            q = frame.format(p=p, t=t)
            out.append(Case(f"single:{p}", [q], [exp], kw, group="single-template"))
    hand = [
        ("我们是无锡的企业，在苏州有分厂，上云补贴多少？", E_SZ, ("上云",)),
        ("我们总部在宿州，苏州只有个办事处，设备购置补贴多少？", E_SZA, ("设备",)),
        ("不是苏州，是宿州，上云补贴多少？", E_SZA, ("上云",)),
        ("不是宿州，是苏州，上云补贴多少？", E_SZ, ("上云",)),
        ("我说的是安徽宿州不是江苏苏州，设备补贴多少？", E_SZA, ("设备",)),
        ("别给我苏州的政策，我要宿州标识解析的奖励", E_SZA, ("标识解析",)),
        ("宿州 Suzhou 上云补贴多少？", E_SZA, ("上云",)),
        ("苏州（Suzhou, Jiangsu）上云补贴多少？", E_SZ, ("上云",)),
        ("Suzhou Jiangsu cloud subsidy how much?", E_SZ, ("上云", "云")),
        ("Suzhou Anhui equipment subsidy how much?", E_SZA, ("设备",)),
        ("How much is the Lu'an identifier resolution award?", E_LA, ("标识解析",)),
        ("Kunshan cloud subsidy how much?", E_SZ, ("上云", "云")),
        ("江苏省苏州市上云补贴多少？", E_SZ, ("上云",)),
        ("安徽省宿州市上云补贴多少？", E_SZA, ("上云",)),
        ("安徽省六安市标识解析奖励多少？", E_LA, ("标识解析",)),
        ("蘇州上雲補貼多少？", E_SZ, ("上云", "云")),
        ("蘇州市設備補貼多少？", E_SZ, ("设备",)),
        ("六安金寨的企业上云补贴多少？", E_LA, ("上云",)),
        ("砀山县的企业设备购置补贴多少？", E_SZA, ("设备",)),
        ("昆山的企业贷款贴息多少？", E_SZ, ("贴息", "贷款")),
        ("苏州复合肥企业上云补贴多少？", E_SZ, ("上云",)),
        ("复合肥生产企业上云补贴多少？", E_ANY, ("上云",)),
        ("扩大连接设备数的平台有奖励吗？", E_ANY, ("平台", "连接")),
        ("上云补贴能确保定期发放吗？", E_ANY, ()),
        ("平台企业隆重庆祝入选国家级双跨，奖励多少？", E_ANY, ("平台", "双跨")),
        ("宿州市政府120号文件设备补贴多少？", E_SZA, ("设备",)),
        ("我们公司地址是宿州市银河路172号，上云补贴多少？", E_SZA, ("上云",)),
        ("六安市梅山路120号的企业上云补贴多少？", E_LA, ("上云",)),
        ("我们厂在120号厂房，上云补贴多少？", E_ANY, ("上云",)),
        # the policy that supersedes it (or that it supersedes) is cited beside it, by design
        (
            "苏府〔2020〕120号上云补贴多少？",
            Expect("苏府120", {"suzhou-2020-120"}, {"suzhou-2020-172"}),
            ("上云",),
        ),
        ("172号文上云补贴多少？", Expect("苏府办172", {"suzhou-2020-172"}, {"suzhou-2020-120"}), ("上云",)),
        ("苏州和宿州的上云补贴有什么区别？", E_SZ_OR_SZA, ("上云",)),
        ("在苏州注册、在宿州生产的企业设备补贴能拿多少？", E_SZ_OR_SZA, ("设备",)),
        ("无锡和苏州的上云补贴一样吗？", E_SZ, ("上云",)),
        ("宿迁的企业上云补贴多少？", E_NONE("宿迁", "江苏"), ()),
        ("宿迁市宿城区设备补贴多少？", E_NONE("宿迁", "江苏"), ()),
        ("淮北市濉溪县上云补贴多少？", E_NONE("淮北"), ()),
        ("江阴市的企业上云补贴多少？", E_NONE("江阴", "江苏"), ()),
        ("义乌小商品企业上云补贴多少？", E_NONE("义乌"), ()),
        ("浙江义乌上云补贴多少？", E_NONE("义乌"), ()),
        ("苏锡常地区上云补贴多少？", E_NONE("苏锡常", "江苏"), ()),
        ("长三角上云补贴多少？", E_NONE("长三角"), ()),
        ("皖北地区设备补贴多少？", E_NONE("皖北"), ()),
        ("苏南地区上云补贴多少？", E_NONE("苏南", "江苏"), ()),
        ("江苏无锡的企业上云补贴多少？", E_NONE("无锡", "江苏"), ()),
        ("安徽合肥的企业设备补贴多少？", E_NONE("合肥"), ()),
        ("宿州和六安哪个上云补贴高？", Expect("宿州+六安", SZA | LA), ("上云",)),
        ("苏州市宿州路的企业上云补贴多少？", E_SZ, ("上云",)),
        ("宿州路上的苏州企业能拿多少上云补贴？", E_SZ, ("上云",)),
        ("设备购置2000万，宿州补贴多少？", E_SZA, ("设备",)),
        ("宿州设备购置额2000万元能补多少？", E_SZA, ("设备",)),
        ("苏州贷款3亿搞智能化改造，贴息多少？", E_SZ, ("贴息", "贷款")),
        ("宿州上云投入100万，四星级能补多少？", E_SZA, ("上云",)),
        ("苏州上云费用100万，四星级能补多少？", E_SZ, ("上云",)),
        ("六安两化融合贯标能拿多少？", E_LA, ("贯标", "两化")),
        ("江苏省工业互联网平台营业收入5000万能拿多少补助？", E_JS, ("平台",)),
        ("宿州L4企业奖励多少？", E_SZA, ("L4", "新型能力")),
        ("上云补贴多少？", E_ANY, ("上云",)),
        (
            "苏府〔2020〕172号四星级上云补贴多少？",
            Expect("苏府办172", {"suzhou-2020-172", "suzhou-2020-120"}),
            ("上云",),
        ),
        ("宿州2021版政策上云补贴多少？", E_SZA, ("上云",)),
        ("苏州厂房5000平，上云补贴多少？", E_SZ, ("上云",)),
        ("宿州一家成立于2015的企业，设备补贴多少？", E_SZA, ("设备",)),
        ("宿州的企业上云，四星级能拿多少？", E_SZA, ("上云",)),
        ("设备购置补贴多少？", E_ANY, ("设备",)),
    ]
    for q, exp, kw in hand:
        out.append(Case(f"hand:{q[:12]}", [q], [exp], kw, group="single-hand"))
    return out


def conversation_cases() -> list[Case]:
    out: list[Case] = []
    up = ("上云",)
    hand = [
        (["苏州上云补贴多少？", "那安徽呢？"], [E_SZ, E_AH], up),
        (["苏州上云补贴多少？", "换成六安"], [E_SZ, E_LA], up),
        (["苏州上云补贴多少？", "宿州的呢"], [E_SZ, E_SZA], up),
        (["宿州上云补贴多少？", "苏州呢？", "那宿州的设备补贴呢？"], [E_SZA, E_SZ, E_SZA], ("设备",)),
        (["苏州上云补贴多少？", "那宿州的设备补贴呢？"], [E_SZ, E_SZA], ("设备",)),
        (["苏州上云补贴多少？", "那六安的标识解析奖励呢？"], [E_SZ, E_LA], ("标识解析",)),
        (["苏州上云补贴多少？", "那无锡呢？"], [E_SZ, E_NONE("无锡", "江苏")], ()),
        (["苏州上云补贴多少？", "那江阴呢？"], [E_SZ, E_NONE("江阴", "江苏")], ()),
        (["苏州上云补贴多少？", "那义乌呢？"], [E_SZ, E_NONE("义乌")], ()),
        (["苏州上云补贴多少？", "那宿迁呢？"], [E_SZ, E_NONE("宿迁", "江苏")], ()),
        (["宿州上云补贴多少？", "那淮北呢？"], [E_SZA, E_NONE("淮北")], ()),
        (["苏州上云补贴多少？", "那杭州呢", "那宿州呢"], [E_SZ, E_NONE("杭州"), E_SZA], up),
        (["无锡上云补贴多少？", "那苏州呢？"], [E_NONE("无锡", "江苏"), E_SZ], up),
        (["无锡上云补贴多少？", "那设备补贴呢？"], [E_NONE("无锡", "江苏"), E_NONE("无锡", "江苏")], ()),
        (["无锡上云补贴多少？", "设备购置补贴多少？"], [E_NONE("无锡", "江苏"), None], ()),
        (
            ["南京设备投入1000万补贴多少？", "如果是500万呢？"],
            [E_NONE("南京", "江苏"), E_NONE("南京", "江苏")],
            (),
        ),
        (["宿州设备购置2000万，补贴多少？", "那苏州呢？"], [E_SZA, E_SZ], ("设备",)),
        (
            ["苏州贷款3亿搞智能化改造，贴息多少？", "如果贷款是5000万呢？", "那宿州呢？"],
            [E_SZ, E_SZ, E_SZA],
            ("贴息", "贷款"),
        ),
        (["六安标识解析奖励多少？", "那苏州呢？", "这个政策还有效吗？"], [E_LA, E_SZ, E_SZ], ()),
        (["宿州上云补贴多少？", "这个政策还有效吗？"], [E_SZA, E_SZA], ()),
        (["六安上云补贴多少？", "这个政策还有效吗？"], [E_LA, E_LA], ()),
        (["六安上云补贴多少？", "Suzhou呢？"], [E_LA, E_SZ_OR_SZA], up),
        (["苏州上云补贴多少？", "Lu'an?"], [E_SZ, E_LA], up),
        (["苏州上云补贴多少？", "Hefei?"], [E_SZ, E_NONE("Hefei")], ()),
        (["苏州上云补贴多少？", "Suzhou, Anhui?"], [E_SZ, E_SZA], up),
        (["宿州上云补贴多少？", "不是宿州，是苏州"], [E_SZA, E_SZ], up),
        (["苏州上云补贴多少？", "不是苏州，是宿州"], [E_SZ, E_SZA], up),
        (["苏州上云补贴多少？", "我问的是安徽宿州"], [E_SZ, E_SZA], up),
        (["苏州上云补贴多少？", "我说的是宿州，不是苏州"], [E_SZ, E_SZA], up),
        (["宿州上云补贴多少？", "江苏的呢"], [E_SZA, E_JS], up),
        (["苏州上云补贴多少？", "四星级呢"], [E_SZ, E_SZ], up),
        (["宿州上云补贴多少？", "四星级呢"], [E_SZA, E_SZA], up),
        (["苏州智能制造示范工厂奖励多少？", "那六安呢"], [E_SZ, E_LA], ("示范工厂", "智能工厂", "智能制造")),
        (["江苏省工业互联网平台奖励多少？", "那苏州呢", "宿州呢"], [E_JS, E_SZ, E_SZA], ("平台",)),
        (["苏州上云补贴多少？", "那昆山呢"], [E_SZ, E_SZ], up),
        (["宿州上云补贴多少？", "那砀山呢"], [E_SZA, E_SZA], up),
        (["苏州上云补贴多少？", "那金寨呢"], [E_SZ, E_LA], up),
        (["宿州上云补贴多少？", "那吴中呢"], [E_SZA, E_SZ], up),
        (["宿州上云补贴多少？", "那蘇州呢"], [E_SZA, E_SZ], up),
        (["苏州上云补贴多少？", "那Su Zhou呢"], [E_SZ, E_SZ_OR_SZA], up),
        (["我们是无锡企业", "上云补贴多少？"], [None, E_NONE("无锡", "江苏")], ()),
        (["我们公司在宿州", "上云补贴多少？"], [None, E_SZA], up),
        (["我们公司在宿州", "设备补贴呢？"], [None, E_SZA], ("设备",)),
        (["宿州上云补贴多少？", "设备补贴呢？"], [E_SZA, E_SZA], ("设备",)),
        (["宿州上云补贴多少？", "设备购置补贴能拿多少？"], [E_SZA, E_SZA], ("设备",)),
        (["六安上云补贴多少？", "那它的设备补贴呢"], [E_LA, E_LA], ("设备",)),
        (["六安上云补贴多少？", "那苏州的呢", "安徽呢"], [E_LA, E_SZ, E_AH], up),
        (["宿州上云补贴多少？", "那苏州工业园区呢"], [E_SZA, E_SZ], up),
        (["苏州上云补贴多少？", "那宿州高新区呢"], [E_SZ, E_SZA], up),
        (["宿州上云补贴多少？", "那苏州的标识解析呢？"], [E_SZA, E_SZ], ("标识解析",)),
        (["苏州上云投入200万，四星级补多少？", "那宿州呢？"], [E_SZ, E_SZA], up),
        (["宿州上云投入200万，补多少？", "如果是50万呢？"], [E_SZA, E_SZA], up),
        (["宿州上云投入200万，补多少？", "苏州的呢？"], [E_SZA, E_SZ], up),
        (["苏州上云补贴多少？", "宿州和六安呢？"], [E_SZ, Expect("宿州+六安", SZA | LA)], up),
        (["苏州和宿州的上云补贴有什么区别？", "那六安呢"], [E_SZ_OR_SZA, E_LA], up),
        (["宿州上云补贴多少？", "那江苏无锡呢"], [E_SZA, E_NONE("无锡", "江苏")], ()),
        (["宿州上云补贴多少？", "无锡的企业能申请吗"], [E_SZA, None], ()),
        (["苏州上云补贴多少？", "那安徽的宿州呢？"], [E_SZ, E_SZA], up),
        (["苏州上云补贴多少？", "换成宿州，设备购置1000万呢？"], [E_SZ, E_SZA], ("设备",)),
        (["宿州上云补贴多少？", "如果在苏州呢？"], [E_SZA, E_SZ], up),
        (["宿州上云补贴多少？", "要是在南京呢？"], [E_SZA, E_NONE("南京", "江苏")], ()),
    ]
    for turns, exps, kw in hand:
        out.append(Case("conv:" + " / ".join(turns), turns, exps, kw, group="conv-hand"))
    # systematic 「那{B}呢」 swaps
    firsts = [("苏州上云补贴多少？", E_SZ), ("宿州上云补贴多少？", E_SZA), ("六安上云补贴多少？", E_LA)]
    targets = [
        "苏州",
        "宿州",
        "六安",
        "昆山",
        "砀山",
        "金寨",
        "江苏",
        "安徽",
        "无锡",
        "合肥",
        "宿迁",
        "淮北",
        "江阴",
        "吴中",
        "蘇州",
        "Su Zhou",
        "Suzhou",
        "Lu'an",
        "Kunshan",
        "寿县",
        "泗洪",
    ]
    templates = ["那{b}呢？", "换成{b}", "{b}的呢"]
    i = 0
    for q1, e1 in firsts:
        for b in targets:
            t = templates[i % len(templates)]
            i += 1
            eb = PLACES.get(b) or (E_SZ_OR_SZA if b == "Suzhou" else E_ANY)
            q2 = t.format(b=b)
            out.append(Case(f"swap:{q1[:2]}->{q2}", [q1, q2], [e1, eb], up, group="conv-swap"))
    return out


# ---------------------------------------------------------------- checks
# (clause, words the question must contain for this cap to apply, cap in yuan, why)
WRONG_RULE = [
    (
        "suzhou-anhui-2021/p1/一/¶2",
        r"平台|服务商",
        500000.0,
        "enterprise 上云 is capped at 30万; 50万 is the award for 优秀平台及云服务商",
    ),
]

_WITH_UNIT = re.compile(r"(?:亿元|万元|亿|万|元|%|％)$")


def amounts(text: str) -> set[tuple[float, bool]]:
    """Money and percent amounts in text as (yuan or percent value, is_percent): the guard's number
    reader (guard.numbers_in), keeping only numbers that carry a money or percent unit."""
    return {(n.value, n.percent) for n in numbers_in(text) if _WITH_UNIT.search(n.raw)}


def bare_numbers_with_unit_list(text: str) -> set[float]:
    """「1万、5万、10万」「25、50、100万元」: numbers in a list sharing the last unit."""
    out = set()
    for m in re.finditer(
        r"((?:\d+(?:\.\d+)?\s*[、，,和及或至～~-]\s*)+)(\d+(?:\.\d+)?)\s*(万元|万|亿元|亿|%)", text
    ):
        unit = m.group(3)
        mult = 1e8 if unit.startswith("亿") else 1e4 if unit.startswith("万") else 1
        for n in re.findall(r"\d+(?:\.\d+)?", m.group(1)):
            out.add(round(float(n) * mult, 2))
    return out


def clause_text(a: Assistant, clause_id: str) -> str:
    c = a.index.by_id.get(clause_id)
    return c.text if c is not None else ""


@dataclass
class Finding:
    severity: str  # severe / medium / minor / note
    kind: str
    case: str
    turns: list[str]
    turn_index: int
    resolved: str | None
    cited: list[str]
    refused: bool
    answer: str
    detail: str = ""


class LogCapture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(f"{record.levelname}:{record.name}:{record.getMessage()}")


def check_turn(a, case: Case, ti: int, q: str, ans, exp: Expect | None, logs: list[str]) -> list[Finding]:
    """Every finding for one answered turn (``exp``: what a person judged the turn to be about)."""
    f: list[Finding] = []
    cited = [c.policy_id for c in ans.citations]
    base = dict(
        case=case.name,
        turns=case.turns[: ti + 1],
        turn_index=ti,
        resolved=ans.resolved_question,
        cited=cited,
        refused=ans.refused,
        answer=ans.answer[:200],
    )
    effective_q = ans.resolved_question or q
    # --- place checks
    if exp is not None and not exp.any_place:
        outside = sorted({p for p in cited if p not in exp.allowed and p not in exp.soft})
        soft = sorted({p for p in cited if p in exp.soft})
        if exp.refuse:
            if not ans.refused and outside:
                noted = "提示：政策库中未找到" in ans.answer
                f.append(
                    Finding(
                        "medium" if noted else "severe",
                        "uncovered place answered" + (" (with 未找到 note)" if noted else ""),
                        detail=f"expected refusal for {exp.label}; cited {outside}",
                        **base,
                    )
                )
            elif not ans.refused and soft:
                f.append(
                    Finding(
                        "note",
                        "uncovered city answered from province-wide policy",
                        detail=f"{exp.label}; cited {soft}",
                        **base,
                    )
                )
        else:
            if outside:
                f.append(
                    Finding(
                        "severe",
                        "wrong-place citation",
                        detail=f"asked {exp.label}; cited outside: {outside}",
                        **base,
                    )
                )
            elif soft:
                f.append(
                    Finding(
                        "note",
                        "province question answered (partly) from city policy",
                        detail=f"{exp.label}; cited {soft}",
                        **base,
                    )
                )
            if ans.refused:
                f.append(
                    Finding(
                        "minor",
                        "refused, though the place is covered (right when its policy lacks the measure)",
                        detail=exp.label,
                        **base,
                    )
                )
    # --- amounts in the answer vs cited clause texts and calculations
    if not ans.refused:
        allowed = set()
        list_nums = set()
        for c in ans.citations:
            t = clause_text(a, c.clause_id)
            if t and c.text != t:
                f.append(
                    Finding("severe", "citation text differs from index clause", detail=c.clause_id, **base)
                )
            allowed |= amounts(t) | amounts(c.clause_path)
            list_nums |= bare_numbers_with_unit_list(t)
        for k in ans.calculations:
            allowed |= amounts(k.formula)
            for v in (k.min_yuan, k.max_yuan):
                if v is not None:
                    allowed.add((round(v, 2), False))
        qa = amounts(effective_q) | amounts(q)
        bad = sorted(
            v
            for v in amounts(ans.answer)
            if v not in allowed and v not in qa and not (not v[1] and v[0] in list_nums)
        )
        if bad:
            f.append(
                Finding(
                    "severe", "amount not in cited clause/calculation", detail=f"unsupported {bad}", **base
                )
            )
        # quoted sentences must come from the cited clause with the same marker
        for m in (
            re.search(r"：“(.*)”\[(\d+)\]", ln) for ln in ans.answer.split("\n") if ln.startswith("· ")
        ):
            if m is None:
                continue
            n = int(m.group(2))
            cit = next((c for c in ans.citations if c.n == n), None)
            if cit is None:
                f.append(Finding("severe", "marker without citation", detail=f"[{n}]", **base))
                continue
            src = clause_text(a, cit.clause_id).replace("\n", "")
            for piece in m.group(1).split("……"):
                if piece and piece not in src:
                    f.append(
                        Finding(
                            "severe",
                            "quote not in cited clause",
                            detail=f"[{n}] {cit.clause_id}: {piece[:60]}",
                            **base,
                        )
                    )
        # calculations: which clause and measure they come from
        kw = case.topic_kw if ti == len(case.turns) - 1 else ()
        for k in ans.calculations:
            cit = next((c for c in ans.citations if c.n == k.citation), None)
            if cit is None:
                f.append(Finding("severe", "calculation without citation", detail=k.formula, **base))
                continue
            if (
                exp is not None
                and not exp.any_place
                and not exp.refuse
                and cit.policy_id not in exp.allowed | exp.soft
            ):
                f.append(
                    Finding(
                        "severe",
                        "calculated amount from wrong-place policy",
                        detail=f"{cit.policy_id}: {k.formula[:80]}",
                        **base,
                    )
                )
            t = clause_text(a, cit.clause_id)
            if kw and not any(w in t for w in kw):
                f.append(
                    Finding(
                        "medium",
                        "calculated amount for a measure not asked about",
                        detail=f"topic {kw}; calc[{k.citation}] {cit.clause_id}: {k.formula[:70]}",
                        **base,
                    )
                )
            # the base a calculation multiplies must be a money figure the user gave
            for base_txt in re.findall(r"([\d.]+(?:万元|亿元|元))\s*×", k.formula):
                bv = next(iter(amounts(base_txt)))
                q_money = {x for x in qa if not x[1]}
                if bv not in q_money:
                    f.append(
                        Finding(
                            "severe",
                            "calculation base not a money figure the user gave",
                            detail=f"base {base_txt} in '{k.formula[:80]}'",
                            **base,
                        )
                    )
            # a calculation's cap/rate should be in its clause (or be figure × rate)
            pcts = [v for v, is_p in amounts(t) if is_p]
            derived = {(round(fv * p / 100, 2), False) for fv, fp in qa if not fp for p in pcts}
            for v in amounts(k.formula):
                if v in derived:
                    continue
                if v in amounts(t) or v in qa or (not v[1] and v[0] in bare_numbers_with_unit_list(t)):
                    continue
                if (round(k.max_yuan or -1, 2), False) == v or (round(k.min_yuan or -1, 2), False) == v:
                    continue  # a derived result (figure × rate)
                f.append(
                    Finding(
                        "severe",
                        "calculation number not in its clause",
                        detail=f"{v} in '{k.formula[:80]}' ({cit.clause_id})",
                        **base,
                    )
                )
        # known sub-rules: a clause with two beneficiaries must not give one's cap to the other
        for k in ans.calculations:
            cit = next((c for c in ans.citations if c.n == k.citation), None)
            for clause_id, needs_words, wrong_max, why in WRONG_RULE:
                if (
                    cit is not None
                    and cit.clause_id == clause_id
                    and k.max_yuan == wrong_max
                    and not re.search(needs_words, effective_q)
                ):
                    f.append(
                        Finding(
                            "severe",
                            "calculation uses the other beneficiary's cap",
                            detail=f"{clause_id}: {k.formula[:60]} — {why}",
                            **base,
                        )
                    )
        # the answer's topic: nothing cited mentions what was asked
        if (
            kw
            and ans.citations
            and not any(any(w in clause_text(a, c.clause_id) for w in kw) for c in ans.citations)
        ):
            f.append(
                Finding(
                    "minor",
                    "answer cites no clause about the asked measure",
                    detail=f"topic {kw}; cited {[c.clause_id for c in ans.citations]}",
                    **base,
                )
            )
    for rec in logs:
        if "without provenance" in rec or rec.startswith("ERROR"):
            f.append(Finding("severe", "assistant logged an error", detail=rec[:200], **base))
    return f


def probe() -> tuple[int, int, list[Finding]]:
    """Ask every case; returns (cases, questions, findings)."""
    a = Assistant(Settings())
    chain = AnswerChain(a)
    cap = LogCapture()
    logging.getLogger().addHandler(cap)
    cases = single_cases() + conversation_cases()
    findings: list[Finding] = []
    n_questions = 0
    for case in cases:
        history: list[Turn] = []
        for ti, q in enumerate(case.turns):
            n_questions += 1
            cap.records.clear()
            try:
                ans = chain.ask(q, history=list(history), as_of=AS_OF)
            except Exception as exc:  # any exception is itself a finding
                trace = traceback.format_exc(limit=3)[-300:]
                findings.append(
                    Finding(
                        "severe",
                        f"exception {type(exc).__name__}",
                        case.name,
                        case.turns[: ti + 1],
                        ti,
                        None,
                        [],
                        False,
                        "",
                        trace,
                    )
                )
                history += [Turn(role="user", content=q), Turn(role="assistant", content=f"(error {exc})")]
                continue
            exp = case.expects[ti] if ti < len(case.expects) else None
            findings += check_turn(a, case, ti, q, ans, exp, list(cap.records))
            history += [Turn(role="user", content=q), Turn(role="assistant", content=ans.answer)]
    return len(cases), n_questions, findings


def report(n_cases: int, n_questions: int, findings: list[Finding], examples: int) -> str:
    """Findings grouped by severity and kind, with a few distinct examples each."""
    order = {"severe": 0, "medium": 1, "minor": 2, "note": 3}
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for x in findings:
        groups[(x.severity, x.kind)].append(x)
    severe = sum(len(xs) for (sev, _), xs in groups.items() if sev == "severe")
    lines = [
        "# Place and amount probe (grounded mode)",
        "",
        f"{n_cases} cases, {n_questions} questions, as of {AS_OF}. Severe findings: **{severe}**. "
        "Reproduce: `.venv/bin/python evals/place_probe.py`.",
        "",
        "Severe findings fail CI. Medium, minor and notes are for review: heuristics over the topic words, "
        "several of them right behaviour (苏州's policies have no 两化融合贯标 measure, so refusing is correct).",
        "",
        "| severity | finding | turns |",
        "|---|---|---|",
    ]
    ranked = sorted(groups.items(), key=lambda kv: (order[kv[0][0]], -len(kv[1])))
    lines += [f"| {sev} | {kind} | {len(xs)} |" for (sev, kind), xs in ranked]
    for (sev, kind), xs in ranked:
        lines += ["", f"## [{sev}] {kind} ({len(xs)})", ""]
        seen: set[str] = set()
        for x in xs:
            key = " ⟶ ".join(x.turns)
            if key in seen or len(seen) >= examples:
                continue
            seen.add(key)
            lines.append(
                f"- {key} — resolved {x.resolved!r}, refused {x.refused}, cited {x.cited}: {x.detail}"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 on any severe finding")
    ap.add_argument("--json", type=Path, help="also write every finding to this file")
    ap.add_argument("--verbose", action="store_true", help="up to 50 examples per finding (default 4)")
    args = ap.parse_args()
    n_cases, n_questions, findings = probe()
    text = report(n_cases, n_questions, findings, 50 if args.verbose else 4)
    REPORT.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps([f.__dict__ for f in findings], ensure_ascii=False, indent=1))
    print(text.split("\n\n## ")[0])
    severe = [f for f in findings if f.severity == "severe"]
    if args.check and severe:
        print(f"{len(severe)} severe findings (wrong place or wrong amount); see {REPORT}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
