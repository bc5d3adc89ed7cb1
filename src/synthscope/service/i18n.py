"""Page text in English and Chinese, and how a request's language is chosen."""

from __future__ import annotations

from starlette.requests import Request

LANGS = ("en", "zh")
LANG_COOKIE = "synthscope_lang"

_TEXT: dict[str, dict[str, str]] = {
    "site": {"en": "synthscope", "zh": "synthscope 深度合成检测"},
    "nav.check": {"en": "Check a file", "zh": "检测文件"},
    "nav.dashboard": {"en": "Trends dashboard", "zh": "趋势看板"},
    "nav.api": {"en": "API (OpenAPI)", "zh": "接口（OpenAPI）"},
    "lang.other": {"en": "中文", "zh": "English"},
    "check.title": {"en": "Is it real? Check a file", "zh": "是真是假？检测一个文件"},
    "check.intro": {
        "en": "Upload a file (an image, video, audio recording, text, PDF or Office document) or "
        "paste text. synthscope looks for provenance labels (C2PA Content Credentials, GB 45438 "
        "AI-generated content labels and invisible watermarks), compares the content with banks "
        "of known synthetic content and runs its detectors. It then tells you what it found "
        "and why.",
        "zh": "上传文件（图片、视频、音频、文本、PDF 或 Office 文档），或粘贴文本。synthscope "
        "会查找来源标识（C2PA 内容凭证、GB 45438 人工智能生成合成内容标识、隐式水印），与已知"
        "合成内容哈希库比对，并运行检测器，然后告诉你发现了什么以及原因。",
    },
    "check.file": {
        "en": "File (image, video, audio, text, PDF or Office document)",
        "zh": "文件（图片、视频、音频、文本、PDF 或 Office 文档）",
    },
    "check.text": {"en": "…or paste text", "zh": "……或粘贴文本"},
    "check.keep": {
        "en": "Keep my file after checking (to help improve synthscope)",
        "zh": "检测后保留我的文件（用于改进 synthscope）",
    },
    "check.privacy": {
        "en": "Your file is deleted as soon as the check is done, unless you tick the box above. "
        "Only the result is kept, under a random link that only you receive.",
        "zh": "检测完成后你的文件会立即删除，除非你勾选上面的选项。仅保留检测结果，"
        "其链接是随机生成的，只有你会收到。",
    },
    "check.retention": {
        "en": "A kept file is deleted after {kept} days, the result after {days} days.",
        "zh": "保留的文件在 {kept} 天后删除，检测结果在 {days} 天后删除。",
    },
    "check.limit": {"en": "Largest upload: {mb} MB.", "zh": "上传上限：{mb} MB。"},
    "check.submit": {"en": "Check", "zh": "开始检测"},
    "job.title": {"en": "Check result", "zh": "检测结果"},
    "job.working": {
        "en": "Checking… this page updates by itself.",
        "zh": "检测中……本页会自动更新。",
    },
    "job.failed": {"en": "The check failed", "zh": "检测失败"},
    "job.interrupted": {
        "en": "The check was interrupted (the service process running it stopped). "
        "Please upload again.",
        "zh": "检测被中断（运行它的服务进程已停止），请重新上传。",
    },
    "job.kept": {"en": "Your file was kept, as you asked.", "zh": "已按你的要求保留文件。"},
    "job.deleted": {"en": "Your file has been deleted.", "zh": "你的文件已删除。"},
    "job.again": {"en": "Check another file", "zh": "检测其他文件"},
    "verdict.synthetic": {
        "en": "This content is declared or proven to be AI-generated or manipulated.",
        "zh": "该内容被声明或证实为人工智能生成或经过篡改。",
    },
    "verdict.likely_synthetic": {
        "en": "This content is likely AI-generated or manipulated.",
        "zh": "该内容很可能是人工智能生成或经过篡改的。",
    },
    "verdict.inconclusive": {
        "en": "The evidence is mixed: we cannot say either way.",
        "zh": "证据相互矛盾，无法判断。",
    },
    "verdict.likely_authentic": {
        "en": "This content is likely authentic: the evidence below points that way, but it is "
        "not proof.",
        "zh": "该内容很可能是真实的：下列证据指向这一结论，但这并不构成证明。",
    },
    "verdict.no_evidence": {
        "en": "We found no sign of synthesis. That does not prove the content is real.",
        "zh": "未发现合成迹象。但这并不能证明内容是真实的。",
    },
    "colon": {"en": ": ", "zh": "："},
    "result.why": {"en": "Why", "zh": "原因"},
    "result.no_reasons": {
        "en": "No label, bank match or detector finding pointed either way.",
        "zh": "没有任何标识、哈希库匹配或检测器结果支持任何一方。",
    },
    "result.score": {"en": "Synthesis score", "zh": "合成概率评分"},
    "result.score_none": {"en": "no detector score", "zh": "无检测器评分"},
    "result.file": {"en": "File", "zh": "文件"},
    "result.type": {"en": "Type (from content)", "zh": "类型（按内容识别）"},
    "result.type_value": {"en": "{mime} ({kind})", "zh": "{mime}（{kind}）"},
    "result.c2pa": {"en": "C2PA Content Credentials", "zh": "C2PA 内容凭证"},
    "result.aigc": {"en": "GB 45438 AI-generated label", "zh": "GB 45438 生成合成内容标识"},
    "result.explicit": {
        "en": "Visible or audible AI notice (GB 45438 explicit label)",
        "zh": "显式标识（GB 45438 可见或可听提示）",
    },
    "result.watermarks": {"en": "Invisible watermarks", "zh": "隐式水印"},
    "result.matches": {
        "en": "Known synthetic content (bank matches)",
        "zh": "已知合成内容（哈希库匹配）",
    },
    "result.detectors": {"en": "Detectors", "zh": "检测器"},
    "result.absent": {"en": "none found", "zh": "未发现"},
    "result.not_checked": {"en": "not checked", "zh": "未检查"},
    "result.present": {"en": "present", "zh": "存在"},
    "result.state": {"en": "validation state", "zh": "验证状态"},
    "result.source_type": {"en": "digital source type", "zh": "数字来源类型"},
    "result.generator": {"en": "made with", "zh": "生成工具"},
    "result.notice_kind": {"en": "kind", "zh": "类型"},
    "result.bits": {
        "en": "{matched}/{bits} bits match",
        "zh": "{matched}/{bits} 位匹配",
    },
    "result.match": {
        "en": "bank {bank} · signal type {signal_type} · distance {distance}",
        "zh": "哈希库 {bank} · 信号类型 {signal_type} · 距离 {distance}",
    },
    "kind.image": {"en": "image", "zh": "图片"},
    "kind.video": {"en": "video", "zh": "视频"},
    "kind.audio": {"en": "audio", "zh": "音频"},
    "kind.text": {"en": "text", "zh": "文本"},
    "kind.other": {"en": "other", "zh": "其他"},
    "result.error": {"en": "This file could not be checked", "zh": "无法检测该文件"},
    "result.raw": {"en": "Full result (JSON)", "zh": "完整结果（JSON）"},
    "dash.title": {"en": "Deep-synthesis trends", "zh": "深度合成趋势"},
    "dash.from": {"en": "From year", "zh": "起始年份"},
    "dash.to": {"en": "To year", "zh": "截止年份"},
    "dash.platform": {"en": "Platforms", "zh": "平台"},
    "dash.region": {"en": "Region", "zh": "地区"},
    "dash.modality": {"en": "Modality", "zh": "模态"},
    "dash.any": {"en": "all", "zh": "全部"},
    "dash.apply": {"en": "Apply filters", "zh": "应用筛选"},
    "dash.download": {"en": "Download the report", "zh": "下载报告"},
    "dash.items": {"en": "{n:,} items in the store", "zh": "库中共 {n:,} 条"},
    "dash.items_shown": {
        "en": "{n:,} of the {total:,} items in the store match these filters",
        "zh": "库中共 {total:,} 条，其中 {n:,} 条符合筛选条件",
    },
    "dash.empty": {
        "en": "The store holds no items yet: import or collect some (synthscope observe ...).",
        "zh": "库中还没有数据：请先导入或采集（synthscope observe ...）。",
    },
    "region.domestic": {"en": "domestic", "zh": "国内"},
    "region.foreign": {"en": "foreign", "zh": "国外"},
    "modality.image_video": {"en": "image/video", "zh": "图像/视频"},
    "modality.audio": {"en": "audio", "zh": "音频"},
    "modality.text": {"en": "text", "zh": "文本"},
    "csrf": {
        "en": "The form expired or came from another site; reload the page and try again.",
        "zh": "表单已过期或来自其他网站；请刷新页面后重试。",
    },
    "not_found": {
        "en": "There is no check at this address: the link is wrong, or the result has expired.",
        "zh": "此地址没有检测结果：链接有误，或结果已过期删除。",
    },
    "error.home": {"en": "Back to the checking page", "zh": "返回检测页面"},
    "error.400": {"en": "The request cannot be answered", "zh": "请求有误"},
    "error.403": {"en": "Not allowed", "zh": "不允许此操作"},
    "error.404": {"en": "Page not found", "zh": "找不到页面"},
    "error.405": {"en": "This address does not take this request", "zh": "此地址不接受该请求"},
    "error.413": {"en": "The upload is too large", "zh": "上传内容过大"},
    "error.415": {"en": "This file type cannot be checked", "zh": "无法检测此类文件"},
    "error.422": {"en": "The request is invalid", "zh": "请求无效"},
    "error.429": {"en": "Too many requests", "zh": "请求过多"},
    "error.other": {"en": "Something went wrong", "zh": "出错了"},
    "footer": {
        "en": "synthscope checks provenance labels, known-content banks and detectors. "
        "A score is a probability, not proof.",
        "zh": "synthscope 检查来源标识、已知内容哈希库与检测器。评分是概率，不是证据。",
    },
}


def text(key: str, lang: str, **fields: object) -> str:
    """The page string ``key`` in ``lang`` (English when missing), formatted with ``fields``."""
    table = _TEXT[key]
    value = table.get(lang) or table["en"]
    return value.format(**fields) if fields else value


def error_title(status: int, lang: str) -> str:
    """The heading of an error page for HTTP ``status`` in ``lang``."""
    key = f"error.{status}"
    return text(key if key in _TEXT else "error.other", lang)


def request_lang(request: Request, default: str) -> str:
    """The language for this request: ``?lang=``, then the cookie, then Accept-Language."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGS:
            return candidate
    accept = request.headers.get("accept-language", "").lower()
    if accept.startswith("zh"):
        return "zh"
    return default if default in LANGS else "en"
