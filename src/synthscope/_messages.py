"""User-facing CLI strings in English and Chinese (``--lang en|zh``)."""

from __future__ import annotations

_MESSAGES: dict[str, dict[str, str]] = {
    "error": {"en": "Error", "zh": "错误"},
    "importing": {"en": "Importing {file}", "zh": "正在导入 {file}"},
    "building_report": {"en": "Building the report", "zh": "正在生成报告"},
    "import_done": {
        "en": "Imported {file}: {read} rows read, {new} new, {updated} updated, "
        "{unchanged} unchanged, {skipped} skipped (run {run_id}{resumed}).",
        "zh": "已导入 {file}：读取 {read} 行，新增 {new}，更新 {updated}，未变 {unchanged}，"
        "跳过 {skipped}（运行 {run_id}{resumed}）。",
    },
    "progress_detail": {"en": "{read:,} rows, {new:,} new", "zh": "已读 {read:,} 行，新增 {new:,}"},
    "resumed": {"en": ", resumed", "zh": "，断点续传"},
    "collecting": {
        "en": "Collecting {source} ({terms} terms)",
        "zh": "正在采集 {source}（{terms} 个检索词）",
    },
    "collect_detail": {
        "en": "windows {done}/{total}, {new:,} new, {requests:,} requests, {waits:,} waits",
        "zh": "时间窗 {done}/{total}，新增 {new:,}，请求 {requests:,} 次，限速等待 {waits:,} 次",
    },
    "collect_done": {
        "en": "Collected {source}: {items} items ({new} new, {updated} updated), "
        "{requests} requests, {retries} retries, {skipped} skipped (run {run_id}{resumed}).",
        "zh": "已采集 {source}：{items} 条（新增 {new}，更新 {updated}），请求 {requests} 次，"
        "重试 {retries} 次，跳过 {skipped}（运行 {run_id}{resumed}）。",
    },
    "quota_used": {
        "en": "API quota used by this run: {units:,} units.",
        "zh": "本次运行消耗 API 配额：{units:,} 单位。",
    },
    "skipped_rows": {"en": "Skipped rows (first {n}):", "zh": "跳过的行（前 {n} 条）："},
    "report_written": {"en": "Report written: {paths}", "zh": "报告已写入：{paths}"},
    "runs_header": {
        "en": "id  source  status  read  new  skipped  query",
        "zh": "编号  来源  状态  读取  新增  跳过  查询",
    },
    "keyword_sets": {"en": "Keyword sets:", "zh": "关键词集："},
    "check_line": {"en": "{file}: {verdict}", "zh": "{file}：{verdict}"},
    "check_no_score": {
        "en": "Detector {name} gave no score: {reason}.",
        "zh": "检测器 {name} 无得分：{reason}。",
    },
    "check_c2pa_info": {
        "en": "C2PA manifest ({state}): made with {generator}, signed by {signer}{trust}; "
        "it does not declare AI generation or capture.",
        "zh": "C2PA 清单（{state}）：由 {generator} 生成，签名者 {signer}{trust}；"
        "未声明 AI 生成或拍摄来源。",
    },
    "check_c2pa_untrusted": {
        "en": " (not on the trust list)",
        "zh": "（不在信任列表中）",
    },
    "check_error": {"en": "{file}: not checked: {message}", "zh": "{file}：未检查：{message}"},
    "batch_checking": {"en": "Checking {folder}", "zh": "正在检查 {folder}"},
    "batch_detail": {
        "en": "{done:,} done, {skipped:,} skipped, {failed:,} failed",
        "zh": "完成 {done:,}，跳过 {skipped:,}，失败 {failed:,}",
    },
    "verdict_synthetic": {"en": "synthetic", "zh": "合成内容"},
    "verdict_likely_synthetic": {"en": "likely synthetic", "zh": "可能为合成内容"},
    "verdict_inconclusive": {"en": "inconclusive", "zh": "无法判断"},
    "verdict_likely_authentic": {"en": "likely authentic", "zh": "可能为真实内容"},
    "verdict_no_evidence": {"en": "no evidence either way", "zh": "未发现证据"},
    "label_done": {"en": "Wrote {out} ({labels}).", "zh": "已写入 {out}（{labels}）。"},
    "label_help_aigc": {
        "en": "GB 45438 fields as JSON, e.g. "
        '{{"Label":"1","ContentProducer":"...","ProduceID":"..."}}; '
        "Label is 1 (AI-generated) when not given, ContentPropagator and PropagateID default to "
        "ContentProducer and ProduceID.",
        "zh": "GB 45438 字段（JSON），例如 "
        '{{"Label":"1","ContentProducer":"...","ProduceID":"..."}}；'
        "未给出 Label 时为 1（人工智能生成），ContentPropagator 与 PropagateID 默认取 "
        "ContentProducer 与 ProduceID 的值。",
    },
    "label_help_visible": {
        "en": "Add a visible label to images and videos (TEXT; --visible alone for the default "
        "AI生成) or the audible cue 短长短短 to audio (audio takes no text: --visible alone); "
        "plain text and Markdown get a notice.",
        "zh": "为图片和视频添加可见标识（TEXT；只写 --visible 表示默认的“AI生成”），为音频添加"
        "提示音“短长短短”（音频不使用文字：只写 --visible）；纯文本和 Markdown 添加提示语。",
    },
    "interrupted": {
        "en": "Interrupted; run the same command again to resume.",
        "zh": "已中断；再次运行同一命令即可从断点继续。",
    },
    "eval_title": {
        "en": "{detector} on {data} ({mode})",
        "zh": "{detector}，数据 {data}（{mode}）",
    },
    "eval_mode_shipped": {"en": "shipped model", "zh": "内置模型"},
    "eval_mode_model": {"en": "model {model}", "zh": "模型 {model}"},
    "eval_mode_cv": {"en": "cross-validation", "zh": "交叉验证"},
    "eval_col_condition": {"en": "condition", "zh": "条件"},
    "eval_col_n": {"en": "n", "zh": "样本数"},
    "eval_col_auc": {"en": "auc", "zh": "AUC"},
    "eval_col_ap": {"en": "ap", "zh": "AP"},
    "eval_col_eer": {"en": "eer", "zh": "EER"},
    "eval_col_ece": {"en": "ece", "zh": "ECE"},
    "eval_col_accuracy": {"en": "accuracy", "zh": "准确率"},
    "eval_col_fpr": {"en": "fpr", "zh": "误报率"},
    "eval_col_mean_fold_auc": {"en": "mean_fold_auc", "zh": "各折平均 AUC"},
    "eval_col_unscored": {"en": "unscored", "zh": "未评分"},
    "eval_held_out": {
        "en": "  held out {fold}: AUC {aucs}{picked}",
        "zh": "  留出 {fold}：AUC {aucs}{picked}",
    },
    "eval_chosen_without": {
        "en": " (scorer chosen without it: {chosen})",
        "zh": "（不含该组时选出的评分方式：{chosen}）",
    },
    "eval_extra_real": {
        "en": "extra real images, FPR at threshold (out of fold): {rates}",
        "zh": "额外真实图像在阈值处的误报率（折外）：{rates}",
    },
}


def msg(key: str, lang: str, **values: object) -> str:
    """The message ``key`` in ``lang`` (English when the language is unknown), formatted."""
    table = _MESSAGES[key]
    return table.get(lang, table["en"]).format(**values)
