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
    jiangyin = POLICIES[0].model_copy(update={"id": "jiangyin", "city": "江阴市"})
    assert place_words("那江阴呢？") == [] and place_words("那江阴呢？", [*POLICIES, jiangyin]) == ["江阴"]
