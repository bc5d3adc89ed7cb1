"""Canonical identities of a whole column of URLs at once, for imports of millions of rows.

:func:`synthscope.observe.normalize.identify` costs a few microseconds of Python per URL. Here the
fast path of ``identify`` runs column-wise in polars: one regex splits every URL into host and
rest, the host picks the platform rule, and each rule's own pattern (the very pattern of
``_platform_ids``, its lookarounds rewritten for the regex engine polars uses) runs once over its
rows. Any URL outside that fast path (unusual shapes, non-ASCII text, fragments, hosts without a
rule here, av numbers out of range) gets null and the caller identifies it with ``identify`` itself,
so the scalar rules stay the one definition; a property test checks that both agree.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from synthscope.observe import _platform_ids as ids

COLUMNS = ("platform", "platform_id", "url", "kind")
# The fast path of identify(): optional lower-case http(s) scheme, host, '/', then printable ASCII
# without '#' (so strip() and the fragment check of identify() have nothing to do).
_SHAPE = r"^(?:https?://)?[A-Za-z0-9.-]+/[\x21\x22\x24-\x7e]*$"
_LOOKAHEAD_END = re.compile(r"\(\?=([^()]*)\|\\Z\)")
_NOT_ID_CHAR = "(?![A-Za-z0-9_-])"
_BILIBILI = ids.Rule(
    "bilibili", ids.BILIBILI_PATTERN, "https://www.bilibili.com/video/", "", "video"
)


def rust_pattern(python: str) -> str | None:
    """``python`` (matched at the start, as ``re.match`` does) in the syntax of polars' regex
    engine, or None when it uses a construct that cannot be rewritten.

    Lookaheads only ever end an alternative in these patterns, so consuming the character they
    look at instead changes no capture.
    """
    out = python.replace(_NOT_ID_CHAR, "(?:[^A-Za-z0-9_-]|$)")
    out = _LOOKAHEAD_END.sub(r"(?:\1|$)", out)
    if "(?" in out.replace("(?:", "") or "\\Z" in out:
        return None
    return "^" + out


def _rules() -> tuple[dict[str, int], list[tuple[ids.Rule, str]]]:
    """Host -> rule number, and each rule with its rewritten pattern."""
    table: list[tuple[ids.Rule, str]] = []
    numbers: dict[ids.Handler, int] = {}
    for handler, rule in [*ids.RULES.items(), (ids.bilibili_handler, _BILIBILI)]:
        pattern = rust_pattern(rule.pattern)
        if pattern is not None:
            numbers[handler] = len(table)
            table.append((rule, pattern))
    hosts = {host: numbers[h] for host, h in ids.HOSTS.items() if h in numbers}
    return hosts, table


HOST_RULES, RULE_TABLE = _rules()


def identify_column(urls: pl.Series) -> pl.DataFrame:
    """``platform``, ``platform_id``, ``url``, ``kind`` of each URL; all null where the URL needs
    :func:`~synthscope.observe.normalize.identify`. Raises nothing."""
    n = len(urls)
    host, rest = _host_and_rest(urls.cast(pl.String))
    rule = host.str.to_lowercase().replace_strict(HOST_RULES, default=None, return_dtype=pl.Int32)
    frame = pl.DataFrame({"row": np.arange(n, dtype=np.int64), "rule": rule, "rest": rest})
    pieces = [_empty()]
    for (number,), part in frame.drop_nulls("rule").partition_by("rule", as_dict=True).items():
        spec, pattern = RULE_TABLE[int(str(number))]
        pid = _ids_of(part["rest"], spec, pattern)
        pieces.append(
            pl.DataFrame(
                {
                    "row": part["row"],
                    "platform": pl.Series([spec.platform] * len(part), dtype=pl.String),
                    "platform_id": pid,
                    "kind": pl.Series([spec.kind] * len(part), dtype=pl.String),
                }
            ).with_columns(
                url=pl.concat_str(pl.lit(spec.prefix), pl.col("platform_id"), pl.lit(spec.suffix))
            )
        )
    found = pl.concat(pieces, how="diagonal_relaxed").drop_nulls("platform_id")
    every = pl.DataFrame({"row": np.arange(n, dtype=np.int64)})
    joined = every.join(found, on="row", how="left", maintain_order="left")
    return joined.select(
        pl.when(pl.col("platform_id").is_not_null()).then(pl.col(c)).alias(c) for c in COLUMNS
    )


def _host_and_rest(urls: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Host and the rest from the first '/' of URLs of the fast-path ``_SHAPE`` (null for the
    others): a match test and two slices cost a third of a capturing regex."""
    url = pl.col("u")
    bare = (
        pl.when(url.str.starts_with("https://"))
        .then(url.str.slice(8))
        .when(url.str.starts_with("http://"))
        .then(url.str.slice(7))
        .otherwise(url)
    )
    cut = pl.col("bare").str.find("/", literal=True)
    fits = pl.col("u").str.contains(_SHAPE)
    parts = (
        pl.DataFrame({"u": urls})
        .with_columns(bare=bare)
        .select(
            host=pl.when(fits).then(pl.col("bare").str.slice(0, cut)),
            rest=pl.when(fits).then(pl.col("bare").str.slice(cut)),
        )
    )
    return parts["host"], parts["rest"]


def _empty() -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {"row": pl.Int64(), **{c: pl.String() for c in COLUMNS}}
    return pl.DataFrame(schema=schema)


def _ids_of(rest: pl.Series, rule: ids.Rule, pattern: str) -> pl.Series:
    """The id each rule's pattern captures (null when it does not match)."""
    groups = rest.str.extract_groups(pattern)
    names = groups.struct.fields
    if rule is not _BILIBILI:
        # identify() takes the last group that matched; at most one matches in these patterns.
        return pl.select(pl.coalesce([groups.struct.field(g) for g in reversed(names)])).to_series()
    bv = pl.select(pl.coalesce(groups.struct.field(names[0]), groups.struct.field(names[2])))
    aid = pl.select(pl.coalesce(groups.struct.field(names[1]), groups.struct.field(names[3])))
    return _bilibili_ids(bv.to_series(), aid.to_series())


def _bilibili_ids(bv_tail: pl.Series, aid: pl.Series) -> pl.Series:
    """'BV1' + tail, or the BV id of the av number (null when out of range, as identify())."""
    number = aid.cast(pl.Int64, strict=False)
    valid = (number > 0) & (number < ids.MAX_AID)
    values = number.fill_null(1).to_numpy()
    converted = pl.Series(av_to_bv_many(np.where(valid.fill_null(False).to_numpy(), values, 1)))
    from_av = pl.select(pl.when(valid).then(converted)).to_series()
    return pl.select(pl.coalesce(pl.lit("BV1") + bv_tail, from_av)).to_series()


def av_to_bv_many(aids: np.ndarray) -> list[str]:
    """:func:`~synthscope.observe._platform_ids.av_to_bv` of an int64 array (all in range)."""
    tmp = (np.int64(ids.MAX_AID) | aids.astype(np.int64)) ^ np.int64(ids.XOR_CODE)
    digits = np.empty((len(aids), 9), dtype=np.int64)
    for k in range(9):
        digits[:, k] = tmp % ids.BASE
        tmp //= ids.BASE
    alphabet = np.frombuffer(ids.ALPHABET.encode(), dtype=np.uint8)
    chars = alphabet[digits[:, list(ids.DIGIT_AT)]]
    return ["BV1" + tail for tail in np.ascontiguousarray(chars).view("S9").ravel().astype(str)]
