"""``synthscope bank ...``: thin shells over :mod:`synthscope.check.hashes.banks` (zh/en)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from synthscope.errors import ExitCode, UsageError

_MAX_IDS = 20

bank_app = typer.Typer(help="Hash banks of known deep-synthesis content: add, match, exchange.")

_MESSAGES: dict[str, dict[str, str]] = {
    "created": {"en": "Bank {name} created.", "zh": "已创建库 {name}。"},
    "updated": {"en": "Bank {name} already exists; updated.", "zh": "库 {name} 已存在；已更新。"},
    "added": {
        "en": "{bank}: {new} new signal(s), {unchanged} already there, {restored} restored.",
        "zh": "{bank}：新增 {new} 个信号，已有 {unchanged} 个，恢复 {restored} 个。",
    },
    "kept_out": {"en": "Kept out {file}: {reason}.", "zh": "未加入 {file}：{reason}。"},
    "bad_line": {"en": "Skipped line {line}: {reason}", "zh": "跳过第 {line} 行：{reason}"},
    "removed": {"en": "{bank}: {n} signal(s) removed.", "zh": "{bank}：已移除 {n} 个信号。"},
    "no_banks": {"en": "No banks yet.", "zh": "还没有任何库。"},
    "no_match": {"en": "{file}: no match", "zh": "{file}：未匹配"},
    "low_quality": {
        "en": "{file}: not matched: its {signal_type} quality {quality} is below {min_quality}, "
        "too low to match reliably (flat or very simple content)",
        "zh": "{file}：未匹配：其 {signal_type} 质量 {quality} 低于 {min_quality}，"
        "过低而无法可靠匹配（内容过于平坦或简单）",
    },
    "match": {
        "en": "{file}: {bank} {signal_type} distance {distance} signal {signal_id}",
        "zh": "{file}：{bank} {signal_type} 距离 {distance} 信号 {signal_id}",
    },
    "file_error": {"en": "{file}: error: {message}", "zh": "{file}：错误：{message}"},
    "exported": {
        "en": "Exported {added} added and {removed} removed signal(s) to {out}; checkpoint "
        "{checkpoint}; signed by {signer}.",
        "zh": "已导出 {added} 个新增、{removed} 个移除的信号到 {out}；检查点 {checkpoint}；"
        "签名公钥 {signer}。",
    },
    "imported": {
        "en": "{bank}: {new} new, {unchanged} already there, {restored} restored, {removed} "
        "removed; signer {signer}; checkpoint {checkpoint}.",
        "zh": "{bank}：新增 {new}，已有 {unchanged}，恢复 {restored}，移除 {removed}；"
        "签名者 {signer}；检查点 {checkpoint}。",
    },
    "unsigned": {"en": "none (unverified)", "zh": "无（未验证）"},
    "stale": {
        "en": "{bank}: {n} signal(s) skipped as stale: the source removed them after checkpoint "
        "{checkpoint}, which this file carries (use --restore to restore them anyway).",
        "zh": "{bank}：跳过 {n} 个过时的信号：来源在本文件的检查点 {checkpoint} 之后移除了它们"
        "（如仍要恢复，请加 --restore）。",
    },
    "not_restored": {
        "en": "{bank}: {n} removed earlier, not restored (use --restore).",
        "zh": "{bank}：{n} 个信号此前已被移除，未恢复（如需恢复，请加 --restore）。",
    },
    "more_ids": {
        "en": "  ... and {n} more (--json lists all)",
        "zh": "  ……另有 {n} 个（--json 列出全部）",
    },
    "bank_line": {
        "en": "{name}  [{counts}]  checkpoint {seq}  {description}",
        "zh": "{name}  [{counts}]  检查点 {seq}  {description}",
    },
}


def _msg(key: str, **values: object) -> str:
    table = _MESSAGES[key]
    return table.get(_cli().settings().lang, table["en"]).format(**values)


def _cli() -> Any:
    from synthscope import cli

    return cli


def _out(text: str) -> None:
    _cli().out_console.print(text, markup=False)


def _err(text: str) -> None:
    _cli().err_console.print(text, markup=False)


def _json(value: Any) -> None:
    _cli().out_console.print(json.dumps(value, ensure_ascii=False), markup=False, soft_wrap=True)


def _key_path(key: Path | None) -> Path:
    if key is not None:
        return key
    from synthscope.config import default_data_dir

    env = os.environ.get("SYNTHSCOPE_SIGNING_KEY")
    return Path(env) if env else default_data_dir() / "bank-signing-key.pem"


def _index_cache() -> Path:
    from synthscope.check.hashes.matchers import index_cache_dir

    return index_cache_dir()


@bank_app.command("create")
def bank_create(
    name: Annotated[str, typer.Argument(help="Bank name (no spaces).")],
    description: Annotated[str | None, typer.Option(help="What the bank holds.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who keeps the bank.")] = None,
) -> None:
    """Create a bank (again: update its description)."""
    from synthscope.check.hashes.banks import create_bank

    new = create_bank(_cli()._open_store(), name, description, owner)
    _out(_msg("created" if new else "updated", name=name))


@bank_app.command("add")
def bank_add(
    name: Annotated[str, typer.Argument(help="Bank name.")],
    files: Annotated[list[Path] | None, typer.Argument(help="Images, videos or audio.")] = None,
    signals: Annotated[
        Path | None, typer.Option("--signals", help="File of '<signal_type> <value>' lines.")
    ] = None,
    note: Annotated[str | None, typer.Option(help="What the content is.")] = None,
    incident: Annotated[str | None, typer.Option(help="The incident it belongs to.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who adds it.")] = None,
    fps: Annotated[float | None, typer.Option(help="Video frames hashed per second (1).")] = None,
    partial: Annotated[bool, typer.Option(help="--signals: add good lines, skip bad.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Hash files and add their signals, or add the lines of a --signals file."""
    from synthscope.check.hashes import banks

    if signals is not None and files:
        raise UsageError(
            "Give files or --signals FILE, not both.", zh="请给出文件或 --signals，二选一。"
        )
    if signals is None and not files:
        raise UsageError(
            "Nothing to add: give image, video or audio files, or --signals FILE.",
            zh="没有可添加的内容：请给出图像、视频或音频文件，或 --signals 文件。",
        )
    store = _cli()._open_store()
    bad: list[Any] = []
    if signals is not None:
        report, bad = banks.add_signal_file(store, name, signals, added_by=by, partial=partial)
    else:
        report = banks.add_files(
            store, name, files or [], note=note, incident=incident, added_by=by, fps=fps
        )
    if as_json:
        _json(report.to_dict() | {"bad": [asdict(b) for b in bad]})
        return
    _out(
        _msg(
            "added", bank=name, new=report.new, unchanged=report.unchanged, restored=report.restored
        )
    )
    for sid in report.signal_ids[:_MAX_IDS]:
        _out(f"  {sid}")
    if len(report.signal_ids) > _MAX_IDS:
        _out(_msg("more_ids", n=len(report.signal_ids) - _MAX_IDS))
    zh = _cli().settings().lang == "zh"
    for item in report.rejected:
        _err(_msg("kept_out", file=item["file"], reason=item["reason_zh" if zh else "reason"]))
    for b in bad:
        _err(_msg("bad_line", line=b.line, reason=b.reason_zh if zh else b.reason))


@bank_app.command("remove")
def bank_remove(
    name: Annotated[str, typer.Argument(help="Bank name.")],
    signal_ids: Annotated[list[str], typer.Argument(help="Signal ids (from add or match).")],
    reason: Annotated[str, typer.Option(help="Why they are removed (kept with them).")],
) -> None:
    """Remove signals (soft: they stay, marked removed with the reason)."""
    from synthscope.check.hashes.banks import remove_signals

    n = remove_signals(_cli()._open_store(), name, signal_ids, reason)
    _out(_msg("removed", bank=name, n=n))


@bank_app.command("list")
def bank_list(
    name: Annotated[str | None, typer.Argument(help="Only this bank.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List banks and their signal counts."""
    from synthscope.check.hashes.banks import list_banks

    found = list_banks(_cli()._open_store(), name)
    if as_json:
        _json(found)
        return
    if not found:
        _out(_msg("no_banks"))
    for bank in found:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(bank["signals"].items())) or "0"
        _out(_msg("bank_line", counts=counts, **bank))


@bank_app.command("hash")
def bank_hash(
    files: Annotated[list[Path], typer.Argument(help="Images, videos or audio.")],
    signal_type: Annotated[str | None, typer.Option("--type", help="pdq, vpdq or audio.")] = None,
    fps: Annotated[float | None, typer.Option(help="Video frames hashed per second (1).")] = None,
) -> None:
    """Print '<type> <value> <quality> <file>' per hash (vPDQ: one line per frame)."""
    from synthscope.check.hashes.files import hash_file, hash_lines

    for path in files:
        for found in hash_file(path, signal_type, fps=fps):
            for line in hash_lines(found):
                _out(line)


# One string without line breaks: the help renderer keeps a docstring's line breaks.
_MATCH_HELP = (
    "Match files against a bank; exit 3 when a file could not be read.\n\n"
    "A match's distance depends on its signal type (0: identical). pdq: how many of the 256 "
    "bits differ (a match at 31 or less). vpdq: 100 minus the percentage of the file's frames "
    "that match the banked video (20 or less). audio: the bit error rate in percent at the best "
    "offset (35 or less). A file whose hash quality is below the minimum (flat or very simple "
    "pictures: PDQ quality under 50) is not matched, and the output says so."
)


@bank_app.command("match", help=_MATCH_HELP)
def bank_match(
    name: Annotated[str, typer.Argument(help="Bank name.")],
    files: Annotated[list[Path], typer.Argument(help="Images, videos or audio.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
) -> None:
    """Match files against a bank; exit 3 when a file could not be read."""
    from synthscope.check.hashes.matching import match_files

    lang = _cli().settings().lang
    results = match_files(_cli()._open_store(), name, files, _index_cache(), lang=lang)
    for result in results:
        _json(result) if as_json else _print_match(result)
    if any(r["error"] for r in results):
        raise typer.Exit(int(ExitCode.INPUT))


def _print_match(result: dict[str, Any]) -> None:
    if result["error"]:
        _err(_msg("file_error", file=result["file"], message=result["error"]["message"]))
    elif not result["hash_matches"] and not result["low_quality"]:
        _out(_msg("no_match", file=result["file"]))
    for low in result["low_quality"]:
        _out(_msg("low_quality", file=result["file"], **low))
    for m in result["hash_matches"]:
        _out(_msg("match", file=result["file"], **m))


@bank_app.command("export")
def bank_export(
    name: Annotated[str, typer.Argument(help="Bank name.")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    since: Annotated[int, typer.Option(help="Only changes after this checkpoint.")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="local_file or json.")] = "local_file",
    key: Annotated[
        Path | None, typer.Option(help="Ed25519 private key (PEM); default: this platform's.")
    ] = None,
) -> None:
    """Export the bank (or the delta since a checkpoint), signed with Ed25519."""
    from synthscope.check.hashes.banks import export_bank
    from synthscope.check.hashes.signing import load_or_create_key

    signer = load_or_create_key(_key_path(key))
    summary = export_bank(_cli()._open_store(), name, out, fmt=fmt, since=since, key=signer)
    _out(_msg("exported", out=out, **summary))


@bank_app.command("import")
def bank_import(
    name: Annotated[str, typer.Argument(help="Bank name (created when missing).")],
    file: Annotated[Path, typer.Argument(help="local_file or synthscope JSON exchange file.")],
    partial: Annotated[bool, typer.Option(help="Import good lines, skip bad ones.")] = False,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Accept unsigned or tampered files.")
    ] = False,
    trust: Annotated[
        list[str] | None, typer.Option(help="Accept only this signer (public key hex); repeat.")
    ] = None,
    restore: Annotated[
        bool,
        typer.Option(
            "--restore",
            help="Also restore signals this bank removed earlier that the file lists, even "
            "when the removal is newer than the file.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import an exchange file atomically (bad lines refuse it unless --partial); an older
    export imported again does not bring back signals that a newer import removed (stale, or
    removed earlier and not restored) unless --restore."""
    from synthscope.check.hashes.banks import import_bank

    summary = import_bank(
        _cli()._open_store(),
        name,
        file,
        partial=partial,
        verify=not no_verify,
        trust=tuple(trust or ()),
        restore=restore,
    )
    if as_json:
        _json(summary)
        return
    signer = summary["signer"] or _msg("unsigned")
    checkpoint = "-" if summary["checkpoint"] is None else summary["checkpoint"]
    _out(_msg("imported", bank=name, **(summary | {"signer": signer, "checkpoint": checkpoint})))
    if summary["stale"]:
        _out(_msg("stale", bank=name, n=summary["stale"], checkpoint=checkpoint))
    if summary["not_restored"]:
        _out(_msg("not_restored", bank=name, n=summary["not_restored"]))
    zh = _cli().settings().lang == "zh"
    for b in summary["bad"]:
        _err(_msg("bad_line", line=b["line"], reason=b["reason_zh" if zh else "reason"]))
