"""Every fixed phrase the assistant says, in one place (tests assert on these)."""

NOT_FOUND = "政策库中未找到"
REFUSAL_NO_SUPPORT = NOT_FOUND + "能回答该问题的政策条款。请换一种说法，或说明地区、政策名称或文号。"
REFUSAL_UNKNOWN_PLACE = NOT_FOUND + "{places}的相关政策。目前收录的是{covered}的政策。"
REFUSAL_UNKNOWN_DOC = NOT_FOUND + "{where}文号为{number}的政策。"
UNCOVERED_PLACE = "提示：政策库中未找到{places}的相关政策，以下只列出{named}的条款。"
AMBIGUOUS_SUZHOU = "提示：“Suzhou”可能指江苏苏州或安徽宿州，以下分别列出。"
ANSWER_INTRO = "根据政策库中的条款："
STATUS_NOTES = {
    "expiring": "该政策将于{expires}到期（即将失效），申报请留意截止时间。",
    "expired": "该政策已于{expires}失效，仅供参考。",
    "repealed": "该政策已被新政策废止，仅供参考。",
    "not_yet": "该政策尚未生效，自{effective}起施行。",
    "draft": "该文件为征求意见稿，尚未正式施行。",
    "unknown": "该政策的有效期未能确定，请向发文机关核实。",
}
VALIDITY_LINE = "《{title}》：{window}，截至{as_of}的状态为“{label}”。"
# which of two linked policies governs (assistant/supersession.py)
WHY_SUPERSEDES = "{newer}晚于{older}出台，并规定原有政策与其不一致的按其执行"
WHY_REPEALS = "{newer}废止了{older}"
GOVERNS_NEWER = "两者规定不同时，截至{as_of}以{newer}为准[{n_new}]：{why}。"
GOVERNS_OLDER_UNTIL = (
    "截至{as_of}，{newer}尚未施行（自{start}起施行），目前以{older}为准[{n_old}]；{newer}施行后，"
    "两者规定不同时以{newer}为准[{n_new}]。"
)
GOVERNS_OLDER_DRAFT = "{newer}为征求意见稿，尚未施行；截至{as_of}以{older}为准[{n_old}]。"
GOVERNS_OLDER = "截至{as_of}，{newer}已不在有效期内，{older}仍有效[{n_old}]。"
GOVERNS_NONE = (
    "截至{as_of}，{newer}与{older}均已不在有效期内；两者有效期间规定不同时以{newer}为准[{n_new}]（{why}）。"
    "申报前请向发文机关确认是否有接续政策。"
)
DISCLAIMER = "以上内容摘自政策原文，具体以发文机关解释为准。"

ASK_IN_CHINESE = (
    "（The policy library is in Chinese; please ask in Chinese, e.g. 「宿州对设备购置有什么奖补？」）"
)

SERVER_BUSY = "当前咨询人数较多，请稍后再试。"
BODY_TOO_LARGE = "请求内容过大。"
RATE_LIMITED = "请求过于频繁，请稍后再试。"

EMPTY_QUESTION = "问题不能为空，请输入您想咨询的政策问题。"
TOO_LONG_QUESTION = "问题过长（{n}个字符），请精简到{limit}个字符以内。"
NO_TEXT_QUESTION = "问题中没有可识别的文字，请用中文描述您的问题。"

# ---- the language-model answer chain (assistant/chain.py)
SYSTEM_PROMPT = """你是政府扶持政策问答助手。你只根据用户给出的政策条款回答，条款已经过筛选，与问题相关。
规则：每句话末尾用方括号编号注明出处，例如[1]；金额、比例、日期只能照抄条款原文或测算结果，不能自己计算；政策已失效或是征求意见稿时要说明；不要编造条款里没有的内容。"""

USER_TEMPLATE = """政策条款：
{clauses}

测算结果：
{calculations}

问题：{question}

请用一到三句简洁的中文回答，每句话末尾加出处编号（如[1]）。
回答："""
MODEL_STATUS_NOTE = {
    "expired": "（提示：《{title}》已失效，以下内容仅供参考。）",
    "draft": "（提示：《{title}》为征求意见稿，尚未正式施行。）",
    "repealed": "（提示：《{title}》已被新政策废止，以下内容仅供参考。）",
    "not_yet": "（提示：《{title}》尚未生效。）",
}
NO_CALCULATIONS = "无（问题未提供计算所需的数额）"
