"""Classification: region, category tables and rules, modality, and classify() per kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthscope.errors import UsageError
from synthscope.observe.classify import (
    Classifier,
    category_of,
    classify,
    modality_of,
    region_of,
)
from synthscope.observe.items import CATEGORIES, Item


@pytest.mark.parametrize(
    ("platform", "region"),
    [
        ("bilibili", "domestic"),
        ("douyin", "domestic"),
        ("tencent_video", "domestic"),
        ("acfun", "domestic"),
        ("youtube", "foreign"),
        ("tiktok", "foreign"),
        ("x", "foreign"),
        ("twitter", "foreign"),
        ("dailymotion", "foreign"),
        (" YouTube ", "foreign"),
        ("arxiv", None),
        ("github", None),
        ("web", None),
        ("unknown", None),
    ],
)
def test_region_of(platform: str, region: str | None) -> None:
    assert region_of(platform) == region


@pytest.mark.parametrize(
    ("label", "category"),
    [
        # Bilibili zones and sub-zones
        ("影视", "film_music"),
        ("电视剧", "film_music"),
        ("纪录片", "film_music"),
        ("音乐", "film_music"),
        ("VOCALOID·UTAU", "film_music"),
        ("番剧", "film_music"),
        ("知识", "tech_education"),
        ("科学科普", "tech_education"),
        ("数码", "tech_education"),
        ("生活", "life"),
        ("美食", "life"),
        ("动物圈", "life"),
        ("鬼畜", "entertainment"),
        ("舞蹈", "entertainment"),
        ("游戏", "entertainment"),
        ("资讯", "news"),
        ("新闻", "news"),
        # YouTube names, in any case and with & or "and"
        ("Film & Animation", "film_music"),
        ("Music", "film_music"),
        ("Science & Technology", "tech_education"),
        ("science and technology", "tech_education"),
        ("Education", "tech_education"),
        ("People & Blogs", "life"),
        ("Howto & Style", "life"),
        ("Comedy", "entertainment"),
        ("Gaming", "entertainment"),
        ("News & Politics", "news"),
        # YouTube categoryIds
        ("1", "film_music"),
        ("10", "film_music"),
        ("27", "tech_education"),
        ("28", "tech_education"),
        ("22", "life"),
        ("17", "life"),
        ("24", "entertainment"),
        ("23", "entertainment"),
        ("20", "entertainment"),
        ("25", "news"),
        (" 28 ", "tech_education"),
        # Douyin / Weibo-style labels, full-width, paths, our own names
        ("萌宠", "life"),
        ("明星", "entertainment"),
        ("时政", "news"),
        ("Ｍｕｓｉｃ", "film_music"),
        ("生活>搞笑", "entertainment"),
        ("知识/科学科普", "tech_education"),
        ("tech_education", "tech_education"),
        ("影视音乐", "film_music"),
        ("other", "other"),
    ],
)
def test_category_from_platform_label(label: str, category: str) -> None:
    assert category_of(label, "a funny news vlog") == category


@pytest.mark.parametrize(
    ("texts", "category"),
    [
        (("【AI换脸】电影片段",), "film_music"),
        (("Deepfake music video",), "film_music"),
        (("AI翻唱：周杰伦的歌",), "film_music"),
        (("How to make a deepfake", "step by step"), "tech_education"),
        (("Deepfakes explained",), "tech_education"),
        (("深度合成技术原理",), "tech_education"),
        (("Breaking news: deepfake of a president",), "news"),
        (("央视新闻报道",), "news"),
        (("funny deepfake meme",), "entertainment"),
        (("鬼畜全明星",), "entertainment"),
        (("my daily vlog",), "life"),
        (("日常分享",), "life"),
        (("covers", "nothing else"), "film_music"),
        (("discover the world",), "other"),
        (("nothing here",), "other"),
        ((None, None), "other"),
        ((), "other"),
    ],
)
def test_category_from_text_rules(texts: tuple[str | None, ...], category: str) -> None:
    assert category_of(None, *texts) == category
    assert category_of("an unknown zone", *texts) == category


def test_rules_apply_in_order() -> None:
    # film_music before tech_education before news before entertainment before life
    assert category_of(None, "funny movie tutorial news vlog") == "film_music"
    assert category_of(None, "funny tutorial news vlog") == "tech_education"
    assert category_of(None, "funny news vlog") == "news"
    assert category_of(None, "funny vlog") == "entertainment"


def test_every_category_is_known() -> None:
    for label in ("音乐", "27", "生活", "鬼畜", "资讯", "nothing"):
        assert category_of(label) in CATEGORIES


@pytest.mark.parametrize(
    ("matched", "categories", "modality"),
    [
        ("audio", ["cs.CV"], "audio"),
        (None, ["cs.CV"], "image_video"),
        (None, ["eess.IV"], "image_video"),
        (None, ["cs.GR"], "image_video"),
        (None, ["cs.MM"], "image_video"),
        (None, ["cs.SD"], "audio"),
        (None, ["eess.AS"], "audio"),
        (None, ["cs.CL"], "text"),
        (None, ["cs.LG", "stat.ML", "cs.CL", "cs.CV"], "text"),
        (None, ["cs.LG"], None),
        (None, [], None),
    ],
)
def test_modality_of(matched: str | None, categories: list[str], modality: str | None) -> None:
    assert modality_of(matched, categories) == modality


def test_classify_video(classifier: Classifier) -> None:
    item = Item(
        "bilibili", "BV1xx", "video", "https://www.bilibili.com/video/BV1xx",
        title="【AI换脸】杨幂演绎经典角色", text="Deepfake 教程", platform_category="影视",
    )  # fmt: skip
    assert classify(item, classifier) is item
    assert (item.region, item.category) == ("domestic", "film_music")
    assert item.keywords == ("deepfake", "换脸")
    assert item.modality is None


def test_classify_post_without_category(classifier: Classifier) -> None:
    item = Item("x", "1", "post", "https://x.com/a/status/1", text="This deepfake is wild #news")
    classify(item, classifier)
    assert (item.region, item.category, item.keywords) == ("foreign", "news", ("deepfake",))


def test_classify_paper_modality_from_keywords(classifier: Classifier) -> None:
    item = Item(
        "arxiv", "2010.05646", "paper", "https://arxiv.org/abs/2010.05646",
        title="HiFi-GAN: Generative Adversarial Networks for Efficient Speech Synthesis",
        raw={"categories": "cs.SD eess.AS"},
    )  # fmt: skip
    classify(item, classifier)
    assert item.keywords == ("speech synthesis", "vocoder", "GAN")
    assert item.modality == "audio"
    assert (item.region, item.category) == (None, None)


@pytest.mark.parametrize(
    ("raw", "modality"),
    [
        ({"categories": "cs.LG, cs.CL"}, "text"),
        ({"categories": ["cs.LG", "cs.SD"]}, "audio"),
        ({"primary_category": "cs.CV", "categories": [{"term": "cs.CL"}]}, "image_video"),
        ({"primary_category": "cs.LG"}, None),
        (None, None),
    ],
)
def test_classify_paper_modality_from_arxiv(
    classifier: Classifier, raw: dict[str, object] | None, modality: str | None
) -> None:
    item = Item("arxiv", "1", "paper", "https://arxiv.org/abs/1", title="A method", raw=raw)
    classify(item, classifier)
    assert (item.keywords, item.modality) == ((), modality)


def test_classify_repo(classifier: Classifier) -> None:
    item = Item(
        "github", "deepfakes/faceswap", "repo", "https://github.com/deepfakes/faceswap",
        title="faceswap", text="Deepfakes Software For All",
    )  # fmt: skip
    classify(item, classifier)
    assert item.keywords == ("face swap", "deepfake")
    assert (item.modality, item.region, item.category) == ("image_video", None, None)


def test_classify_leaves_unknown_kinds_alone(classifier: Classifier) -> None:
    item = Item("web", "p", "page", "https://example.org/p", title="deepfake", keywords=("kept",))
    classify(item, classifier)
    assert (item.keywords, item.region, item.category) == (("kept",), None, None)


def test_classifier_with_user_sets(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(
        '[[term]]\ntext = "cheapfake"\nmodality = "image_video"\n', encoding="utf-8"
    )
    custom = Classifier.load(content="mine", research="mine", extra_dirs=[tmp_path])
    item = Item("youtube", "v", "video", "https://youtu.be/v", title="A cheapfake, not a deepfake")
    assert classify(item, custom).keywords == ("cheapfake",)
    with pytest.raises(UsageError):
        Classifier.load(content="nonesuch")


def test_label_tables_never_give_one_label_two_categories() -> None:
    from synthscope.observe.classify import _LABELS, _YOUTUBE_IDS, _label_key

    owner: dict[str, str] = dict(_YOUTUBE_IDS)
    for category, labels in _LABELS.items():
        assert category in CATEGORIES
        for label in labels:
            assert owner.setdefault(_label_key(label), category) == category, label
