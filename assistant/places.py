"""Which places and documents a question names: 苏州 (Jiangsu) is not 宿州 (Anhui)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.records import Policy

# Cities with policies in the corpus, and the county-level places inside them.
# Short district names that occur inside ordinary words (金安 in 资金安全) are left out on purpose.
CITY_ALIASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "苏州市": (
        "江苏省",
        ("苏州", "蘇州", "姑苏", "吴中", "相城", "吴江", "昆山", "常熟", "张家港", "太仓", "虎丘"),
    ),
    # 甬桥: a common miswriting of 埇桥
    "宿州市": ("安徽省", ("宿州", "埇桥", "甬桥", "砀山", "萧县", "灵璧", "泗县")),
    "六安市": ("安徽省", ("六安", "霍邱", "舒城", "金寨", "霍山", "叶集", "裕安区", "金安区")),
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
# County-level places outside the covered cities, and regions: named, they mean "not a covered city".
# Names that also occur inside ordinary words (和县 in 市和县两级, 扬中 in 弘扬中华, 太湖, 无为) are left out.
_COUNTIES_BY_PROVINCE = {
    "江苏": "江阴 宜兴 溧阳 新沂 邳州 丰县 沛县 睢宁 启东 如皋 海门 海安 灌云 灌南 涟水 盱眙 金湖 响水 阜宁 "
    "射阳 建湖 东台 宝应 仪征 高邮 丹阳 句容 靖江 泰兴 沭阳 泗阳 泗洪 六合 溧水 高淳 江宁 浦口",
    "安徽": "肥东 肥西 庐江 巢湖 南陵 怀远 五河 固镇 凤台 寿县 当涂 含山 濉溪 枞阳 怀宁 宿松 望江 岳西 桐城 "
    "潜山 歙县 休宁 黟县 祁门 全椒 凤阳 临泉 阜南 颍上 界首 涡阳 蒙城 利辛 石台 郎溪 泾县 绩溪 旌德 宁国 广德",
    "浙江": "义乌 慈溪 余姚 诸暨 永康 乐清 瑞安 温岭",
    "福建": "晋江 石狮",
    "广东": "顺德",
}
OTHER_COUNTIES = [c for names in _COUNTIES_BY_PROVINCE.values() for c in names.split()]
REGIONS = "苏北 苏南 苏中 苏锡常 长三角 珠三角 京津冀 皖北 皖南 皖中 皖江".split()
_OTHER_PLACES = (*OTHER_CITIES, *OTHER_COUNTIES, *REGIONS)  # named places no seed policy covers
# Words that contain a place name but are not places; masked before detection.
_NOT_PLACES = re.compile(r"复合肥|扩大连|加大连|大连接|确保定|保定期|隆重庆|郑重庆|严重庆")
# 「不是苏州，是宿州」「别给我苏州的政策」: a negated place is not the place asked about
_NEGATION = r"(?:不是|并非|而非|不要|别给我|别用|不问|不找|不包括|排除)"
_STREET = r"(?=路|街|大道|大街|巷|弄)"  # 宿州路, 苏州街: streets named after cities

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
_COUNTY_PROVINCE = {c: province_name(p) for p, names in _COUNTIES_BY_PROVINCE.items() for c in names.split()}


def _province_of_unknown(place: str) -> str | None:
    """无锡 → 江苏省, 江阴 → 江苏省; None for a province or region."""
    return CITY_PROVINCE.get(f"{place}市") or _COUNTY_PROVINCE.get(place)


_ENGLISH = {
    "jiangsu": ["江苏省"],
    "anhui": ["安徽省"],
    "lu'an": ["六安市"],
    "luan": ["六安市"],
    "liuan": ["六安市"],
    "kunshan": ["苏州市"],
    "suzhou": ["苏州市", "宿州市"],  # ambiguous in pinyin
    "su zhou": ["苏州市", "宿州市"],
}
# 〔2020〕120号, 120号文; not a street or building number (银河路172号, 3号楼)
_DOC_NUMBER = re.compile(
    r"(?:〔|\[|［|（|\()?((?:19|20)\d{2})?(?:〕|\]|］|）|\))?\s*第?(?<![路街道巷弄村栋幢楼室层\d])(\d{1,4})\s*号(?![楼院室线])"
)


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


def _latin(word: str, text: str) -> bool:
    """A pinyin word on its own: letters may not touch it, Chinese characters may (「Lu'an那边」)."""
    return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) is not None


def detect_places(question: str, library: Iterable[Policy] | None = None) -> PlaceQuery:
    """Places and 文号 a question names; ``library`` (the policies served) says which places have policies."""
    cities, provinces = _library_places(library)
    text = _masked(question, cities)
    q = PlaceQuery()
    for city, aliases in cities.items():
        if any(a in text for a in aliases):
            q.cities.append(city)
    for prov in PROVINCES:
        if prov in text:
            full = province_name(prov)
            if full in provinces:
                q.provinces.append(full)
            else:
                q.unknown.append(prov)
    known = {c.removesuffix("市") for c in cities}
    q.unknown += [c for c in _OTHER_PLACES if c in text and c not in known]
    _add_latin(q, text.lower().replace("’", "'"), cities, provinces)
    q.doc_numbers = [(m.group(1), m.group(2)) for m in _DOC_NUMBER.finditer(text)]
    return q


def _add_latin(q: PlaceQuery, lowered: str, cities: dict[str, tuple[str, ...]], covered: set[str]) -> None:
    """Places spelled in Latin letters; ``covered``: the provinces with policies."""
    for word, targets in _ENGLISH.items():
        if not _latin(word, lowered):
            continue
        if word in ("suzhou", "su zhou"):
            targets = _which_suzhou(q)
        for c in targets:
            target = q.provinces if c.endswith("省") else q.cities
            if c not in target:
                target.append(c)
    # any other place in pinyin (Dangshan, Huaibei, Suqian): the Chinese name it spells
    words = re.findall(r"[a-z]+", lowered)
    spelled = set(words) | {a + b for a, b in zip(words, words[1:], strict=False)}
    by_alias = {a: city for city, aliases in cities.items() for a in aliases}
    for word in sorted(spelled & _pinyin_places().keys()):
        for name in _pinyin_places()[word]:
            city, province = by_alias.get(name), province_name(name) if name in PROVINCES else None
            if city:
                q.cities += [city] if city not in q.cities else []
            elif province in covered:
                q.provinces += [province] if province not in q.provinces else []
            elif name not in q.unknown and province not in q.provinces:
                q.unknown.append(name)


@lru_cache(maxsize=1)
def _pinyin_places() -> dict[str, tuple[str, ...]]:
    """「dangshan」→ (砀山,): every place name the detector knows, spelled in pinyin (Suzhou aside)."""
    from pypinyin import lazy_pinyin

    names = {a for _, aliases in CITY_ALIASES.values() for a in aliases} | set(OTHER_CITIES)
    names |= set(OTHER_COUNTIES) | {c.removesuffix("市") for c in CITY_PROVINCE} | set(PROVINCES)
    out: dict[str, list[str]] = {}
    for name in sorted(names):
        if re.fullmatch(r"[\u4e00-\u9fff]+", name):
            out.setdefault("".join(lazy_pinyin(name)), []).append(name)
    return {k: tuple(v) for k, v in out.items() if k not in ("suzhou", "jiangsu", "anhui")}


def _which_suzhou(q: PlaceQuery) -> list[str]:
    """ "Suzhou" next to 苏州/宿州 or Jiangsu/Anhui is that one; on its own it is both (and ambiguous)."""
    if "苏州市" in q.cities or "宿州市" in q.cities:
        return []
    if "江苏省" in q.provinces and "安徽省" not in q.provinces:
        return ["苏州市"]
    if "安徽省" in q.provinces and "江苏省" not in q.provinces:
        return ["宿州市"]
    q.ambiguous = True
    return ["苏州市", "宿州市"]


def _masked(text: str, cities: dict[str, tuple[str, ...]]) -> str:
    """``text`` with words that only look like places blanked out (same length, so positions hold):
    复合肥, 宿州路, and negated places (「不是苏州，是宿州」)."""
    street, negated = _mask_patterns(_aliases_key(cities))
    text = street.sub(_blank, _NOT_PLACES.sub(_blank, text))
    return negated.sub(lambda m: m.group(1) + "\u3000" * len(m.group(2)), text)


def _aliases_key(cities: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(sorted({a for aliases in cities.values() for a in aliases}))


@lru_cache(maxsize=8)  # keyed by the library's city aliases: built once per library, not per question
def _mask_patterns(aliases: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    names = set(aliases) | set(PROVINCES) | set(_OTHER_PLACES)
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    street = re.compile(rf"(?:{alt})[市县区]?{_STREET}")
    negated = re.compile(rf"({_NEGATION})((?:江苏|安徽)?省?的?(?:{alt})[市省县区]?)")
    return street, negated


def _blank(m: re.Match[str]) -> str:
    return "\u3000" * len(m.group(0))


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
    """Ids of the policies a question may be answered from; None = no place restriction.

    A 文号 narrows to its policy, within the named places when there are any (an empty list: the named
    place has no such document). A province named beside one of its cities (「安徽宿州」) only qualifies
    the city: the province's own policies and the city's, not its other cities'.
    """
    in_place = _in_place(q, policies) if q.named else None
    if q.doc_numbers:
        by_number = [p.id for p in policies if _matches_doc_number(p, q.doc_numbers)]
        if by_number:
            return by_number if in_place is None else [i for i in by_number if i in in_place]
    return in_place


def _in_place(q: PlaceQuery, policies: list[Policy]) -> list[str]:
    province_of = {p.city: p.province for p in policies if p.city}
    city_provinces = {city_province(c) or province_of.get(c) for c in q.cities}
    city_provinces |= {_province_of_unknown(u) for u in q.unknown}  # 「江苏无锡」: 无锡 qualifies 江苏
    ids = []
    for p in policies:
        if p.city and p.city in q.cities:
            ids.append(p.id)
        elif p.city is None and (p.province in q.provinces or p.province in city_provinces):
            ids.append(p.id)  # a province-wide policy applies in each of its cities
        elif p.city and p.province in q.provinces and p.province not in city_provinces:
            ids.append(p.id)  # the province on its own: all of its cities
    return ids


def _matches_doc_number(policy: Policy, wanted: list[tuple[str | None, str]]) -> bool:
    m = re.search(r"〔(\d{4})〕(\d+)号", policy.doc_number)
    if not m:
        return False
    return any(num == m.group(2) and (year is None or year == m.group(1)) for year, num in wanted)


def place_words(text: str, library: Iterable[Policy] | None = None) -> list[str]:
    """Every place word in ``text``, in order, longest first where they overlap (苏州市, not 苏州 + 市).

    Knows every place the detector knows, covered or not: 「那无锡呢？」 after a 苏州 question asks about
    无锡, so the follow-up must swap the place rather than keep 苏州. Negated places do not count.
    """
    cities, _ = _library_places(library)
    masked = _masked(text.replace("’", "'"), cities)
    return _place_word_pattern(_aliases_key(cities), tuple(cities)).findall(masked)


@lru_cache(maxsize=8)
def _place_word_pattern(aliases: tuple[str, ...], cities: tuple[str, ...]) -> re.Pattern[str]:
    bases = set(aliases) | set(_OTHER_PLACES)
    bases |= {c.removesuffix("市") for c in [*cities, *CITY_PROVINCE]}
    words = bases | {b + "市" for b in bases} | set(PROVINCES) | {province_name(p) for p in PROVINCES}
    words |= {c + suffix for c in OTHER_COUNTIES for suffix in ("县", "区")}
    chinese = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    spelled = sorted({*_ENGLISH, *_pinyin_places()}, key=len, reverse=True)  # 「那Kunshan呢？」
    latin = rf"(?<![a-z])(?:{'|'.join(re.escape(w) for w in spelled)})(?![a-z])"
    return re.compile(f"{chinese}|{latin}", flags=re.IGNORECASE)


def place_terms() -> set[str]:
    """Every place word the detector knows; they say where, not what, so support tests skip them."""
    words = {c.removesuffix("市") for c in CITY_ALIASES} | set(PROVINCES) | set(_OTHER_PLACES)
    for _, aliases in CITY_ALIASES.values():
        words |= set(aliases)
    return words | {w + suffix for w in list(words) for suffix in ("市", "省", "县", "区")}


def prefers_province_wide(q: PlaceQuery) -> bool:
    """「江苏省…」 without a city: the province's own policies answer first."""
    return bool(q.provinces) and not q.cities and not q.doc_numbers
