"""Which places and documents a question names: 苏州 (Jiangsu) is not 宿州 (Anhui)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.records import Policy

# Cities with policies in the corpus, and the county-level places inside them.
# Short district names that occur inside ordinary words (金安 in 资金安全) are left out on purpose.
CITY_ALIASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "苏州市": (
        "江苏省",
        ("苏州", "姑苏", "吴中区", "相城", "吴江", "昆山", "常熟", "张家港", "太仓", "虎丘区"),
    ),
    "宿州市": ("安徽省", ("宿州", "埇桥", "砀山", "萧县", "灵璧", "泗县")),
    "六安市": ("安徽省", ("六安", "霍邱", "舒城", "金寨", "霍山", "叶集区", "裕安区", "金安区")),
}
PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 "
    "海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()
# Other prefecture-level cities a user may ask about; none has a policy in the corpus.
OTHER_CITIES = (
    "南京 无锡 徐州 常州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 "
    "安庆 黄山 滁州 阜阳 亳州 池州 宣城 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 台州 广州 深圳 东莞 佛山 珠海 "
    "成都 武汉 西安 长沙 郑州 济南 青岛 厦门 福州 泉州 大连 沈阳 哈尔滨 长春 石家庄 太原 南昌 昆明 贵阳 "
    "南宁 海口 兰州 银川 西宁 乌鲁木齐 拉萨 呼和浩特 烟台 潍坊 唐山 保定 洛阳"
).split()
# Prefecture-level cities and their provinces: a new policy's region is read off its issuer with this.
_CITIES_BY_PROVINCE = {
    "江苏": "南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁",
    "安徽": "合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城",
    "浙江": "杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水",
    "广东": "广州 深圳 珠海 汕头 佛山 韶关 湛江 肇庆 江门 茂名 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮",
    "山东": "济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽",
    "福建": "福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德",
    "河南": "郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店",
    "河北": "石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水",
    "湖北": "武汉",
    "湖南": "长沙",
    "四川": "成都",
    "陕西": "西安",
    "辽宁": "沈阳 大连",
    "吉林": "长春",
    "黑龙江": "哈尔滨",
    "山西": "太原",
    "江西": "南昌",
    "云南": "昆明",
    "贵州": "贵阳",
    "海南": "海口",
    "甘肃": "兰州",
    "青海": "西宁",
    "广西": "南宁",
    "宁夏": "银川",
    "新疆": "乌鲁木齐",
    "西藏": "拉萨",
    "内蒙古": "呼和浩特",
}
_PROVINCE_SUFFIX = {
    "北京": "市",
    "天津": "市",
    "上海": "市",
    "重庆": "市",
    "内蒙古": "自治区",
    "广西": "壮族自治区",
    "西藏": "自治区",
    "宁夏": "回族自治区",
    "新疆": "维吾尔自治区",
    "香港": "特别行政区",
    "澳门": "特别行政区",
}


def province_name(short: str) -> str:
    """江苏 → 江苏省, 广西 → 广西壮族自治区."""
    return short + _PROVINCE_SUFFIX.get(short, "省")


CITY_PROVINCE: dict[str, str] = {
    f"{city}市": province_name(prov)
    for prov, cities in _CITIES_BY_PROVINCE.items()
    for city in cities.split()
}
_ENGLISH_ELSEWHERE = {
    "beijing": "北京",
    "shanghai": "上海",
    "tianjin": "天津",
    "chongqing": "重庆",
    "shenzhen": "深圳",
    "guangzhou": "广州",
    "hangzhou": "杭州",
    "nanjing": "南京",
    "hefei": "合肥",
    "wuxi": "无锡",
    "chengdu": "成都",
    "wuhan": "武汉",
    "zhejiang": "浙江",
    "guangdong": "广东",
    "shandong": "山东",
}
_ENGLISH = {
    "jiangsu": ["江苏省"],
    "anhui": ["安徽省"],
    "lu'an": ["六安市"],
    "luan": ["六安市"],
    "suzhou": ["苏州市", "宿州市"],  # ambiguous in pinyin
}
_DOC_NUMBER = re.compile(r"(?:〔|\[|［|（|\()?((?:19|20)\d{2})?(?:〕|\]|］|）|\))?\s*第?(\d{1,4})\s*号")


@dataclass
class PlaceQuery:
    cities: list[str] = field(default_factory=list)  # 苏州市…
    provinces: list[str] = field(default_factory=list)  # 江苏省… named on their own
    unknown: list[str] = field(default_factory=list)  # places with no policy in the corpus
    ambiguous: bool = False  # "Suzhou" in Latin letters
    doc_numbers: list[tuple[str | None, str]] = field(default_factory=list)  # (year, number)

    @property
    def named(self) -> bool:
        return bool(self.cities or self.provinces)


def detect_places(question: str, library: Iterable[Policy] | None = None) -> PlaceQuery:
    """Places and 文号 a question names; ``library`` (the policies served) says which places have policies."""
    cities, provinces = _library_places(library)
    q = PlaceQuery()
    for city, aliases in cities.items():
        if any(a in question for a in aliases):
            q.cities.append(city)
    for prov in PROVINCES:
        if prov in question:
            full = province_name(prov)
            if full in provinces:
                q.provinces.append(full)
            else:
                q.unknown.append(prov)
    known = {c.removesuffix("市") for c in cities}
    q.unknown += [c for c in OTHER_CITIES if c in question and c not in known]
    lowered = question.lower()
    for word, cities in _ENGLISH.items():
        if re.search(rf"\b{re.escape(word)}\b", lowered):
            if word == "suzhou" and not q.cities:
                q.ambiguous = True
            for c in cities:
                target = q.provinces if c.endswith("省") else q.cities
                if c not in target:
                    target.append(c)
    q.unknown += [city for word, city in _ENGLISH_ELSEWHERE.items() if re.search(rf"\b{word}\b", lowered)]
    q.doc_numbers = [(m.group(1), m.group(2)) for m in _DOC_NUMBER.finditer(question)]
    return q


_MUNICIPALITIES_AND_REGIONS = {
    "北京",
    "天津",
    "上海",
    "重庆",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
    "台湾",
}
_CORPUS_PROVINCES = {"江苏省", "安徽省"}


def _library_places(library: Iterable[Policy] | None) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    """city → aliases, and the provinces, that have policies (the seed corpus's when not given)."""
    cities = {city: aliases for city, (_, aliases) in CITY_ALIASES.items()}
    if library is None:
        return cities, set(_CORPUS_PROVINCES)
    policies = list(library)
    for p in policies:
        if p.city and p.city not in cities:
            cities[p.city] = (p.city.removesuffix("市"),)
    return cities, {p.province for p in policies}


def city_province(city: str) -> str | None:
    return CITY_ALIASES[city][0] if city in CITY_ALIASES else CITY_PROVINCE.get(city)


def library_regions(library: Iterable[Policy]) -> str:
    """「江苏省、苏州市（江苏）…」: the places the library covers, for the unknown-place refusal."""
    out: list[str] = []
    for p in library:
        name = p.province if p.city is None else f"{p.city}（{p.province.removesuffix('省')}）"
        if name not in out:
            out.append(name)
    return "、".join(out)


def allowed_policies(q: PlaceQuery, policies: list[Policy]) -> list[str] | None:
    """Ids of the policies a question may be answered from; None = no place restriction."""
    if q.doc_numbers:
        by_number = [p.id for p in policies if _matches_doc_number(p, q.doc_numbers)]
        if by_number:
            return by_number
    if not q.named:
        return None
    ids = []
    for p in policies:
        if p.city and p.city in q.cities or p.province in q.provinces:
            ids.append(p.id)
        elif p.city is None and any(city_province(c) == p.province for c in q.cities):
            ids.append(p.id)  # a province-wide policy applies in each of its cities
    return ids


def _matches_doc_number(policy: Policy, wanted: list[tuple[str | None, str]]) -> bool:
    m = re.search(r"〔(\d{4})〕(\d+)号", policy.doc_number)
    if not m:
        return False
    return any(num == m.group(2) and (year is None or year == m.group(1)) for year, num in wanted)


def place_words(text: str, library: Iterable[Policy] | None = None) -> list[str]:
    """Every place word in ``text``, in order, longest first where they overlap (苏州市, not 苏州 + 市).

    Knows every place the detector knows, covered or not: 「那无锡呢？」 after a 苏州 question asks about
    无锡, so the follow-up must swap the place rather than keep 苏州.
    """
    cities, _ = _library_places(library)
    bases = {a for aliases in cities.values() for a in aliases} | set(OTHER_CITIES)
    bases |= {c.removesuffix("市") for c in [*cities, *CITY_PROVINCE]}
    words = bases | {b + "市" for b in bases} | set(PROVINCES) | {province_name(p) for p in PROVINCES}
    pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.findall(pattern, text)


def place_terms() -> set[str]:
    """Every place word the detector knows; they say where, not what, so support tests skip them."""
    words = {c.removesuffix("市") for c in CITY_ALIASES} | set(PROVINCES) | set(OTHER_CITIES)
    for _, aliases in CITY_ALIASES.values():
        words |= set(aliases)
    return words | {w + suffix for w in list(words) for suffix in ("市", "省", "县", "区")}


def prefers_province_wide(q: PlaceQuery) -> bool:
    """「江苏省…」 without a city: the province's own policies answer first."""
    return bool(q.provinces) and not q.cities and not q.doc_numbers
