"""Every fixed phrase the assistant says, in one place (tests assert on these)."""

NOT_FOUND = "政策库中未找到"
REFUSAL_NO_SUPPORT = NOT_FOUND + "能回答该问题的政策条款。请换一种说法，或说明地区、政策名称或文号。"
REFUSAL_UNKNOWN_PLACE = (
    NOT_FOUND + "{places}的相关政策。目前收录的是江苏省、苏州市、宿州市（安徽）和六安市（安徽）的政策。"
)
REFUSAL_UNKNOWN_DOC = NOT_FOUND + "文号为{number}的政策。"
AMBIGUOUS_SUZHOU = "提示：“Suzhou”可能指江苏苏州或安徽宿州，以下分别列出。"
ANSWER_INTRO = "根据政策库中的条款："
STATUS_NOTES = {
    "expired": "该政策已于{expires}失效，仅供参考。",
    "draft": "该文件为征求意见稿，尚未正式施行。",
    "unknown": "该政策的有效期未能确定，请向发文机关核实。",
}
VALIDITY_LINE = "《{title}》：{window}，截至{as_of}的状态为“{label}”。"
SUPERSEDES_NOTE = (
    "{newer}载明“原有政策与本通知不一致的，按本通知执行”：两者规定不同时以{newer}为准（{older}已被其取代）。"
)
DISCLAIMER = "以上内容摘自政策原文，具体以发文机关解释为准。"

ASK_IN_CHINESE = (
    "（The policy library is in Chinese; please ask in Chinese, e.g. 「宿州对设备购置有什么奖补？」）"
)

EMPTY_QUESTION = "问题不能为空，请输入您想咨询的政策问题。"
TOO_LONG_QUESTION = "问题过长（{n}个字符），请精简到{limit}个字符以内。"
NO_TEXT_QUESTION = "问题中没有可识别的文字，请用中文描述您的问题。"

# ---- the language-model answer chain (assistant/chain.py)
SYSTEM_PROMPT = """你是政府扶持政策咨询助手，只根据用户消息中提供的政策条款回答关于工业互联网、智能化改造和数字化转型扶持政策的问题。
必须遵守：
1. 只使用提供的条款，不使用条款以外的知识，不编造政策、条件或金额。
2. 每句话末尾用[编号]标注依据的条款，编号只能是提供的条款编号，例如[1]。
3. 金额、比例、日期等数字只能从条款原文或“测算结果”中原样照抄，不得自行计算、换算或改写。
4. 条款不能回答问题时，只回答：政策库中未找到相关规定。
5. 政策已失效或是征求意见稿时要明确说明。
6. 用简洁的中文回答，不超过150字。"""

USER_TEMPLATE = """问题：{question}

条款：
{clauses}

测算结果（金额只能照抄这里）：
{calculations}

请回答："""
NO_CALCULATIONS = "无"
