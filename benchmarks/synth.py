"""Synthetic policy corpora for scale benchmarks: ~1,000 or ~10,000 clauses in the corpus format.

    .venv/bin/python benchmarks/synth.py --clauses 1000              # → /tmp/pa-bench/corpus-1000/
    .venv/bin/python benchmarks/synth.py --clauses 10000 --out DIR --seed 7 --no-real

Writes ``<id>.txt`` + ``<id>.toml`` per policy, exactly as ``corpus/`` holds them, so
``assistant.corpus.load_corpus`` reads it and ``assistant.chunking`` splits it into exactly the
requested number of clauses (checked after writing). By default the real seed corpus is copied in
as well and counts towards the total, so the gold questions still have their gold clauses and the
synthetic policies act as distractors (other cities and provinces, and a few more policies in
苏州/宿州/六安 and province-wide ones for 江苏/安徽).

The texts follow the real clauses' patterns: a 印发通知 header with 文号, a preamble, numbering
一、/（一）/1./unnumbered paragraphs under a section heading, award sentences (对…给予最高不超过XX万元
奖励, 按…的XX%给予补助, tiers by level or star, loan interest subsidies, 不低于 floors), 责任单位,
closing provisions (施行日期, 有效期, 解释) and sometimes an 附件. Deterministic for a given seed.
Output goes to a temp folder (never committed).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_CORPUS = ROOT / "corpus"
DEFAULT_BASE = Path(tempfile.gettempdir()) / "pa-bench"

# province → (abbreviation, [(city, abbreviation, pinyin slug)])
PLACES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "江苏省": (
        "苏",
        [
            ("南京市", "宁", "nanjing"),
            ("无锡市", "锡", "wuxi"),
            ("徐州市", "徐", "xuzhou"),
            ("常州市", "常", "changzhou"),
            ("南通市", "通", "nantong"),
            ("连云港市", "连", "lianyungang"),
            ("淮安市", "淮", "huaian"),
            ("盐城市", "盐", "yancheng"),
            ("扬州市", "扬", "yangzhou"),
            ("镇江市", "镇", "zhenjiang"),
            ("泰州市", "泰", "taizhou-js"),
            ("宿迁市", "宿", "suqian"),
            ("苏州市", "苏", "suzhou"),
        ],
    ),
    "安徽省": (
        "皖",
        [
            ("合肥市", "合", "hefei"),
            ("芜湖市", "芜", "wuhu"),
            ("蚌埠市", "蚌", "bengbu"),
            ("淮南市", "淮", "huainan"),
            ("马鞍山市", "马", "maanshan"),
            ("淮北市", "淮北", "huaibei"),
            ("铜陵市", "铜", "tongling"),
            ("安庆市", "宜", "anqing"),
            ("滁州市", "滁", "chuzhou"),
            ("阜阳市", "阜", "fuyang"),
            ("亳州市", "亳", "bozhou"),
            ("宣城市", "宣", "xuancheng"),
            ("宿州市", "宿", "suzhou-ah"),
            ("六安市", "六", "luan"),
        ],
    ),
    "浙江省": (
        "浙",
        [
            ("杭州市", "杭", "hangzhou"),
            ("宁波市", "甬", "ningbo"),
            ("温州市", "温", "wenzhou"),
            ("嘉兴市", "嘉", "jiaxing"),
            ("湖州市", "湖", "huzhou"),
            ("绍兴市", "绍", "shaoxing"),
            ("金华市", "金", "jinhua"),
        ],
    ),
    "广东省": (
        "粤",
        [
            ("广州市", "穗", "guangzhou"),
            ("深圳市", "深", "shenzhen"),
            ("东莞市", "东", "dongguan"),
            ("佛山市", "佛", "foshan"),
            ("珠海市", "珠", "zhuhai"),
        ],
    ),
    "山东省": (
        "鲁",
        [
            ("济南市", "济", "jinan"),
            ("青岛市", "青", "qingdao"),
            ("烟台市", "烟", "yantai"),
            ("潍坊市", "潍", "weifang"),
        ],
    ),
}
PROVINCE_SLUGS = {
    "江苏省": "jiangsu",
    "安徽省": "anhui",
    "浙江省": "zhejiang",
    "广东省": "guangdong",
    "山东省": "shandong",
}
# 文号 the gold questions name (120号, 172号) stay unique to the real policies
RESERVED_NUMBERS = {120, 172}

TITLES = [
    "关于加快推进工业互联网创新发展的若干政策措施",
    "关于推进制造业智能化改造和数字化转型的实施意见",
    "{place}支持工业互联网发展若干政策",
    "关于促进中小企业数字化转型的若干措施",
    "{place}工业互联网创新发展行动计划（{y}－{y2}年）",
    "关于加快“5G+工业互联网”融合发展的若干措施",
    "关于推动制造业高端化智能化绿色化发展的若干政策",
    "关于支持企业技术改造和设备更新的若干措施",
    "{place}推进智能制造高质量发展的实施方案",
    "关于加快工业互联网平台培育的若干意见",
    "{place}制造业数字化转型专项资金管理办法",
    "关于打造工业互联网标杆城市的若干措施",
    "关于进一步支持工业软件和信息技术服务业发展的若干政策",
    "关于推动“上云用数赋智”行动的实施意见",
]
PREAMBLE_GOALS = [
    "加快新一代信息技术与制造业深度融合",
    "推动工业互联网在更广范围、更深程度、更高水平上融合创新",
    "加快制造业智能化改造和数字化转型步伐",
    "培育壮大数字经济新动能",
    "提升产业链供应链现代化水平",
    "打造具有区域特色的工业互联网产业生态",
]
SECTION_TITLES = [
    "支持工业互联网平台建设",
    "推进企业智能化改造",
    "加快数字化转型服务体系建设",
    "夯实网络基础设施",
    "强化安全保障能力",
    "培育产业生态",
    "加大金融支持力度",
    "加强人才队伍建设",
    "推动中小企业上云用平台",
    "深化融合应用",
    "提升创新能力",
    "优化发展环境",
]


@dataclass(frozen=True)
class Topic:
    heading: str  # 「支持工业互联网平台提升能力」
    intro: str  # what the measure encourages
    beneficiary: str  # 「对服务企业数超{n}家的平台」
    base: str  # the base of a share: 设备购置额, 项目贷款额…
    honor: str  # what one gets named: 智能工厂, 双跨平台…


TOPICS = [
    Topic(
        "支持工业互联网平台提升能力",
        "支持企业建设跨行业、跨领域工业互联网平台，提升平台连接设备、汇聚资源和服务企业的能力",
        "对服务企业数超{n}家、连接设备数超{m}万台的工业互联网平台",
        "平台建设投入",
        "工业互联网平台",
    ),
    Topic(
        "推进标识解析二级节点建设",
        "推进工业互联网标识解析二级节点建设和规模化应用，拓展产品追溯、供应链管理等应用场景",
        "对完成与国家顶级节点对接、年度新增标识注册量超{n}万的二级节点运营单位",
        "项目总投资",
        "标识解析应用示范项目",
    ),
    Topic(
        "加快“5G+工业互联网”发展",
        "推动5G在垂直行业的先导应用，支持企业以5G、IPv6、工业无线等技术改造升级企业内网",
        "对建成5G全连接工厂并通过验收的企业",
        "项目总投资",
        "“5G+工业互联网”试点示范项目",
    ),
    Topic(
        "鼓励企业实施智能化改造",
        "鼓励工业企业采用新技术、新工艺、新设备，对生产设施、工艺条件及生产服务等进行智能化技术改造",
        "对设备投资额超过{n}万元的智能化改造项目",
        "设备购置额",
        "智能化改造示范项目",
    ),
    Topic(
        "支持智能工厂和数字化车间建设",
        "开展智能工厂和数字化车间培育和评选工作，推动企业生产过程数字化、网络化、智能化",
        "对新认定的智能工厂和数字化车间",
        "项目总投资",
        "智能制造示范工厂",
    ),
    Topic(
        "推动中小企业上云用平台",
        "鼓励基础运营商提供质优价廉的服务，降低上云门槛，推动研发设计、生产制造、运营管理等核心业务向云端迁移",
        "对当年完成上云并经评定的中小企业",
        "上云费用",
        "星级上云企业",
    ),
    Topic(
        "加快工业APP和工业软件发展",
        "推进工业软件和工业APP开发，培育一批面向特定行业、特定场景的工业APP，推动工业APP向平台汇聚",
        "对获评优秀解决方案的工业APP项目",
        "软件开发投入",
        "工业互联网APP优秀解决方案",
    ),
    Topic(
        "加快工业大数据应用",
        "支持工业企业实施工业数据采集、汇聚和应用，鼓励平台企业提供工业数据深度挖掘服务",
        "对服务企业数超{n}家、年度营收超{m}00万元的工业大数据应用服务商",
        "合同额",
        "工业大数据应用示范项目",
    ),
    Topic(
        "提升工业互联网安全保障能力",
        "推动工业互联网安全态势感知、工业防火墙、入侵检测等安全产品研发和应用，指导企业开展安全保障建设",
        "对服务企业数超{n}家、年度营收超{m}00万元的第三方安全服务机构",
        "合同额",
        "工业互联网安全试点示范项目",
    ),
    Topic(
        "支持首台（套）装备和首版次软件推广应用",
        "鼓励企业研发生产首台（套）重大技术装备和首版次软件，加快创新产品推广应用",
        "对经认定的首台（套）装备和首版次软件产品",
        "销售价格",
        "首台（套）重大技术装备",
    ),
    Topic(
        "培育数字化转型服务商",
        "培育一批行业性、专业性工业互联网解决方案服务商，输出解决方案和管理经验",
        "对年度服务本地企业超{n}家的数字化转型服务商",
        "服务合同额",
        "优秀数字化转型服务商",
    ),
    Topic(
        "开展智能制造诊断服务",
        "通过政府购买服务，组织专业机构为中小企业提供免费的智能化改造和数字化转型诊断服务",
        "对经市工信部门批准举办的诊断服务活动",
        "实际投入费用",
        "诊断服务优秀机构",
    ),
    Topic(
        "加强工业互联网人才培养",
        "鼓励高校、企业联合组建工业互联网实训基地，大力培养工业互联网专业技术人才和管理人才",
        "对通过考核并命名的工业互联网人才实训基地",
        "实训基地建设投入",
        "人才实训基地",
    ),
    Topic(
        "加强金融支持",
        "引导金融资本支持工业互联网相关产业，鼓励金融机构推出专项金融产品",
        "对在资本市场实现首发上市的工业互联网企业",
        "项目贷款额",
        "产融合作试点企业",
    ),
    Topic(
        "推进两化融合管理体系贯标",
        "推进两化融合管理体系贯标普及，推广智能化生产、网络化协同、个性化定制等新模式",
        "对通过两化融合管理体系评定的企业",
        "贯标咨询费用",
        "两化融合贯标示范企业",
    ),
    Topic(
        "支持工业互联网示范基地建设",
        "鼓励各地布局工业互联网产业，推动龙头企业、上下游企业、院校及技术服务商在重点园区集聚",
        "对新获批国家级、省级工业互联网产业示范基地的园区",
        "基地建设投入",
        "工业互联网产业示范基地",
    ),
    Topic(
        "推动设备更新和技术改造",
        "支持企业开展大规模设备更新，推广应用高端化、智能化、绿色化装备",
        "对年度设备购置额超过{n}00万元的技术改造项目",
        "设备购置额",
        "技术改造示范项目",
    ),
    Topic(
        "支持专精特新企业数字化转型",
        "支持专精特新中小企业开展数字化改造，打造一批“小快轻准”的数字化转型样板",
        "对完成数字化改造并通过评估的专精特新中小企业",
        "数字化改造投入",
        "数字化转型标杆企业",
    ),
]
EXTRA_SENTENCES = [
    "鼓励金融机构加大对相关项目的信贷支持力度。",
    "各县（市、区）可结合实际给予配套支持。",
    "同一项目不重复享受同类财政资金支持。",
    "支持企业牵头组建产业联合体，加快成果转化。",
    "每年遴选一批典型案例进行宣传推广。",
    "对于特别重大的项目，采取“一事一议”方式给予重点支持。",
    "鼓励有条件的地区探索政府采购服务方式。",
    "推动龙头企业开放应用场景，带动产业链上下游协同发展。",
]
GOAL_PARAGRAPHS = [
    "到{y}年，力争培育工业互联网平台{n}个以上，推动{m}00家以上规上工业企业实施数字化、网络化、智能化改造，"
    "建成{k}个以上智能工厂和数字化车间，工业互联网产业规模明显壮大。",
    "力争到{y}年，全{lvl}两化融合发展水平显著提升，重点行业关键工序数控化率达到{k}0%以上，"
    "上云企业累计超过{m}000家。",
]
DETAIL_SENTENCES = [
    "聚焦{sectors}等重点产业，每年遴选一批示范项目",
    "对符合条件的项目，由{lvl}工业和信息化主管部门会同财政部门组织评审",
    "项目须在申报年度内完成建设并通过验收，相关投入以审计报告为准",
    "申报单位应在本地依法注册，具有独立法人资格，近三年无重大安全、环保和失信记录",
    "推动{sectors}等行业企业开展对标诊断，梯次推进数字化、网络化、智能化改造",
    "支持企业与高校院所、解决方案服务商联合开展关键技术攻关和应用推广",
]
SECTORS = [
    "高端装备",
    "电子信息",
    "生物医药",
    "新材料",
    "汽车零部件",
    "纺织服装",
    "绿色食品",
    "集成电路",
    "新能源",
]
UNITS_CITY = [
    "市工信局",
    "市财政局",
    "市科技局",
    "市发展改革委",
    "市人社局",
    "市地方金融监管局",
    "市通信管理办",
]
UNITS_PROVINCE = ["省工业和信息化厅", "省财政厅", "省科技厅", "省发展改革委", "省通信管理局", "省数据局"]
ADDRESSEES_CITY = "各县（市、区）人民政府，各开发区管委会；市各委办局，各直属单位："
ADDRESSEES_PROVINCE = "各设区市人民政府，省各委办厅局，省各直属单位："


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals, as clause numbers are printed (十一, 二十三)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[units] if units else "")


def chinese_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


class _Writer:
    """One synthetic policy: metadata and text lines, with the number of clauses it must chunk into."""

    def __init__(self, rng: random.Random, province: str, city: str | None, abbr: str, slug: str, n: int):
        self.rng = rng
        self.province, self.city, self.abbr = province, city, abbr
        self.place = city or province
        self.lvl = "市" if city else "省"
        self.slug = slug
        self.n = n  # clauses it must produce

    # ---- pieces of text
    def amount(self, lo: int, hi: int) -> int:
        choices = [v for v in (5, 10, 20, 30, 50, 80, 100, 150, 200, 300, 500, 800, 1000) if lo <= v <= hi]
        return self.rng.choice(choices)

    def units(self) -> str:
        pool = UNITS_CITY if self.city else UNITS_PROVINCE
        chosen = self.rng.sample(pool, self.rng.randint(1, 3))
        if self.city:
            return f"（责任单位：{'、'.join(chosen)}）"
        return f"（{'、'.join(chosen)}按职责分工负责）"

    def award(self, topic: Topic) -> str:
        r = self.rng
        who = topic.beneficiary.format(n=r.choice([10, 20, 50, 100, 200, 500]), m=r.randint(1, 9))
        kinds = ["cap", "cap", "once", "share", "share_under", "tiers", "floor", "range", "none"]
        if topic.honor == "星级上云企业":
            kinds += ["stars", "stars", "stars"]
        if topic.base in ("项目贷款额", "设备购置额"):
            kinds += ["interest", "interest"]
        kind = r.choice(kinds)
        cap = self.amount(20, 1000)
        p = r.choice([5, 8, 10, 15, 20, 30])
        if kind == "cap":
            return f"{who}，给予最高不超过{cap}万元奖励。"
        if kind == "once":
            return f"{who}，一次性给予最高{cap}万元的奖励。"
        if kind == "share":
            return f"{who}，按{topic.base}的{p}%给予补助，单个企业最高不超过{cap}万元。"
        if kind == "share_under":
            return f"{who}，按照不超过{topic.base}{p}%的比例给予奖励，最高{cap}万元。"
        if kind == "tiers":
            a, b, c = sorted(r.sample([10, 20, 30, 50, 100, 200, 300, 500], 3), reverse=True)
            return f"对新获评国家级、省级、{self.lvl}级{topic.honor}的，分别给予{a}万元、{b}万元、{c}万元的一次性奖励。"
        if kind == "stars":
            a, b, c = sorted(r.sample([1, 2, 3, 5, 8, 10, 15], 3))
            return f"对完成三星级、四星级、五星级上云的企业，分别给予{a}万元、{b}万元、{c}万元的一次性补贴。"
        if kind == "interest":
            return (
                f"对获得{topic.heading.removeprefix('支持').removeprefix('推动')}相关项目贷款的企业，"
                f"按照项目贷款额的{r.choice([1, 1.5, 2, 3])}%给予贴息，单个企业每年最高{self.amount(50, 300)}万元，"
                f"贴息期限不超过{r.randint(2, 3)}年。"
            )
        if kind == "floor":
            return f"{who}，给予{self.lvl}本级不低于{self.amount(20, 200)}万元的奖励。"
        if kind == "range":
            lo = r.choice([10, 15, 20])
            return f"{who}，按{topic.base}的{lo}%～{lo + r.choice([5, 10, 15])}%给予补助，最高{cap}万元。"
        return ""

    def measure_body(self, topic: Topic) -> str:
        r = self.rng
        parts = [topic.intro + "。"]
        for _ in range(r.choice([1, 1, 1, 2])):
            sectors = "、".join(r.sample(SECTORS, r.randint(2, 4)))
            parts.append(r.choice(DETAIL_SENTENCES).format(sectors=sectors, lvl=self.lvl) + "。")
        parts.append(self.award(topic))
        if r.random() < 0.5:
            parts.append(r.choice(EXTRA_SENTENCES))
        if r.random() < 0.6:
            parts.append(self.units())
        return "".join(p for p in parts if p)

    def measure(self) -> tuple[str, str]:
        topic = self.rng.choice(TOPICS)
        return topic.heading, self.measure_body(topic)

    # ---- the whole document
    def lines(
        self, title: str, doc_number: str, issuer: str, issued: date, expires: date | None
    ) -> list[str]:
        r = self.rng
        out: list[str] = []
        n_measures = self.n - 2  # 序言 and 附则 are clauses too
        appendix = n_measures >= 4 and r.random() < 0.1
        if appendix:
            n_measures -= 1
        if r.random() < 0.7:  # the 印发通知 header, as printed
            if doc_number:
                out.append(doc_number)
            out += [
                f"{issuer}关于印发{title}的通知",
                ADDRESSEES_CITY if self.city else ADDRESSEES_PROVINCE,
                f"现将《{title}》印发给你们，请结合实际，认真贯彻执行。",
                issuer,
                chinese_date(issued),
                "（此件公开发布）",
            ]
        out.append(title)
        out.append(
            f"为深入贯彻落实党中央、国务院关于深化新一代信息技术与制造业融合发展的决策部署，"
            f"{r.choice(PREAMBLE_GOALS)}，推动{self.place}制造业高质量发展，结合{'我市' if self.city else '我省'}实际，"
            f"制定以下措施。"
        )
        out += self._body(n_measures)
        start = issued + timedelta(days=r.choice([0, 0, 10, 30]))
        if expires:
            years = round((expires - start).days / 365)
            out.append(
                f"本措施自{chinese_date(start)}起施行，有效期{'两' if years == 2 else cn_number(max(1, years))}年。"
            )
        else:
            out.append(f"本措施自{chinese_date(start)}起施行。")
        if r.random() < 0.7:
            bureau = f"{self.place}工业和信息化局" if self.city else f"{self.province}工业和信息化厅"
            out.append(f"本措施由{bureau}会同{self.lvl}财政部门负责解释。")
        if appendix:
            out += [
                f"附件：{self.place}工业互联网专项资金申报指南",
                "一、申报主体须在本地依法注册，具有独立法人资格。",
                "二、申报材料包括申报书、项目投资明细及相关证明材料。",
            ]
        return out

    def _body(self, n: int) -> list[str]:
        """Numbered measures that chunk into exactly ``n`` clauses, in one of the real layouts."""
        r = self.rng
        style = r.choice(["sections_paren", "sections_arabic", "flat", "paragraphs", "nested"])
        sections = self._split(n, r.randint(1, max(1, min(9, n // 3))))
        out: list[str] = []
        if style == "flat":  # 一、measure. … (each heading carries its text)
            for i in range(1, n + 1):
                head, body = self.measure()
                out.append(f"{cn_number(i)}、{head}。{body}")
            return out
        item = 0
        for s, count in enumerate(sections, start=1):
            out.append(f"{cn_number(s)}、{r.choice(SECTION_TITLES)}")
            if style == "paragraphs":  # a bare section heading over unnumbered measures: ¶1, ¶2…
                for _ in range(count):
                    out.append(self.measure()[1])
                continue
            if style == "nested" and count >= 2:  # 一、 > （一）title > 1. measure
                subs = self._split(count, r.randint(1, max(1, count // 2)))
                for t, sub in enumerate(subs, start=1):
                    out.append(f"（{cn_number(t)}）{r.choice(SECTION_TITLES)}")
                    for _ in range(sub):
                        item += 1
                        head, body = self.measure()
                        out.append(f"{item}.{head}。{body}")
                continue
            if s == 1 and count >= 2 and r.random() < 0.5:  # 「一、总体要求」 with a goals paragraph
                out[-1] = f"{cn_number(s)}、总体要求"
                out.append(
                    r.choice(GOAL_PARAGRAPHS).format(
                        y=r.randint(2022, 2027),
                        n=r.randint(3, 30),
                        m=r.randint(1, 9),
                        k=r.randint(3, 9),
                        lvl=self.lvl,
                    )
                )
                count -= 1
            for _ in range(count):
                item += 1
                head, body = self.measure()
                marker = f"（{cn_number(item)}）" if style != "sections_arabic" else f"{item}."
                out.append(f"{marker}{head}。{body}")
        return out

    def _split(self, n: int, parts: int) -> list[int]:
        """``n`` into ``parts`` positive counts."""
        parts = max(1, min(parts, n))
        cuts = sorted(self.rng.sample(range(1, n), parts - 1)) if parts > 1 else []
        return [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)]


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _metadata(
    pid: str,
    title: str,
    issuer: str,
    province: str,
    city: str | None,
    doc_number: str,
    issued: date,
    effective: date,
    expires: date | None,
    draft: bool,
    supersedes: list[str],
) -> str:
    lines = [
        f"id = {_toml_str(pid)}",
        f"title = {_toml_str(title)}",
        f"issuer = {_toml_str(issuer)}",
        f"province = {_toml_str(province)}",
    ]
    if city:
        lines.append(f"city = {_toml_str(city)}")
    lines += [f"doc_number = {_toml_str(doc_number)}", f"issued = {issued.isoformat()}"]
    lines.append(f"effective_from = {effective.isoformat()}")
    if expires:
        lines.append(f"expires = {expires.isoformat()}")
    lines.append(f"draft = {'true' if draft else 'false'}")
    if supersedes:
        lines.append("supersedes = [" + ", ".join(_toml_str(s) for s in supersedes) + "]")
    lines.append('source = "synthetic (benchmarks/synth.py)"')
    return "\n".join(lines) + "\n"


def _places(rng: random.Random) -> tuple[str, str | None, str, str]:
    """(province, city or None, 文号 abbreviation, slug); about 1 in 6 policies is province-wide."""
    province = rng.choice(list(PLACES))
    prov_abbr, cities = PLACES[province]
    if rng.random() < 1 / 6:
        return province, None, prov_abbr, PROVINCE_SLUGS[province]
    city, abbr, slug = rng.choice(cities)
    return province, city, abbr, slug


def generate(out_dir: Path, clauses: int, seed: int = 0, include_real: bool = True) -> dict[str, int]:
    """Write a corpus of exactly ``clauses`` clauses into ``out_dir`` (emptied first); returns counts."""
    from assistant.chunking import chunk_policy
    from assistant.cleaning import clean
    from assistant.corpus import load_corpus
    from assistant.records import Policy

    rng = random.Random(seed)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    remaining = clauses
    if include_real:
        for path in sorted(REAL_CORPUS.glob("*.t[xo]*")):
            shutil.copy2(path, out_dir / path.name)
        remaining -= sum(len(lp.clauses) for lp in load_corpus(out_dir))
        if remaining < 0:
            raise ValueError(f"the real corpus alone has more than {clauses} clauses")
    written: dict[str, int] = {}
    by_place: dict[str, list[str]] = {}
    used_numbers: set[tuple[str, int, int]] = set()
    n = 0
    while remaining > 0:
        size = rng.choice([8, 12, 16, 20, 24, 28, 32, 40])
        if remaining - size < 3:
            size = remaining  # the last policy takes the rest (at least 序言 + a measure + 附则)
        if size < 3:  # fewer than 3 left: grow the previous plan instead (only on tiny targets)
            raise ValueError(f"cannot reach exactly {clauses} clauses (3 clauses per policy at least)")
        n += 1
        province, city, abbr, slug = _places(rng)
        issued = date(2018, 1, 1) + timedelta(days=rng.randrange(0, 8 * 365))
        y = issued.year
        year_span = (y, y + 2)
        title = rng.choice(TITLES).format(place=city or province, y=year_span[0], y2=year_span[1])
        draft = rng.random() < 0.05
        if draft:
            title += "（征求意见稿）"
        issuer = rng.choice(
            [
                f"{city or province}人民政府",
                f"{city or province}人民政府办公室" if city else f"{province}人民政府办公厅",
                f"{city}工业和信息化局" if city else f"{province}工业和信息化厅",
            ]
        )
        doc_number = ""
        if not draft and rng.random() < 0.8:
            kind = rng.choice(["政发", "政办发", "政办", "工信发"] if city else ["政发", "政办发", "工信发"])
            while True:
                number = rng.randint(1, 199)
                if number not in RESERVED_NUMBERS and (abbr + kind, y, number) not in used_numbers:
                    break
            used_numbers.add((abbr + kind, y, number))
            doc_number = f"{abbr}{kind}〔{y}〕{number}号"
        expires = None
        if not draft and rng.random() < 0.6:
            expires = issued + timedelta(days=rng.choice([2, 3, 5]) * 365 - 1)
        place_key = city or province
        supersedes = []
        if by_place.get(place_key) and rng.random() < 0.1:
            supersedes = [rng.choice(by_place[place_key])]
        pid = f"syn-{slug}-{y}-{n:04d}"
        writer = _Writer(rng, province, city, abbr, slug, size)
        text = "\n".join(writer.lines(title, doc_number, issuer, issued, expires)) + "\n"
        meta = _metadata(
            pid, title, issuer, province, city, doc_number, issued, issued, expires, draft, supersedes
        )
        # check the chunking before writing: the plan must hold exactly
        policy = Policy(
            id=pid,
            title=title,
            issuer=issuer,
            province=province,
            city=city,
            doc_number=doc_number,
            issued=issued,
            effective_from=issued,
            expires=expires,
            draft=draft,
            supersedes=supersedes,
        )
        got = len(chunk_policy(policy, clean(text)))
        if got != size:
            raise AssertionError(f"{pid}: planned {size} clauses, chunked into {got}\n{text}")
        (out_dir / f"{pid}.txt").write_text(text, encoding="utf-8")
        (out_dir / f"{pid}.toml").write_text(meta, encoding="utf-8")
        written[pid] = size
        by_place.setdefault(place_key, []).append(pid)
        remaining -= size
    loaded = load_corpus(out_dir)
    total = sum(len(lp.clauses) for lp in loaded)
    assert total == clauses, f"{out_dir}: {total} clauses, wanted {clauses}"
    return {"policies": len(loaded), "synthetic_policies": len(written), "clauses": total}


def corpus_dir_for(size: int, base: Path = DEFAULT_BASE) -> Path:
    return base / f"corpus-{size}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clauses", type=int, required=True, help="total clauses (real corpus included)")
    ap.add_argument("--out", type=Path, help=f"folder (default {DEFAULT_BASE}/corpus-<clauses>)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-real", action="store_true", help="synthetic policies only")
    args = ap.parse_args(argv)
    out = args.out or corpus_dir_for(args.clauses)
    counts = generate(out, args.clauses, args.seed, include_real=not args.no_real)
    print(
        f"{out}: {counts['policies']} policies ({counts['synthetic_policies']} synthetic), {counts['clauses']} clauses"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
