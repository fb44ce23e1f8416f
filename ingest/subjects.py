"""Who a sentence or a heading addresses, beyond an agency in first position.

A Vietnamese directive can name its subject after an introductory phrase ("Về công tác tập huấn,
Văn phòng Điều phối NTM tỉnh sớm …"), as the topic of a request ("Đối với huyện Đầm Hà, đồng chí
đề nghị …"), as the agent of a passive ("… do Cục Thống kê thẩm định"), as a correlative ("sở,
ngành nào … thì sở, ngành đó chịu trách nhiệm"), in parallel clauses ("Sở Y tế phụ trách xã A, Sở
Giáo dục và Đào tạo phụ trách xã B"); and a heading or lead-in can announce the addressees of the
items under it ("2. Sở Tài chính:", "Cấp xã:", "Đối với cấp huyện, cần:", "Hồ sơ gồm:").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.agencies import AgencyMention, AgencyRegistry
from ingest.directive_cues import DirectiveCues
from ingest.directives import (
    find_agencies,
    is_narrated,
    leading_agencies,
    obliges,
    strip_marker,
)
from ingest.outline import marker_level

THINGS = "gồm"  # scope_lead's rest for a list of things ("Hồ sơ gồm:"): the items are no tasks


@dataclass(frozen=True)
class Subjects:
    registry: AgencyRegistry
    cues: DirectiveCues

    def passive_agents(self, sentence: str, news: bool) -> list[tuple[AgencyMention, str]]:
        """ "tiêu chí Thu nhập do Cục Thống kê thành phố thẩm định": the agent after "do" does it."""
        out = []
        for m in self.cues.agent.finditer(sentence):
            leads, rest = leading_agencies(sentence[m.end() :], self.registry, self.cues)
            if leads and self.cues.action.match(rest) and not news:
                out.append((leads[0], rest))
        return out

    def clauses(self, pieces: list[str]) -> list[str]:
        """Split a clause where another subject starts after a comma ("Sở Y tế phụ trách xã Hồng
        Kim, Sở Giáo dục và Đào tạo phụ trách xã Thượng Quảng")."""
        out: list[str] = []
        for piece in pieces:
            cut = 0
            verb = " ".join(piece.split()[:2]).lower()  # parallel clauses repeat the verb
            for mention in find_agencies(piece, self.registry, self.cues):
                gap = piece[cut : mention.start]
                if mention.start > cut and re.search(r",\s*$", gap) and not self.cues.partner.search(gap):
                    if piece[mention.end :].lower().lstrip().startswith(verb):
                        out.append(gap.rstrip(" ,"))
                        cut = mention.start
            out.append(piece[cut:])
        return [p for p in out if p.strip()]

    def topic(self, sentence: str) -> list[AgencyMention]:
        """The addressee a sentence names as its topic ("Đối với huyện Đầm Hà, …")."""
        opener = self.cues.scope_opener.match(strip_marker(sentence))
        if not opener:
            return []
        head = strip_marker(sentence)[opener.end() :]
        cut = head.find(",")
        return find_agencies(head[:cut], self.registry, self.cues) if cut > 0 else []

    def correlative(self, sentence: str) -> list[AgencyMention]:
        """ "Tiêu chí thuộc lĩnh vực sở, ngành nào quản lý thì sở, ngành đó chịu trách nhiệm …":
        the correlative subject distributes over every such body."""
        m = re.search(r"(?i)\bthì\s+([^,;.]{2,25}?(?:,\s*[^,;.]{2,12}?)?)\s+đó\s+", sentence)
        if not m or not re.search(rf"(?i){re.escape(m.group(1))}\s+nào\b", sentence[: m.start()]):
            return []
        found = find_agencies("các " + m.group(1), self.registry, self.cues)
        if not found:
            return []
        return [AgencyMention(found[0].agency_id, m.group(1), m.start(1), m.end(1))]

    def subject_inside(self, sentence: str, news: bool) -> tuple[list[AgencyMention], str]:
        """An agency as subject after an introductory phrase ("Về công tác tập huấn, Văn phòng
        Điều phối NTM tỉnh sớm có văn bản …"; "…, đặc biệt là Văn phòng điều phối NTM phải …")."""
        body = strip_marker(sentence)
        if self.cues.action.match(body) and not self.cues.scope_opener.match(body):
            return [], sentence  # "Chỉ đạo các đơn vị tư vấn, UBND các xã khẩn trương …": objects of the verb
        subject_free = True  # no body before this one that could be the subject itself
        for mention in find_agencies(sentence, self.registry, self.cues):
            before = sentence[: mention.start].rstrip()
            k = 0 if subject_free else 1
            subject_free = subject_free and bool(self.cues.preposition_before.search(before))
            if mention.start == 0 or not re.search(r"(,|;|:|là|thì)$", before) or self.cues.partner.search(before):
                continue  # (a body listed after "phối hợp với" is a partner, not a subject)
            leads, rest = leading_agencies(sentence[mention.start :], self.registry, self.cues)
            if leads and self.cues.modal.match(rest):
                return leads, rest
            # "Trên cơ sở ý kiến …, VPĐP tổng hợp …": an official text assigns with plain verbs too,
            # unless the sentence opens as a story ("Ngày 05/3, UBND tỉnh ban hành …")
            if (
                leads
                and k == 0
                and not news
                and self.cues.action.match(rest)
                and not self.cues.narrative_intro.match(sentence)
            ):
                return leads, rest
        return [], sentence

    def scope_lead(self, text: str, news: bool) -> tuple[list[AgencyMention], str] | None:
        """Addressees a block announces for the items under it (and what follows its colon)."""
        body = strip_marker(text).strip()
        name = self.cues.level_preposition.sub("", body.rstrip(" :.")).strip().lower()
        if name in self.cues.level_names:  # "Cấp xã:", "Tại cấp huyện" ("Ở cấp tỉnh": no single body)
            return find_agencies(self.cues.level_names[name], self.registry, self.cues), ""
        if self.cues.component_list.search(body) and not leading_agencies(body, self.registry, self.cues)[0]:
            return [], THINGS  # "Hồ sơ gồm:" lists documents, not tasks
        opener = self.cues.scope_opener.match(body)
        if opener:  # "Đối với cấp huyện, cần:", "1. Đối với các sở, ngành được phân công"
            head = body[opener.end() :].strip(" :")
            mentions = find_agencies(head, self.registry, self.cues)
            heading = len(body) < 120 and not body.endswith((".", ";")) and bool(mentions) and mentions[0].start == 0
            if not heading and not body.endswith(":"):
                return None
            modal = self.cues.lead_in_modal.search(head)
            subject = head[: modal.start()] if modal else head
            found = [m for m in mentions if m.end <= len(subject)]
            if not found and subject.lower() in self.cues.level_names:
                found = find_agencies(self.cues.level_names[subject.lower()], self.registry, self.cues)
            return (found, "") if found else None
        leads, rest = leading_agencies(body, self.registry, self.cues)
        if not leads and body.endswith(":"):
            clause = re.split(r";\s*", body)[-1]  # "Nhất trí …; các huyện và các sở, ngành cần …:"
            leads, rest = leading_agencies(clause, self.registry, self.cues)
            for m in self.cues.trigger.finditer(clause) if not leads else ():
                leads, rest = leading_agencies(clause[m.end() :], self.registry, self.cues)
                if leads:
                    break  # "Đề nghị các sở, ngành thực hiện các nội dung sau:"
            if not leads:
                leads, rest = self.subject_inside(clause, news)
        if not leads:
            return None
        rest = rest.strip()
        if re.fullmatch(r"(?:[A-ZĐ]\w*\s*){1,4}", rest):
            rest = ""  # "11. UBND các huyện, thị xã Sơn Tây": the name ends the heading
        if not rest:  # an agency heading; unnumbered it is a letterhead or a title
            return (leads, "") if not news and len(body) < 200 and marker_level(text) is not None else None
        if rest.startswith(":"):
            return leads, rest[1:].strip()
        if (
            marker_level(text) is not None
            and len(body) < 120
            and not body.endswith((".", ";", ":"))
            and not news
            and (is_narrated(rest, self.cues) or not (self.cues.action.match(rest) or self.cues.modal.match(rest)))
        ):
            return leads, ""  # "1. Các sở, ban, ngành được giao phụ trách tiêu chí": a heading with its qualifier
        colon = rest.find(":")
        qualifier = rest[:colon].strip(" -–,")
        after = rest[colon + 1 :].strip()
        if (
            0 < colon
            and not news
            and len(qualifier.split()) <= 15
            and not re.search(r"[.;]", qualifier)
            and not obliges(qualifier, self.cues, False)
            and not self.cues.trigger.match(after)
        ):
            # "Sở NN&PTNT - Cơ quan thường trực …: Chủ trì …" (but "Giám đốc Sở X Tên: Đề nghị …"
            # quotes a speaker)
            return leads, after
        if rest.endswith(":") and len(rest.split()) <= 25 and self.cues.lead_in_modal.search(rest):
            return leads, ""  # "… phải:", "… có trách nhiệm thực hiện các nội dung sau:"
        return None
