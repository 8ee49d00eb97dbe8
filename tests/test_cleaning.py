from hypothesis import assume, given
from hypothesis import strategies as st

from assistant.cleaning import clean, is_debris, normalize_characters, normalize_line, unwrap
from tests.conftest import CORPUS


def test_document_number_brackets_are_restored():
    assert normalize_characters("苏府„2020‟120号") == "苏府〔2020〕120号"
    assert "苏府〔2020〕120号" in clean((CORPUS / "suzhou-2020-120.txt").read_text())


def test_misdecoded_character_is_fixed():
    assert normalize_characters("优化专业设臵") == "优化专业设置"
    assert "设臵" not in clean((CORPUS / "suzhou-2020-120.txt").read_text())


def test_spaces_next_to_chinese_are_removed_but_not_between_latin_words():
    assert normalize_line("给予最高 500万元的奖励") == "给予最高500万元的奖励"
    assert normalize_line("2020年 6月 23日") == "2020年6月23日"
    assert normalize_line("千兆光网终端设备（10G PON）升级") == "千兆光网终端设备（10G PON）升级"


def test_ascii_brackets_around_chinese_become_full_width():
    assert normalize_line("(一) 提升网络水平") == "（一）提升网络水平"
    assert normalize_line("(征求意见稿)") == "（征求意见稿）"
    assert normalize_line("IPv6 (Internet Protocol)") == "IPv6 (Internet Protocol)"


def test_full_width_digits_and_invisible_characters():
    assert normalize_characters("８００万\u200b元") == "800万元"


def test_page_markers_and_print_footer_are_dropped():
    text = clean((CORPUS / "suzhou-2020-172.txt").read_text())
    assert "— 1 —" not in text
    assert "印发" in text  # the notice text stays…
    assert not any(line.endswith("日印发") for line in text.splitlines())  # …the footer goes


def test_lines_broken_mid_sentence_are_joined():
    text = clean((CORPUS / "suzhou-2020-172.txt").read_text())
    assert "对服务企业数超500家、连接设备数超5万台的平台，给予最高500万元的奖励。" in text
    assert "建成5G基站3.5万个" in text  # a number split across two lines


def test_unwrap_keeps_headings_and_numbered_items_apart():
    lines = ["一、工作目标", "力争到2022年，建成基础支撑有力的", "领先城市。", "（一）加快平台发展。"]
    assert unwrap(lines) == [
        "一、工作目标",
        "力争到2022年，建成基础支撑有力的领先城市。",
        "（一）加快平台发展。",
    ]


def test_one_paragraph_per_line_text_is_left_as_it_is():
    raw = (CORPUS / "suzhou-anhui-2021.txt").read_text()
    text = clean(raw)
    assert (
        "鼓励企业实施设备数字化、网络化、智能化技术改造，按照项目设备购置额的8%给予奖补，最高100万元。（责任单位：市经济和信息化局、市财政局）\n"
        in text
    )


def test_every_seed_cleans_idempotently():
    for path in sorted(CORPUS.glob("*.txt")):
        once = clean(path.read_text())
        assert clean(once) == once, path.name


@given(st.text(alphabet=st.sampled_from(list("一二三、（）。，0123456789万元\n 苏州宿州号—")), max_size=200))
def test_clean_loses_no_text(text):
    """Cleaning moves line breaks and drops spaces; it never drops or invents a character."""
    assume(not any(is_debris(line) for line in text.split("\n")))  # page markers are meant to go
    squeeze = str.maketrans("", "", " \n")
    assert clean(text).translate(squeeze) == text.translate(squeeze)
