"""How the hashers and bank files word a file they cannot use, in English and Chinese.

One plain sentence that names the file, says what it really is when that is the problem (from its
first bytes, see :mod:`synthscope._sniff`), and never shows an errno number, a Python repr or an
untranslated library message in the Chinese text.
"""

from __future__ import annotations

import re
from pathlib import Path

from synthscope._sniff import FileType
from synthscope.errors import InputError, os_words

# What a decoder was asked for (English, Chinese): "cannot be decoded as ...".
_AS = {
    "image": ("an image", "图像"),
    "video": ("video", "视频"),
    "audio": ("audio", "音频"),
    "audio/video": ("audio or video", "音频或视频"),
}
# "X is not ..." and "it is ..." for each kind.
_NOT_A = {
    "image": ("an image", "图像"),
    "video": ("a video", "视频"),
    "audio": ("an audio file", "音频文件"),
}
_IT_IS = {"image": ("an image", "图像"), "video": ("a video", "视频"), "audio": ("audio", "音频")}


def describe(source: Path | str | bytes) -> str:
    """How messages name a source: its path, or ``<N bytes>``."""
    return f"<{len(source)} bytes>" if isinstance(source, bytes) else str(source)


def os_reason(exc: BaseException | None) -> tuple[str, str]:
    """Why the operating system refused, in English and Chinese, without an errno number."""
    return os_words(exc)


def unreadable(path: Path | str, exc: OSError) -> InputError:
    """A file that cannot be opened."""
    if isinstance(exc, FileNotFoundError):
        return InputError(f"Cannot read {path}: no such file.", zh=f"无法读取 {path}：文件不存在。")
    if isinstance(exc, IsADirectoryError):
        return InputError(f"{path} is a folder, not a file.", zh=f"{path} 是文件夹，不是文件。")
    if isinstance(exc, PermissionError):
        return InputError(
            f"Cannot read {path}: permission denied.", zh=f"无法读取 {path}：没有读取权限。"
        )
    en, zh = os_reason(exc)
    return InputError(f"Cannot read {path}: {en}.", zh=f"无法读取 {path}：{zh}。")


def may_hold(found: FileType, what: str) -> bool:
    """Whether content of type ``found`` may hold ``what`` (image, video, audio or audio/video):
    a video file holds audio, and an unknown type may be a container the sniffer does not
    know."""
    if found.mime == "application/octet-stream":
        return True
    if what == "image":
        return found.kind == "image"
    return found.kind in ("audio", "video")


def wrong_kind(source: Path | str | bytes, what: str, found: FileType) -> InputError:
    """``source`` was to be decoded as ``what`` but its content is ``found``."""
    name, (it_en, it_zh) = describe(source), _it_is(found)
    if what == "audio/video":
        return InputError(
            f"{name} is not an image, video or audio file: {it_en}.",
            zh=f"{name} 不是图像、视频或音频文件：{it_zh}。",
        )
    en, zh = _NOT_A[what]
    return InputError(f"{name} is not {en}: {it_en}.", zh=f"{name} 不是{zh}：{it_zh}。")


def undecodable(source: Path | str | bytes, what: str, exc: BaseException) -> InputError:
    """``source`` is of the right kind but its decoder refuses it (``exc`` says why)."""
    name, (en, zh), reason = describe(source), _AS[what], _reason(exc)
    if "truncated" in reason:
        return InputError(
            f"{name} cannot be decoded as {en}: it is truncated.",
            zh=f"{name} 无法作为{zh}解码：文件不完整（已截断）。",
        )
    detail = f" ({reason})" if reason else ""
    return InputError(
        f"{name} cannot be decoded as {en}{detail}; it may be truncated or corrupt.",
        zh=f"{name} 无法作为{zh}解码，可能已截断或损坏。",
    )


def no_stream(source: Path | str | bytes, kind: str) -> InputError:
    """A container without a ``kind`` (video or audio) stream."""
    name, zh = describe(source), _AS[kind][1]
    return InputError(f"{name} has no {kind} stream.", zh=f"{name} 没有{zh}流。")


def _it_is(found: FileType) -> tuple[str, str]:
    """What the content is, as "it is a video (video/mp4)" in English and Chinese."""
    if found.kind in _IT_IS:
        en, zh = _IT_IS[found.kind]
        return f"it is {en} ({found.mime})", f"它是{zh}（{found.mime}）"
    if found.kind == "text":
        return "it is text", "它是文本"
    if found.mime != "application/octet-stream":
        return f"it is {found.mime}", f"它是 {found.mime}"
    return "its content is of no media type known here", "其内容不是可识别的媒体类型"


def _reason(exc: BaseException) -> str:
    """A decoder's own words without errno numbers, file names or Python reprs ("" if none)."""
    text = str(getattr(exc, "strerror", None) or exc)
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text).strip()
    text = re.sub(r":\s*'[^']*'$", "", text).rstrip(".")
    return "" if "<" in text else text
