"""Site configuration (``content/site.yaml``): a small typed schema that
refuses unknown keys, so a typo in the config is an error, not a silence."""
from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .load import LoadError, Problem, load_file, Scalar


class SiteConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = "预算绩效目标公开"
    subtitle: str = ""
    base_url: str = Field(default="http://localhost/", pattern=r"^https?://[^\s]+/$")
    language: str = "zh-CN"
    description: str = ""
    # where readers report a transcription error: a mailto: or https:// address
    # (a mailto: link gets the page's address as its subject); no link when unset
    feedback: Optional[str] = Field(default=None, pattern=r"^(https?://|mailto:)[^\s<>\"']+$")
    # the picture a share preview shows (WeChat, Weibo, …): a file in static/, ideally 1200 × 630 PNG
    share_image: str = "img/share.png"
    # set from the command line (serve, tests); not in site.yaml
    base_path_override: Optional[str] = Field(default=None, exclude=True)

    @field_validator("base_url")
    @classmethod
    def _ends_with_slash(cls, v: str) -> str:
        return v if v.endswith("/") else v + "/"

    @property
    def base_path(self) -> str:
        """The URL path prefix every internal link starts with ("/" or "/sub/")."""
        if self.base_path_override is not None:
            return self.base_path_override
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def absolute(self, url: str) -> str:
        """Absolute URL of a site path produced by ``site_builder.analysis.urls``."""
        return _prefix(self.base_url, self.base_path_override) + url.lstrip("/")


@lru_cache(maxsize=16)
def _prefix(base_url: str, base_path_override: str | None) -> str:
    """origin + base path: called for every row of the CSV downloads (its
    two urlsplits were a fifth of making them)."""
    cfg = SiteConfig.model_construct(base_url=base_url, base_path_override=base_path_override)
    return cfg.origin + cfg.base_path


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(p.format() for p in problems))
        self.problems = problems


# what site.yaml may set (the base path override comes from the command line)
SETTINGS = tuple(name for name in SiteConfig.model_fields if name != "base_path_override")


def _message(err: dict, data: dict) -> str:
    name = str(err["loc"][0]) if err["loc"] else ""
    raw = data.get(name)
    if err["type"] == "extra_forbidden":
        guess = difflib.get_close_matches(name, SETTINGS, n=1, cutoff=0.6)
        return f"unknown setting '{name}'" + (f"; did you mean '{guess[0]}'?" if guess else
                                               f"; the settings are {', '.join(SETTINGS)}")
    if err["type"] == "string_type":
        got = "a list" if isinstance(raw, list) else "a mapping" if isinstance(raw, dict) else "nothing"
        return f"setting '{name}' must be text, but got {got}"
    if name == "base_url":
        return (f"base_url must be the site's address, starting with http:// or https:// and ending in '/', "
                f"such as https://example.org/budget/ (got {str(raw)!r})")
    return f"setting '{name}': {err['msg']}"


def load_config(content_dir: Path, base_path: str | None = None) -> SiteConfig:
    path = content_dir / "site.yaml"
    data: dict = {}
    if path.exists():
        try:
            doc = load_file(path)
        except LoadError as exc:
            raise ConfigError([exc.problem]) from None
        if not isinstance(doc.data, dict):
            pos = doc.position(())
            raise ConfigError([Problem(str(path), pos.line, pos.column, "error", "site.yaml must be a mapping of settings")])
        data = {k: (None if isinstance(v, Scalar) and v.is_null else v) for k, v in doc.data.items()}
        try:
            if "base_path_override" in data:
                raise ValidationError.from_exception_data("SiteConfig", [
                    {"type": "extra_forbidden", "loc": ("base_path_override",), "input": data["base_path_override"]}])
            cfg = SiteConfig.model_validate(data)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                loc = tuple(err["loc"])
                pos = doc.key_position(loc) if err["type"] == "extra_forbidden" else doc.position(loc)
                problems.append(Problem(str(path), pos.line, pos.column, "error", _message(err, data),
                                        ".".join(map(str, loc))))
            raise ConfigError(problems) from None
    else:
        cfg = SiteConfig()
    if base_path is not None:
        bp = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
        cfg = cfg.model_copy(update={"base_path_override": bp})
    return cfg
