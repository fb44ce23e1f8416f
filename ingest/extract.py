"""Extraction at ingest: who must do what (assignments) and which figures are planned or achieved
(targets, in ingest/targets.py), each tied to the chunk that states it.

The document is read block by block as an outline: list markers (I., 1., 1.1., a), Bước n., -, +)
give each block a depth, and a block that names addressees without a task — an agency heading
("2. Sở Tài chính:", "Sở Nông nghiệp và Môi trường (cơ quan thường trực …):"), a level heading
("Cấp xã:"), a lead-in ("Đối với cấp huyện, cần:", "Đề nghị các sở, ngành thực hiện các nội dung
sau:") — opens a scope whose deeper items are their tasks, until a sibling or a higher item comes.
Inside a block, sentence grammar (ingest/directives.py) finds the subject: addressees opening the
sentence, after a trigger ("giao/đề nghị/yêu cầu X …"), or in the other positions ingest/subjects.py
reads (after an introductory phrase, as a topic, a passive agent, a correlative); a subject always
wins over the scope. Execution clauses (ingest/execution_clause.py) and table rows
(ingest/table_tasks.py) have their own grammar. Narrated past work, news reports without modal
words and recommendations to central bodies assign nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.agencies import AgencyMention, AgencyRegistry
from core.contracts import Assignment, Chunk, CleanDocument
from core.sentences import OUTLINE, split_sentences
from ingest.directive_cues import DirectiveCues, load_directive_cues
from ingest.directives import (
    deadline_of,
    find_agencies,
    first_leads,
    folded_key,
    is_central,
    is_narrated,
    leading_agencies,
    obliges,
    partners,
    role_of,
    strip_marker,
    task_pieces,
    tidy_task,
)
from ingest.execution_clause import execution_rows
from ingest.outline import (
    base_depth,
    blocks_of,
    marker_level,
    sentences,
)
from ingest.subjects import THINGS, Subjects
from ingest.table_tasks import header_columns, row_tasks, split_row

_sentences = sentences  # (ingest.targets reads sentences the same way)


@dataclass
class _Scope:
    level: float
    addressees: list[AgencyMention]
    listing: bool = False  # the items under it are things ("Hồ sơ gồm:"), not tasks


@dataclass
class _Reader:
    doc: CleanDocument
    chunks: list[Chunk]
    registry: AgencyRegistry
    cues: DirectiveCues
    subjects: Subjects
    out: list[Assignment] = field(default_factory=list)
    seen: set[tuple[str, str, str]] = field(default_factory=set)
    chunk: Chunk | None = None
    span: tuple[int, int] = (0, 0)
    news: bool = False  # the document narrates (set in run())

    def _narrates(self) -> bool:
        """News reports and progress reports narrate; they assign only with modal words. The
        kind is a guess from the header, so an official layout ("Kính gửi:", "Điều 1.", "Nơi
        nhận:") overrules a news guess; a progress report narrates whatever its layout."""
        kind = self.doc.metadata.kind
        if kind in self.cues.report_kinds:
            return True
        official = any(self.cues.official.match(b.text) for b, _, _ in blocks_of(self.doc))
        return kind in self.cues.narrative_kinds and not official

    def add(self, mention: AgencyMention, role: str, task: str, deadline: str | None = None) -> None:
        task = tidy_task(task)
        if len(task.split()) < 3 or task.isupper() or task.rstrip().endswith(":") or self.chunk is None:
            return  # headings, signature lines and lead-ins are not tasks
        if is_central(mention.agency_id, self.registry, self.cues):
            return  # a province recommends to ministries; it does not assign to them
        key = (mention.agency_id, role, folded_key(task))
        if key in self.seen:
            return
        self.seen.add(key)
        agency = self.registry.get(mention.agency_id)
        start, end = self.span
        self.out.append(
            Assignment(
                mention.agency_id,
                mention.surface,
                role,
                task,
                deadline_of(task) if deadline is None else deadline,
                self.chunk.chunk_id,
                self.doc.doc_id,
                agency.collective,
                start,
                end,
            )
        )

    def assign(
        self,
        leads: list[AgencyMention],
        rest: str,
        split: bool = False,
        equal: bool = True,
        beside_chair: bool = False,
        verbs: bool = False,
    ) -> None:
        """One task per clause of what the leads must do; partners after "phối hợp với" get role
        phối hợp, and a clause that opens with another body is that body's. Clauses ("; ") merge
        into one task unless the next one changes the role, opens a new sentence or has its own
        modal; `split`: every clause is a task (the demands of a request); `verbs`: so is every
        clause opening with a verb (the items of a heading). `equal`: the leads share the role
        (else "X, Y và Z tham mưu": the first leads, the others work with it); `beside_chair`:
        the clause sits next to another body's "chủ trì", so a bare "phối hợp" makes a partner."""
        merged: list[str] = []
        clauses = [
            (c, k == 0)
            for sentence in split_sentences(rest, OUTLINE)
            for k, c in enumerate(self.subjects.clauses(task_pieces(sentence)))
        ]
        for piece, opens_sentence in clauses:
            # a new sentence ("… Đồng thời hướng dẫn …") is a new task
            new_task = bool(leading_agencies(piece, self.registry, self.cues)[0]) or not merged or opens_sentence
            if not new_task and role_of(piece, self.cues) != role_of(merged[-1], self.cues):
                new_task = True
            elif not new_task:
                # a demand of a request, or a clause with its own modal ("…, Văn phòng cần …")
                new_task = split or bool(self.cues.clause_modal.search(piece))
                new_task = new_task or (verbs and bool(self.cues.action.match(piece)))
            if new_task:
                merged.append(piece)
            else:
                merged[-1] = f"{merged[-1]}; {piece}"
        pieces = merged
        chair = beside_chair
        head = ""  # the shared predicate of a list of bodies after a colon
        first = re.match(r"^([^:]{3,120}):\s*(.+)$", pieces[0]) if pieces else None
        if first and leading_agencies(first.group(2), self.registry, self.cues)[0]:
            head = first.group(1).strip()
            listed = "; ".join([first.group(2)] + pieces[1:])
            pieces = [p for p in re.split(r";\s*", listed) if p.strip()]  # one body (or pair) per clause
        for n, piece in enumerate(pieces):
            others, own = leading_agencies(piece, self.registry, self.cues)
            correlated = self.subjects.correlative(piece)
            if correlated:
                self.add(correlated[0], role_of(piece, self.cues), piece)
                continue
            if others and own.strip(" .;,"):
                # a clause with a subject of its own is that subject's, never the leads' (in a
                # request every named body is asked)
                if obliges(own, self.cues, self.news and not split):
                    self.assign(others, own, split, equal=not first_leads(piece, others), beside_chair=chair)
                continue
            if others and head:
                for other in others:  # "… theo lĩnh vực: Sở Xây dựng (tiêu chí 1, 9); Sở Y tế (tiêu chí 15)"
                    self.add(other, role_of(head, self.cues), f"{head}: {piece.strip()}")
                continue
            if n and self.cues.scope_opener.match(piece):
                break  # "…; đối với cơ sở, …" turns to another addressee
            role = role_of(piece, self.cues)
            if role == "thực hiện" and chair and self.cues.cooperate.match(piece):
                role = "phối hợp"  # "X chủ trì …; Y, Z phối hợp đối với …"
            chair = chair or role == "chủ trì"
            # the deadline closing a list item ("…, hoàn thành trước ngày 30/6") holds for all of it
            deadline = deadline_of(piece) or (deadline_of(rest) if not split else "")
            for k, lead in enumerate(leads):
                # "X, Y và Z tham mưu …": the first named leads, the others work with it
                # (the addressees of one heading are equals)
                shared = k and not equal and role in ("chủ trì", "tham mưu")
                self.add(lead, "phối hợp" if shared else role, piece, deadline)
            for partner in partners(piece, self.registry, self.cues, {m.agency_id for m in leads}):
                self.add(partner, "phối hợp", piece, deadline)

    def triggered(self, sentence: str) -> bool:
        """ "giao/đề nghị/yêu cầu X …": the agencies right after the trigger get the task."""
        handled = False
        topic = self.subjects.topic(sentence)
        named = find_agencies(sentence, self.registry, self.cues)
        hits = [m for m in self.cues.trigger.finditer(sentence) if not any(x.start <= m.start() < x.end for x in named)]
        for k, m in enumerate(hits):  # ("Sở Giao thông vận tải" holds no trigger)
            if self.cues.trigger_not_after.search(sentence[: m.start()]):
                continue  # "Xét đề nghị của …", "hồ sơ đề nghị …" name a request, not a task
            clause = strip_marker(re.split(r";\s*", sentence[: m.start()])[-1])
            if clause.strip() and (self.cues.action.match(clause) or self.cues.modal.match(clause)):
                continue  # "Tham mưu Ban Chỉ đạo phân công các sở, ngành …": what is advised, not given
            leads, rest = leading_agencies(sentence[m.end() :], self.registry, self.cues)
            if not leads and topic and k == 0:
                # "Đối với các huyện, Chủ tịch UBND tỉnh đề nghị tập trung chỉ đạo …": the topic
                # is the addressee of a request that names none
                leads, rest = topic, sentence[m.end() :]
            if not leads or not rest.strip():
                continue
            nxt = self.cues.trigger.search(rest)
            clause = rest[: nxt.start()] if nxt and rest[: nxt.start()].rstrip().endswith(";") else rest
            # a request lists its demands one per clause ("đề nghị X: làm A; làm B")
            self.assign(leads, clause, equal=not first_leads(sentence[m.end() :], leads), split=True)
            handled = True
        return handled

    def passive_agents(self, sentence: str) -> bool:
        """ "tiêu chí Thu nhập do Cục Thống kê thành phố thẩm định": the agent after "do" does it."""
        found = self.subjects.passive_agents(sentence, self.news)
        for mention, rest in found:
            self.add(mention, role_of(rest, self.cues), sentence)
        return bool(found)

    def read_block(
        self, text: str, start: int, scope: list[AgencyMention], strict: bool, item: bool = False, listing: bool = False
    ) -> list[AgencyMention]:
        """Assign what the block's sentences ask; returns the subject its first sentence names
        (a paragraph opening with its subject opens that subject's run of tasks)."""
        cursor, opened, first_role, requested = 0, [], "", False
        for n, sentence in enumerate(split_sentences(text, OUTLINE)):
            local = text.find(sentence, cursor)
            cursor = max(cursor, local + len(sentence)) if local >= 0 else cursor
            self.span = (start + max(local, 0), start + max(local, 0) + len(sentence))
            rows = execution_rows(sentence, self.registry, self.cues)
            if rows is not None:
                for row in rows:
                    self.add(row.mention, row.role, row.task, "")
                continue
            if self.triggered(sentence):
                requested = True  # the sentences after a request in its paragraph go on with it
                continue
            if self.cues.closing.search(sentence):
                continue
            leads, rest = leading_agencies(sentence, self.registry, self.cues)
            opening = bool(leads)  # a subject in first position may open a run of tasks
            if not leads and not self.cues.goal_opener.match(strip_marker(sentence)):
                # (under "Phấn đấu …; huyện X hoàn thành …" the clauses are goals, not tasks)
                leads, rest = self.subjects.subject_inside(sentence, self.news)
            passive = self.cues.assigned_passive.match(rest) if leads else None
            if passive and len(rest) > passive.end():
                # "Sở NN&PTNT cũng được giao hướng dẫn …": a task handed to the subject
                rest, requested = rest[passive.end() :], True
            narrated = is_narrated(rest, self.cues) or bool(self.cues.meeting.match(rest))
            # a numbered item of an official text ("2. UBND các xã hoàn chỉnh hồ sơ …") assigns
            # whatever its verb
            # (a named body opening an item of a goals section is given that goal: "- Huyện Đan
            # Phượng hoàn thành các tiêu chí …")
            listed = item and n == 0 and opening and not self.news and rest[:1].islower()
            listed = listed and (not strict or self.cues.action.match(rest) is not None)
            if (
                leads
                and rest
                and not narrated
                and (listed or obliges(rest, self.cues, (self.news and not requested) or strict))
            ):
                self.assign(leads, rest, equal=not first_leads(sentence, leads))
                # a sentence announcing what follows ("UBND tỉnh ban hành Kế hoạch … như sau:")
                # opens a scope only through scope_lead
                opened = leads if n == 0 and opening and not sentence.rstrip().endswith(":") else opened
                continue
            body = strip_marker(sentence)
            if leads or self.cues.component_inline.match(body) or (not listing and self.passive_agents(sentence)):
                continue  # a sentence about a body of its own, or a list of documents ("Hồ sơ gồm: …")
            if self.cues.proviso.search(body):
                continue  # "Trong quá trình thực hiện, nếu có khó khăn …" is said to everyone
            if (
                not scope
                or strict
                or is_narrated(body, self.cues)
                or (self.news and not obliges(body, self.cues, True))
            ):
                continue
            # under a scope a paragraph is one task of its addressees: its first sentence says it,
            # a later sentence only when it gives another role ("… Tham mưu Ban Chỉ đạo …")
            if n == 0:
                first_role = role_of(body, self.cues)
                self.assign(scope, body)
            elif role_of(body, self.cues) != first_role:
                self.assign(scope, body)
        return opened

    def chunk_at(self, offset: int) -> Chunk | None:
        best = None
        for chunk in self.chunks:
            if chunk.start <= offset:
                best = chunk
            else:
                break
        return best or (self.chunks[0] if self.chunks else None)

    def run(self) -> list[Assignment]:
        self.news = self._narrates()
        scopes: list[_Scope] = []
        titles: list[tuple[float, str]] = []
        header: list[str] | None = None
        labels: list[str] = []
        distribution = False
        for block, start, end in blocks_of(self.doc):
            text = block.text.strip()
            if not text:
                continue
            level = marker_level(text)
            if self.cues.distribution.match(text):
                distribution = True  # the distribution list names agencies but assigns nothing
                continue
            if (
                distribution
                and (level is None or level > 2.0)
                and not (self.cues.appendix.match(text) or split_row(text))
            ):
                continue  # … nor does the signature; an attached plan or appendix starts anew
            distribution = False
            if level is not None:
                scopes = [s for s in scopes if s.level < level and level > 1.0]  # a new part ends every scope
                titles = [t for t in titles if t[0] < level]
                if len(text) < 120 and not text.rstrip().endswith((".", ";")):
                    titles.append((level, text))
            elif text.isupper() and len(text) > 3:
                scopes, titles = [], []
                continue
            elif (
                text.endswith(":")
                and len(text) < 80
                and not find_agencies(text, self.registry, self.cues)
                and not self.subjects.scope_lead(text, self.news)
            ):
                depth = base_depth(titles) + 0.25  # an unnumbered sub-heading ("Mục tiêu năm 2014:")
                titles = [t for t in titles if t[0] < depth] + [(depth, text)]
                continue
            self.chunk, self.span = self.chunk_at(start), (start, end)
            cells = split_row(text)
            if cells is not None:
                kinds = header_columns(cells, self.cues)
                if kinds:
                    header, labels = kinds, cells
                    continue
                if not self._in_target(titles):
                    for row in row_tasks(cells, header, labels, self.registry, self.cues):
                        self.add(row.mention, row.role, row.task, row.deadline)
                continue
            header = None
            lead = None if self.cues.execution.search(text) else self.subjects.scope_lead(text, self.news)
            if lead:
                addressees, rest = lead
                depth = level if level is not None else base_depth(titles) + 0.5
                scopes = [s for s in scopes if s.level < depth]
                if not addressees and rest == THINGS:  # a list of things
                    scopes.append(_Scope(depth, [], listing=True))
                    continue
                scopes.append(_Scope(depth, addressees))
                if rest:
                    self.assign(addressees, rest, verbs=True)
                continue
            listing = bool(scopes) and scopes[-1].listing  # under "Hồ sơ gồm:"
            opened = self.read_block(
                text,
                start,
                scopes[-1].addressees if scopes else [],
                self._in_target(titles),
                level is not None,
                listing,
            )
            depth = level if level is not None else base_depth(titles) + 0.5
            if self.cues.component_list.search(text):
                opened = []  # "… Hồ sơ gồm:" — the items under it are documents
                scopes = [s for s in scopes if s.level < depth] + [_Scope(depth, [], listing=True)]
            if opened:
                scopes = [s for s in scopes if s.level < depth] + [_Scope(depth, opened)]
        return self.out

    def _in_target(self, titles: list[tuple[float, str]]) -> bool:
        """Under a "Mục tiêu / Chỉ tiêu" heading (and no task heading) sentences state goals."""
        joined = " ".join(t for _, t in titles)
        return bool(self.cues.target_section.search(joined)) and not self.cues.task_section.search(joined)


def extract_assignments(
    doc: CleanDocument, chunks: list[Chunk], registry: AgencyRegistry, cues: DirectiveCues | None = None
) -> list[Assignment]:
    """Every (agency, role, task, deadline) the document states, tied to its chunk."""
    cues = cues or load_directive_cues()
    return _Reader(doc, sorted(chunks, key=lambda c: c.start), registry, cues, Subjects(registry, cues)).run()
