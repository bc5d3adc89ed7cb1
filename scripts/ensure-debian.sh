#!/usr/bin/env bash
# Install the Debian tools the tests use when they are missing (idempotent, silent on stdout):
# exiftool (XMP interop), ffmpeg/ffprobe (container tag interop), a CJK font (visible labels).
set -euo pipefail
updated=0
need() {  # need COMMAND-OR-FILE PACKAGE
  if command -v "$1" >/dev/null 2>&1 || [ -e "$1" ]; then return 0; fi
  if [ "$updated" = 0 ]; then apt-get update >/dev/null 2>&1 || apt-get update >&2; updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null 2>&1 || \
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >&2
}
need exiftool libimage-exiftool-perl
need ffprobe ffmpeg
need /usr/share/fonts/truetype/wqy/wqy-microhei.ttc fonts-wqy-microhei
