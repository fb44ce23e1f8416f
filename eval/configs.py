"""The configurations one `python -m eval run` scores: named presets and TOML files of Settings fields.

A configuration is a name and a set of `Settings` overrides. Every configuration of a run starts
from the same base (NTM_* environment, ntm.toml, then `--set FIELD=VALUE`), and its own values go
on top, so two configurations differ exactly by what they name.

Presets (the product's retrieval/answering variants, always extractive except `llm`):
- `lexical`          BM25 only, no task register
- `dense`            Chroma (embedding) only, no task register
- `hybrid`           dense + lexical fused, no task register
- `hybrid+register`  the product's defaults: hybrid, and "what must agency X do" answered from the register
- `llm`              the defaults with the configured LLM writing the answer (needs NTM_LLM / `llm`)

A config file is TOML with Settings fields at the top level and an optional `name` (default: the
file's stem), e.g. `retrieval_legs = "dense"` / `top_k = 5` / `chunk_max_chars = 900`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    "lexical": {"retrieval_legs": "lexical", "use_register": False, "llm": None},
    "dense": {"retrieval_legs": "dense", "use_register": False, "llm": None},
    "hybrid": {"retrieval_legs": "dense,lexical", "use_register": False, "llm": None},
    "hybrid+register": {"retrieval_legs": "dense,lexical", "use_register": True, "llm": None},
    "llm": {"retrieval_legs": "dense,lexical", "use_register": True},
}
DEFAULT_NAME = "default"
RESERVED_NAMES = ("naive", "plots", "indexes")
# Settings that change what is indexed: configurations that agree on them share one index.
INDEX_FIELDS = ("embedding", "chunk_max_chars", "max_file_mb")
_NAME = re.compile(r"^[\w.+-]+$")


class ConfigError(ValueError):
    """A preset or config file that cannot be used (a usage error)."""


@dataclass(frozen=True)
class EvalConfig:
    """One row of a run: its name (also its output folder) and its Settings overrides."""

    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    origin: str = "default"  # "preset" | "file:<path>" | "default"

    def settings_values(self, base: Mapping[str, Any]) -> dict[str, Any]:
        return {**base, **self.overrides}


def _check_fields(values: Mapping[str, Any], where: str) -> None:
    from assistant.settings import Settings

    for key in values:
        if key == "index_dir":
            raise ConfigError(f"{where}: index_dir cannot be set per configuration (use --index DIR)")
        if key not in Settings.model_fields:
            raise ConfigError(f"{where}: unknown setting {key!r}; known: {', '.join(Settings.model_fields)}")


def preset(name: str, base: Mapping[str, Any]) -> EvalConfig:
    """A named preset; `llm` needs an LLM in the base settings (NTM_LLM, ntm.toml or --set llm=...)."""
    from assistant.settings import Settings

    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}")
    if name == "llm" and not Settings(**base).llm:
        raise ConfigError(
            "preset 'llm' needs an LLM: set NTM_LLM=openai:<model> (with NTM_LLM_BASE_URL for a local "
            "OpenAI-compatible server) or NTM_LLM=ollama:<model>, or pass --set llm=provider:model"
        )
    return EvalConfig(name, dict(PRESETS[name]), "preset")


def from_file(path: Path) -> EvalConfig:
    """A TOML file of Settings fields (+ optional `name`)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    name = data.pop("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{path}: name must be a non-empty string")
    nested = [k for k, v in data.items() if isinstance(v, dict)]
    if nested:
        raise ConfigError(f"{path}: settings must be top-level keys, not tables ({', '.join(nested)})")
    _check_fields(data, str(path))
    return EvalConfig(name.strip(), data, f"file:{path}")


def resolve(presets: Sequence[str], files: Sequence[Path], base: Mapping[str, Any]) -> list[EvalConfig]:
    """The run's configurations in the order given (presets first, then files); `default` if none.

    Every configuration is validated against Settings here, before anything expensive runs.
    """
    from pydantic import ValidationError

    from assistant.settings import Settings

    configs = [preset(p, base) for p in presets] + [from_file(f) for f in files]
    if not configs:
        configs = [EvalConfig(DEFAULT_NAME, {}, "default")]
    seen: set[str] = set()
    for c in configs:
        if not _NAME.match(c.name):
            raise ConfigError(f"configuration name {c.name!r}: use letters, digits, '.', '_', '+', '-'")
        if c.name in RESERVED_NAMES:
            raise ConfigError(f"configuration name {c.name!r} is reserved")
        if c.name in seen:
            raise ConfigError(f"two configurations are named {c.name!r}")
        seen.add(c.name)
        try:
            Settings(**c.settings_values(base))
        except ValidationError as exc:
            raise ConfigError(f"configuration {c.name!r}: {exc}") from exc
    return configs


def index_key(settings: Any) -> tuple[Any, ...]:
    """What an index depends on: configurations with equal keys are scored on one shared index."""
    return tuple(getattr(settings, f) for f in INDEX_FIELDS)
