"""UI-facing services: what the tabs show, read from the same ChatService, TaskRegister and
Index the CLI uses. Gradio-free, so the tabs stay thin and this stays testable.

One lock serialises index access from the app's worker threads (questions, uploads, removals).
Admin actions check the login here, on the server, whatever the browser shows.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.register import TaskRegister, TaskRow, UnknownAgency
from assistant.service import ChatService
from assistant.settings import Settings
from assistant.titles import lead_of, readable_title
from core.contracts import Answer, Filters
from ingest.pipeline import SUPPORTED_SUFFIXES

UPLOAD_TYPES = SUPPORTED_SUFFIXES  # exactly what ingest reads (ingest/pipeline.py)
ADMIN_ENV = "NTM_ADMIN_USER / NTM_ADMIN_PASSWORD"


class AdminRequired(PermissionError):
    """An admin action was attempted without a valid login."""


@dataclass(frozen=True)
class FilterChoices:
    provinces: list[str]
    years: list[str]
    kinds: list[str]
    agencies: list[str]


def parse_year(value: Any) -> int | None:
    """A year from a dropdown/API value ("", None, "2014", 2014); empty means no filter."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        year = int(str(value).strip())
    except ValueError as exc:
        raise ValueError(f"năm không hợp lệ: {value!r}") from exc
    return year


def _agency_in(name: str, province: str) -> str:
    """ "Sở Tài chính tỉnh Lai Châu"; no second "tỉnh" after names ending in it."""
    if not province:
        return name
    return f"{name} {province}" if name.split()[-1].lower() == "tỉnh" else f"{name} tỉnh {province}"


class UIServices:
    def __init__(self, service: ChatService, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.index = service.index
        self.register: TaskRegister = service.register
        self.lock = threading.RLock()
        self._leads: dict[tuple[str, str], str] = {}  # (doc_id, content hash) → opening of its text

    # --- chat -----------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: list[Any] | None = None,
        filters: Filters | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """One question under the index lock; an LLM's draft is streamed to `on_token`."""
        with self.lock:
            return self.service.ask(question, history or [], filters, on_token=on_token)

    def answer_json(self, answer: Answer) -> dict[str, Any]:
        """The answer's JSON with each citation's readable document title as "label" (the UI's own
        key; the API and CLI JSON stay as they are)."""
        data = answer.as_json()
        titles = self.titles()
        for c in data.get("citations", []):
            c["label"] = titles.get(c.get("source", ""), "") or c.get("title") or c.get("source", "")
        return data

    def api_ask(self, question: str, province: str = "", year: Any = "") -> dict[str, Any]:
        """The `ntm ask --json` document for (question, province, year)."""
        y = parse_year(year)
        return self.ask(question, None, Filters(province=(province or "").strip(), year_from=y, year_to=y)).as_json()

    def filter_choices(self) -> FilterChoices:
        with self.lock:
            docs = self.index.documents()
            agency_ids = {a for c in self.index.all_chunks() for a in c.agencies}
        meta = [d.metadata for d in docs]
        registry = self.register.registry
        names = {registry.get(a).name for a in agency_ids if a in registry.agencies}
        return FilterChoices(
            provinces=sorted({m.get("province", "") for m in meta} - {""}),
            years=sorted({m.get("issued", "")[:4] for m in meta if m.get("issued", "")[:4].isdigit()}),
            kinds=sorted({m.get("kind", "") for m in meta} - {""}),
            agencies=sorted(names),
        )

    def document_text_of_chunk(self, chunk_id: str) -> str | None:
        with self.lock:
            return self.index.document_text(chunk_id.split(":")[0])

    def example_questions(self, limit: int = 6) -> list[str]:
        """Questions for new staff, built from the agencies and provinces actually indexed."""
        with self.lock:
            docs = {d.doc_id: d.metadata for d in self.index.documents()}
            assignments = self.index.assignments()
        registry = self.register.registry
        per_agency: Counter[tuple[str, str]] = Counter(
            (a.agency, docs.get(a.doc_id, {}).get("province", ""))
            for a in assignments
            if a.agency in registry.agencies and not registry.get(a.agency).collective
        )
        out: list[str] = []
        for (agency_id, province), _ in per_agency.most_common(2):
            out.append(f"{_agency_in(registry.get(agency_id).name, province)} phải làm gì?")
        provinces = sorted({m.get("province", "") for m in docs.values()} - {""})
        out += [f"Tỉnh {p} có bao nhiêu xã đạt chuẩn nông thôn mới?" for p in provinces[:2]]
        for meta in docs.values():
            if meta.get("presided_by") and meta.get("province") and meta.get("issued", "")[:4].isdigit():
                out.append(f"Ai chủ trì hội nghị về nông thôn mới ở {meta['province']} năm {meta['issued'][:4]}?")
                break
        if per_agency:
            from core.vntext import fold

            (agency_id, province), _ = per_agency.most_common(1)[0]
            out.append(fold(f"{_agency_in(registry.get(agency_id).name, province)} được giao nhiệm vụ gì").capitalize())
        return list(dict.fromkeys(out))[:limit]

    # --- tasks and targets ----------------------------------------------------------------
    def agency_choices(self) -> list[str]:
        """Agencies the register holds rows for (canonical names)."""
        with self.lock:
            ids = {a.agency for a in self.index.assignments()}
        registry = self.register.registry
        return sorted(registry.get(i).name for i in ids if i in registry.agencies)

    def tasks(self, agency: str, province: str = "", year: Any = "") -> list[TaskRow]:
        """The task register of an agency typed any way ("so tai chinh"); UnknownAgency if none."""
        if not (agency or "").strip():
            raise UnknownAgency("hãy chọn hoặc gõ tên một cơ quan")
        with self.lock:
            return self.register.tasks(agency.strip(), (province or "").strip(), parse_year(year))

    def api_tasks(self, agency: str, province: str = "", year: Any = "") -> list[dict[str, Any]]:
        """Rows of `ntm tasks --format json`."""
        return [row.as_dict() for row in self.tasks(agency, province, year)]

    def task_source(self, row: TaskRow) -> dict[str, Any]:
        """A register row as a citation-like dict for the source viewer."""
        return {
            "n": 0,
            "chunk_id": row.chunk_id,
            "source": row.source,
            "title": row.title,
            "number": row.number,
            "province": row.province,
            "issued": row.issued,
            "quote": row.task,
            "start": row.start,
            "end": row.end,
        }

    def targets(self, province: str = "") -> list[dict[str, str]]:
        """Figures of a province, planned (mục tiêu) and achieved (kết quả) in two columns."""
        with self.lock:
            rows = self.register.targets((province or "").strip())
        titles = self.titles()
        out = []
        for r in sorted(rows, key=lambda r: (r.province, r.indicator, r.period, r.kind)):
            planned = r.kind == "mục tiêu"
            out.append(
                {
                    "province": r.province,
                    "indicator": r.indicator,
                    "planned": r.value if planned else "",
                    "achieved": "" if planned else r.value,
                    "unit": r.unit,
                    "period": r.period,
                    "scope": r.scope,
                    "source": titles.get(r.source) or r.number or r.source,
                }
            )
        return out

    # --- documents ------------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        """Every indexed document, read from the index now, with its readable "label"."""
        with self.lock:
            records = self.index.documents()
            out = []
            for d in records:
                row = d.as_dict()
                row["label"] = readable_title(d.metadata, self._lead(d.doc_id, d.content_hash, d.metadata)) or d.source
                out.append(row)
            return self._with_alternates(out)

    def _lead(self, doc_id: str, content_hash: str, meta: dict[str, Any]) -> str:
        """The opening of a document's text, read only for documents with neither number nor title."""
        if meta.get("number") or meta.get("title"):
            return ""
        key = (doc_id, content_hash)
        if key not in self._leads:
            self._leads[key] = lead_of(self.index.document_text(doc_id) or "")
        return self._leads[key]

    def titles(self) -> dict[str, str]:
        """source → readable title of every indexed document."""
        return {d["source"]: d["label"] for d in self.documents()}

    def sample_only(self) -> bool:
        """True when every indexed document comes from the bundled sample corpus (invented notices):
        the same file names with the same content as `data/sample/`."""
        sample = self.settings_sample_dir()
        if sample is None:
            return False
        with self.lock:
            docs = self.index.documents()
        if not docs:
            return False
        for d in docs:
            path = sample / d.source
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != d.content_hash:
                return False
        return True

    @staticmethod
    def settings_sample_dir() -> Path | None:
        """The bundled sample corpus (data/sample of the checkout), if present."""
        folder = Path(__file__).resolve().parents[2] / "data" / "sample"
        return folder if folder.is_dir() else None

    def _with_alternates(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each document row with its alternate copies (ingest/copies.py): "alternates" as
        text for the table ("tên tệp (định dạng)"), "alternate_sources" for the remove choice."""
        from ingest.copies import Copies

        copies = Copies(self.index).alternates_by_document()
        for row in rows:
            alts = copies.get(str(row.get("doc_id", "")), [])
            row["alternates"] = "; ".join(f"{a['source']} ({a['format']})" for a in alts)
            row["alternate_sources"] = [str(a["source"]) for a in alts]
        return rows

    def alternate_of(self, source: str) -> str | None:
        """The source of the document `source` is an alternate copy of (None when it is not one)."""
        from ingest.copies import Copies

        with self.lock:
            return Copies(self.index).canonical_source(source or "") or None

    def document_text(self, source: str) -> tuple[str, str | None]:
        """(title, cleaned text) of a document by its source; text None when not indexed."""
        with self.lock:
            record = self.index.find_document(source or "")
            if record is None:  # an alternate copy: its own cleaned text, titled as a copy of its document
                from ingest.copies import Copies

                of = self.alternate_of(source)
                record = self.index.find_document(of) if of else None
                if record is None:
                    return "", None
                text = Copies(self.index).ledger.text(source) or self.index.document_text(record.doc_id)
                return f"{source} — bản khác của {record.metadata.get('title') or record.source}", text
            return record.metadata.get("title") or record.source, self.index.document_text(record.doc_id)

    # --- admin ----------------------------------------------------------------------------
    def admin_disabled_reason(self) -> str:
        """Why admin actions are off ("" when login is possible)."""
        password = self.settings.admin_password.get_secret_value() if self.settings.admin_password else ""
        if not self.settings.admin_user or not password:
            return f"Chưa cấu hình tài khoản quản trị ({ADMIN_ENV}): tải lên và xóa tài liệu đang bị tắt."
        return ""

    def check_login(self, user: str, password: str) -> bool:
        if self.admin_disabled_reason():
            return False
        expected_user = (self.settings.admin_user or "").encode("utf-8")
        expected_password = self.settings.admin_password.get_secret_value().encode("utf-8")  # type: ignore[union-attr]
        ok_user = hmac.compare_digest((user or "").encode("utf-8"), expected_user)
        ok_password = hmac.compare_digest((password or "").encode("utf-8"), expected_password)
        return ok_user and ok_password

    def _require_admin(self, authed: bool) -> None:
        reason = self.admin_disabled_reason()
        if reason:
            raise AdminRequired(reason)
        if not authed:
            raise AdminRequired("Cần đăng nhập quản trị để thực hiện thao tác này.")

    def ingest_uploads(
        self, paths: list[str], authed: bool, on_page: Callable[[str, int, int], None] | None = None
    ) -> Iterator[tuple[int, str, str, str]]:
        """Ingest uploaded files one by one, yielding (i, source, status, reason) after each;
        `on_page(source, done, total)` after each OCR'd page of a scan. The loop is `ntm ingest`'s
        (Ingester.run) under the app's lock: held for each file's write only, never while a file
        is prepared or across a yield, so questions wait for one write, not an OCR (bench/load.py).

        `paths` are the app server's own temporary copies; the document's source is only the
        display name of the upload (never used to build a path).
        """
        from ingest.ingester import Ingester
        from ingest.pipeline import display_name
        from vectorstore.index import IndexSettingsMismatch

        self._require_admin(authed)
        ingester = Ingester.from_settings(self.settings, self.index, knowledge=self.service.knowledge)
        files = [(Path(tmp), display_name(Path(tmp).name)) for tmp in paths]
        try:
            for i, done in enumerate(ingester.run(files, on_page, lock=self.lock)):
                yield i, done.source, done.status, done.reason
        except IndexSettingsMismatch as exc:  # raised before any file is read: nothing was written
            for i, (_, source) in enumerate(files):
                yield i, source, "refused", str(exc)

    def remove(self, source: str, authed: bool) -> bool:
        self._require_admin(authed)
        with self.lock, self.index.batch():
            from ingest.copies import Copies

            return Copies(self.index).remove(source or "", self.service.knowledge)[
                0
            ]  # a document (its best alternate takes its place) or an alternate
