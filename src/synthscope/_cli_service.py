"""``synthscope serve`` and ``synthscope apikey create|list|revoke``: shells over
synthscope.service."""

from __future__ import annotations

from typing import Annotated

import typer

apikey_app = typer.Typer(help="API keys for the platform API (stored hashed; shown once).")

_MESSAGES: dict[str, dict[str, str]] = {
    "created": {
        "en": "API key {name!r} created with scopes {scopes}. Store it now: it is not shown again.",
        "zh": "已创建 API 密钥 {name!r}，权限 {scopes}。请立即保存：它不会再次显示。",
    },
    "revoked": {"en": "revoked {at}", "zh": "已于 {at} 吊销"},
    "revoke": {
        "en": "API key {name!r} revoked; a running service refuses it within 10 seconds.",
        "zh": "已吊销 API 密钥 {name!r}；运行中的服务将在 10 秒内拒绝它。",
    },
    "already": {
        "en": "API key {name!r} was revoked already.",
        "zh": "API 密钥 {name!r} 早已吊销。",
    },
    "serving": {
        "en": "synthscope serving on http://{host}:{port}/ with {workers} worker process(es) "
        "(Ctrl+C stops it).",
        "zh": "synthscope 服务已启动：http://{host}:{port}/，"
        "{workers} 个工作进程（按 Ctrl+C 停止）。",
    },
}


def _msg(key: str, lang: str, **values: object) -> str:
    table = _MESSAGES[key]
    return table.get(lang, table["en"]).format(**values)


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option("--name", help="A name to tell the key apart.")],
    scopes: Annotated[
        str, typer.Option("--scopes", help="Comma-separated: check,bank:read,bank:write,admin.")
    ],
) -> None:
    """Create an API key; prints it once, alone on the last line."""
    from synthscope.cli import _open_store, err_console, out_console, settings
    from synthscope.service.keys import create_key, parse_scopes

    chosen = parse_scopes(scopes)
    secret = create_key(_open_store(), name, chosen)
    lang = settings().lang
    err_console.print(_msg("created", lang, name=name, scopes=",".join(chosen)), markup=False)
    out_console.print(secret, markup=False)


@apikey_app.command("list")
def apikey_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per key.")] = False,
) -> None:
    """List API keys (name, prefix, scopes, created, revoked); never the secrets."""
    import json

    from synthscope.cli import _open_store, out_console, settings
    from synthscope.service.keys import list_keys

    lang = settings().lang
    for k in list_keys(_open_store()):
        row = {n: v.isoformat() if hasattr(v, "isoformat") else v for n, v in k.items()}
        if as_json:
            out_console.print(json.dumps(row, ensure_ascii=False), markup=False)
            continue
        state = _msg("revoked", lang, at=row["revoked_at"]) if row["revoked_at"] else ""
        out_console.print(
            f"{row['name']}\t{row['prefix']}…\t{','.join(row['scopes'])}\t{row['created_at']}"
            f"\t{state}".rstrip(),
            markup=False,
        )


@apikey_app.command("revoke")
def apikey_revoke(
    name: Annotated[str, typer.Argument(help="The key's name.")],
) -> None:
    """Revoke an API key: a running service refuses it within 10 seconds."""
    from synthscope.cli import _open_store, err_console, settings
    from synthscope.service.keys import revoke_key

    done = revoke_key(_open_store(), name)
    err_console.print(
        _msg("revoke" if done else "already", settings().lang, name=name), markup=False
    )


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (jobs and rate limits are shared in the store).")
    ] = 1,
) -> None:
    """Start the web service: checking page, trends dashboard and the API under /api/v1."""
    from synthscope.cli import err_console, settings
    from synthscope.service import serve as run_service

    err_console.print(
        _msg("serving", settings().lang, host=host, port=port, workers=workers), markup=False
    )
    run_service(settings(), host, port, workers)
