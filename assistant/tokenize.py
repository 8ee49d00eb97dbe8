"""Chinese lexical tokens for BM25 and for measuring how much of a question a clause covers."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

# Domain terms jieba would otherwise split (定向云券 → 定向/云/券).
_DOMAIN_WORDS = (
    "工业互联网 定向云券 上云 上云用平台 标识解析 二级节点 首台套 首台（套） 首版次 智改数转 智能化改造 "
    "数字化转型 贴息 奖补 设备购置额 项目贷款额 营业收入 销售总额 销售价格 合同额 投资额 项目总投资 "
    "上云总投入 智能工厂 数字化车间 示范车间 示范工厂 揭榜挂帅 双跨 征求意见稿 有效期 宿州 苏州 六安 "
    "江苏 安徽 砀山 萧县 灵璧 泗县 埇桥 昆山 吴江 常熟 张家港 太仓 霍邱 舒城 金寨 霍山 诊断服务"
).split()
for _w in _DOMAIN_WORDS:
    jieba.add_word(_w, freq=200000)

_STOP = set(
    "的 了 和 与 及 或 是 在 对 为 按 按照 给予 可以 能 能够 吗 呢 吧 啊 呀 么 什么 多少 怎么 怎样 如何 "
    "哪些 哪个 有 有没有 没有 我 我们 你 您 他们 公司 企业 这个 那个 一个 一下 请问 请 想 要 会 都 也 就 "
    "还 如果 那 这 其 之 等 上 中 下 个 拿 得到 可 能拿 政策 规定 相关 方面 情况".split()
)
# Words people wrap a question in; they say nothing about which clause answers it.
FILLERS = set(
    "现在 目前 今年 去年 这边 那边 市里 省里 区里 县里 咱 咱们 厂子 小厂 厂 钱 多少钱 能补 能奖 能给 最多 最多能 "
    "要是 一家 建了 搭个 照着 出了 没 啥 有啥 一样 不同 区别 分别 各 各自 比起来 是不是 具体 怎么样 号文 文对 "
    "文件 里 文里 那个 这个 这种 这类 现行 什么样 时候 已经 多大 多久".split()
)
_NUMBERISH = re.compile(r"^[\d.,%]+$|^[零一二两三四五六七八九十百千万亿]+$")
_WORD = re.compile(r"[\w\u4e00-\u9fff]")


@lru_cache(maxsize=4096)
def _cut(text: str) -> tuple[str, ...]:
    return tuple(jieba.lcut_for_search(text))


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens, lower-cased, without punctuation and stop words."""
    return [t.lower() for t in _cut(text) if _WORD.search(t) and t not in _STOP and t.strip()]


def content_terms(text: str) -> set[str]:
    """Distinct topic terms of a question (for the support test): no fillers, no bare numbers."""
    return {t for t in tokenize(text) if len(t) > 1 and t not in FILLERS and not _NUMBERISH.match(t)}
