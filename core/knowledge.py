"""The product's domain knowledge, read from the packaged data once and passed in.

Agencies (registry + grammar), places (gazetteer), the question-cue table, the document kinds and
the person-name finder (with the sentence reader over it) are data-backed objects that the
planner, retrieval, evidence scoring, the answerers, the task register and ingest (metadata,
chunking, extraction) all read. Instead of
each module calling a process-wide cached loader, a composition root (the CLI, the app's
services, the eval runner, a bench script, a test fixture) calls `Knowledge.load()` once and hands
the object to the constructors and functions that need it. `Knowledge.load` is the only caller of
the loaders.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.agencies import AgencyRegistry, load_registry
from core.agency_grammar import load_grammar
from core.chunk_readings import reading_version
from core.finders import PersonNames
from core.header_facts import DocumentKinds
from core.places import Gazetteer, load_gazetteer
from core.question_cues import QuestionCues, default_cues
from core.sentence_facts import SentenceReader


@dataclass(frozen=True, eq=False)
class Knowledge:
    """What the code knows about the domain. One instance per process: the registry learns the
    agencies its grammar reads in texts (ingest and questions share them), and its mention cache
    is shared by every caller."""

    registry: AgencyRegistry
    places: Gazetteer
    cues: QuestionCues
    kinds: DocumentKinds
    names: PersonNames
    sentences: SentenceReader  # facts of evidence sentences, remembered (ingest stores them with the readings)
    reading_version: str = ""  # of the readings ingest stores with chunks (core/chunk_readings; "" = none)

    @classmethod
    def load(cls, cues: QuestionCues | None = None) -> Knowledge:
        """Read every packaged table (about 0.2 s); `cues` replaces the question-cue table
        (settings, tests, experiments: `core.question_cues.load_cues(path)`)."""
        places = load_gazetteer()
        names = PersonNames.load(places)
        return cls(
            registry=load_registry(load_grammar(places)),
            places=places,
            cues=cues or default_cues(),
            kinds=DocumentKinds.load(),
            names=names,
            sentences=SentenceReader(names),
            reading_version=reading_version(),
        )

    def with_cues(self, cues: QuestionCues) -> Knowledge:
        """The same knowledge with another question-cue table (the registry stays shared)."""
        return Knowledge(self.registry, self.places, cues, self.kinds, self.names, self.sentences, self.reading_version)
