import pytest

from assistant.corpus import load_corpus
from assistant.places import allowed_policies, detect_places, place_words
from tests.conftest import CORPUS

POLICIES = [lp.policy for lp in load_corpus(CORPUS)]


def allowed(question: str) -> set[str] | None:
    ids = allowed_policies(detect_places(question), POLICIES)
    return None if ids is None else set(ids)


def test_suzhou_jiangsu_and_suzhou_anhui_never_mix():
    assert allowed("宿州设备购置额800万元能拿多少奖补？") == {"suzhou-anhui-2021"}
    assert allowed("苏州上云补贴多少") == {"suzhou-2020-172", "suzhou-2020-120", "jiangsu-platform"}


def test_district_names_map_to_their_city():
    assert allowed("我们厂在砀山县") == {"suzhou-anhui-2021"}
    assert allowed("昆山的企业贷款贴息") == {"suzhou-2020-172", "suzhou-2020-120", "jiangsu-platform"}


def test_province_includes_its_cities():
    assert allowed("安徽省有什么工业互联网政策") == {"suzhou-anhui-2021", "luan-draft"}


def test_document_number_selects_the_policy():
    assert allowed("苏府〔2020〕120号规定了什么") == {"suzhou-2020-120"}
    assert allowed("172号文的上云补贴") == {"suzhou-2020-172"}


def test_unknown_places_are_reported():
    q = detect_places("北京有什么补贴")
    assert q.unknown == ["北京"] and not q.named
    assert detect_places("合肥的企业").unknown == ["合肥"]


def test_words_that_contain_district_names_are_not_places():
    assert allowed("如何保障资金安全") is None


def test_pinyin_suzhou_is_ambiguous():
    q = detect_places("What subsidies does Suzhou offer?")
    assert q.ambiguous and set(q.cities) == {"苏州市", "宿州市"}


def test_no_place_means_no_filter():
    assert allowed("上云补贴有哪些") is None


def test_place_words_find_every_known_place_longest_first():
    assert place_words("江苏省苏州市和无锡、合肥的政策") == ["江苏省", "苏州市", "无锡", "合肥"]
    assert place_words("如何保障资金安全") == []
    # a city only a published policy names is a place too
    zhuzhou = POLICIES[0].model_copy(update={"id": "zhuzhou", "city": "株洲市", "province": "湖南省"})
    assert place_words("那株洲呢？") == [] and place_words("那株洲呢？", [*POLICIES, zhuzhou]) == ["株洲"]


def test_a_street_or_building_number_is_not_a_document_number():
    assert detect_places("我们公司地址是宿州市银河路172号").doc_numbers == []
    assert detect_places("厂区3号楼").doc_numbers == []
    assert allowed("六安市梅山路120号的企业上云补贴多少？") == {"luan-draft"}
    assert allowed("172号的定向云券") == {"suzhou-2020-172"}


def test_a_document_number_from_another_place_allows_nothing():
    assert allowed("宿州市政府120号文件设备补贴多少？") == set()  # 120号 is 苏州's


def test_a_province_named_with_its_city_only_qualifies_the_city():
    assert allowed("请问在安徽宿州，两化融合贯标奖励多少？") == {"suzhou-anhui-2021"}
    assert allowed("安徽省六安市标识解析奖励多少？") == {"luan-draft"}
    assert allowed("江苏和宿州的上云补贴") == {
        "jiangsu-platform",
        "suzhou-2020-172",
        "suzhou-2020-120",
        "suzhou-anhui-2021",
    }
    assert allowed("江苏无锡的上云补贴") == {"jiangsu-platform"}  # 无锡 has no city policy


@pytest.mark.parametrize(
    ("question", "cities", "ambiguous"),
    [
        ("我是Lu’an的企业，智能制造诊断补贴多少？", ["六安市"], False),
        ("Suzhou Jiangsu 项目贷款贴息多少？", ["苏州市"], False),
        ("Suzhou, Anhui 数字化车间奖励多少？", ["宿州市"], False),
        ("宿州 Suzhou 上云补贴多少？", ["宿州市"], False),
        ("What subsidies does Suzhou offer?", ["苏州市", "宿州市"], True),
        ("Dangshan 5G+工业互联网示范项目奖励多少？", ["宿州市"], False),  # any known place in pinyin
        ("Kunshan company cloud subsidy", ["苏州市"], False),
    ],
)
def test_pinyin_places_next_to_chinese_and_suzhou_disambiguated(question, cities, ambiguous):
    q = detect_places(question)
    assert q.cities == cities and q.ambiguous == ambiguous


@pytest.mark.parametrize(
    "question",
    ["不是苏州，是宿州，上云补贴多少？", "我说的是安徽宿州不是江苏苏州", "别给我苏州的政策，我要宿州的"],
)
def test_a_negated_place_is_not_asked_about(question):
    assert allowed(question) == {"suzhou-anhui-2021"}


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("请问在江阴，标识解析奖励多少？", ["江阴"]),
        ("皖北地区设备补贴多少？", ["皖北"]),
        ("义乌的企业", ["义乌"]),
    ],
)
def test_counties_and_regions_without_policies_are_unknown_places(question, unknown):
    q = detect_places(question)
    assert q.unknown == unknown and not q.named


@pytest.mark.parametrize("question", ["复合肥企业上云补贴", "扩大连接规模", "确保定期申报", "市和县两级财政"])
def test_words_that_contain_a_city_name_are_not_places(question):
    q = detect_places(question)
    assert not q.named and q.unknown == []


def test_streets_named_after_cities_are_not_places_and_more_district_spellings_are():
    assert detect_places("苏州市宿州路的企业上云补贴多少？").cities == ["苏州市"]
    assert detect_places("吴中那边两化融合").cities == ["苏州市"]
    assert detect_places("请问在蘇州").cities == ["苏州市"]
    assert detect_places("甬桥区的企业").cities == ["宿州市"]


def test_places_without_policies_in_pinyin_are_unknown():
    assert detect_places("我是Huaibei的企业").unknown == ["淮北"]
    assert detect_places("请问在Suqian，两化融合贯标奖励多少？").unknown == ["宿迁"]
    assert detect_places("L4 level firm, 5G network").unknown == []


def test_a_province_in_pinyin_counts_as_covered_once_the_library_has_its_policy():
    assert detect_places("Zhejiang cloud subsidy", POLICIES).unknown == ["浙江"]
    zhejiang = POLICIES[0].model_copy(update={"id": "zhejiang", "province": "浙江省", "city": None})
    q = detect_places("Zhejiang cloud subsidy", [*POLICIES, zhejiang])
    assert q.provinces == ["浙江省"] and q.unknown == []
