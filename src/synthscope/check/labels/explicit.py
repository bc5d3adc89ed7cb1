"""GB 45438-2025 chapter 5 explicit labels: what people see or hear.

Images get the text in a corner, its height at least 5% of the shortest side, white on a dark
plate so it reads on any background. Videos get the same on every frame of the first 2 seconds
(video re-encoded, audio packets copied). Audio gets the rhythm cue 短长短短 (Morse "AI") at the
start, which :meth:`ExplicitLabeler.read` detects. Text gets a notice at the start, also detected.
Reading text out of pixels would need OCR, so images and videos read as "not checked".
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthscope.check.findings import Finding
from synthscope.check.labels import _morse, _overlay
from synthscope.check.labels.base import Labeler, Title
from synthscope.errors import MediaError, UsageError
from synthscope.media import Media

if TYPE_CHECKING:
    from synthscope.config import Settings

DEFAULT_TEXT = "AI生成"
NOTICE = "本内容由人工智能生成（AI-generated content）"
_AI = re.compile(r"人工智能|AI", re.I)
_MADE = re.compile(r"生成|合成")
_SOUNDFILE = {"wav": "WAV", "flac": "FLAC", "ogg": "OGG"}


def is_valid_text(text: str) -> bool:
    """Whether ``text`` has an AI element (人工智能/AI) and a generation element (生成/合成)."""
    return bool(_AI.search(text) and _MADE.search(text))


class ExplicitLabeler(Labeler[str]):
    """Adds visible/audible labels; detects the audio cue and the text notice."""

    title = Title("visible/audible AI notice", "显式标识", "a visible or audible AI notice")

    def __init__(self, font: Path | None = None) -> None:
        self.font = font

    @classmethod
    def from_settings(cls, settings: Settings) -> ExplicitLabeler:
        """The font from ``label_font`` (else a CJK font found on the system)."""
        return cls(settings.label_font)

    def supports(self, media: Media) -> bool:
        """Images, MP4/MOV/Matroska video, WAV/FLAC/Ogg audio, Markdown and plain text."""
        family = media.type.family
        return (
            media.kind == "image"
            or (media.kind == "video" and family in ("isobmff", "matroska"))
            or family in _SOUNDFILE
            or family == "text"
        )

    def read(self, media: Media) -> Finding:
        """The audio cue or text notice when present.

        Raises:
            MediaError: the audio cannot be decoded.
        """
        if media.type.family in _SOUNDFILE:
            samples, rate = _decode_ends(media, CUE_WINDOW_S)
            found = _morse.has_cue(samples, rate, CUE_WINDOW_S)
            return _found("audio-cue") if found else _none("audio-cue")
        if media.type.family == "text":
            text = media.data.decode("utf-8", "replace")
            ends = [line for line in text.splitlines() if line.strip() and line.strip() != "---"]
            near = ends[:4] + ends[-2:]
            return (
                _found("text-notice")
                if any(is_valid_text(x) for x in near)
                else _none("text-notice")
            )
        return _none("not-checked")

    def apply(self, media: Media, label: str) -> bytes:
        """``media`` with an explicit label; ``label`` is the text ("" for the default). Audio
        always gets the rhythm cue, so it takes no text.

        Raises:
            UsageError: the text lacks the AI or the generation element, text given for audio,
                no font that covers the text, or a picture too small for a legible notice.
            MediaError: the file cannot be decoded or encoded.
        """
        if label and media.type.family in _SOUNDFILE:
            raise UsageError(
                'Audio gets the audible cue 短长短短 (Morse "AI"), not a text: give --visible "" '
                "for audio.",
                zh="音频写入的是提示音“短长短短”（摩尔斯码“AI”），不使用文字："
                '音频请用 --visible ""。',
            )
        text = label or (NOTICE if media.type.family == "text" else DEFAULT_TEXT)
        if not is_valid_text(text):
            raise UsageError(
                "An explicit label must contain 人工智能 or AI and 生成 or 合成.",
                zh="显式标识须包含“人工智能”或“AI”，以及“生成”或“合成”。",
            )
        if media.type.family in _SOUNDFILE:
            return _with_cue(media)
        if media.type.family == "text":
            return _with_notice(media.data.decode("utf-8"), text).encode("utf-8")
        if media.kind == "image":
            return _overlay.label_image(media, text, self.font)
        if self.supports(media):
            return _overlay.label_video(media, text, self.font)
        raise MediaError(
            f"{media.name} ({media.mime}) cannot carry {self.title.carried()}.",
            zh=f"{media.name}（{media.mime}）无法写入{self.title.zh}。",
        )

    @classmethod
    def examples(cls) -> list[tuple[Labeler[Any], Media, Any]]:
        """A tone (WAV) and a Markdown note."""
        from synthscope.check.labels._examples import audio_bytes, tiny_markdown

        wav = Media.open(audio_bytes("WAV", seconds=1.0), name="voice.wav")
        return [(cls(), wav, ""), (cls(), tiny_markdown(), "")]


def _found(kind: str) -> Finding:
    reason = {
        "audio-cue": "audible AI cue 短长短短 at the start or end",
        "text-notice": "AI notice in the text",
    }
    zh = {"audio-cue": "音频含 AI 提示音（短长短短）", "text-notice": "文本含人工智能生成提示"}
    data = {"present": True, "kind": kind}
    return Finding("explicit", "likely_synthetic", "explicit", data, reason[kind], zh[kind])


def _none(kind: str) -> Finding:
    return Finding("explicit", "none", "explicit", {"present": False, "kind": kind})


def _decode_audio(media: Media) -> tuple[Any, int]:
    import soundfile

    media.stream_info()  # duration and size limits before decoding
    try:
        samples, rate = soundfile.read(io.BytesIO(media.data), always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise _undecodable(media, exc) from exc
    return samples, int(rate)


def _undecodable(media: Media, exc: Exception) -> MediaError:
    from synthscope._decode import decode_error

    return decode_error(media, exc)


CUE_WINDOW_S = 4.0  # the cue is looked for in the first and last seconds of a recording


def _decode_ends(media: Media, seconds: float) -> tuple[Any, int]:
    """The first and last ``seconds`` of the audio joined (all of it when it is shorter than
    twice that): what ``has_cue`` reads, without decoding the middle of a long recording."""
    import numpy as np
    import soundfile

    media.stream_info()  # duration and size limits before decoding
    try:
        with media.stream() as stream, soundfile.SoundFile(stream) as f:
            rate, span = int(f.samplerate), int(seconds * f.samplerate)
            if f.frames <= 2 * span:
                return f.read(always_2d=True), rate
            head = f.read(span, always_2d=True)
            f.seek(f.frames - span)
            return np.concatenate([head, f.read(span, always_2d=True)]), rate
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise _undecodable(media, exc) from exc


def _with_cue(media: Media) -> bytes:
    import numpy as np
    import soundfile

    samples, rate = _decode_audio(media)
    info = soundfile.info(io.BytesIO(media.data))
    cue = np.repeat(_morse.cue(rate)[:, None], samples.shape[1], axis=1)
    out = io.BytesIO()
    soundfile.write(
        out, np.concatenate([cue, samples]), rate, format=info.format, subtype=info.subtype
    )
    return out.getvalue()


def _with_notice(text: str, notice: str) -> str:
    front = re.match(r"\A\ufeff?---\r?\n.*?\r?\n(---|\.\.\.)\r?\n", text, re.S)
    at = front.end() if front else 0
    return f"{text[:at]}{notice}\n\n{text[at:]}"
