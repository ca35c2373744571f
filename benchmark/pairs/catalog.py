"""The pair protocols by name: how each is written and how to read numbers measured on its
pairs (one registry; torch-free, so the leaderboard, the web site and the export read it).

Every text naming the protocols - the ``run --pair-protocol`` help, a parse error, the
board's "how to read" and section notes, the site's legend, the export's field
descriptions - is generated from :data:`PROTOCOLS`; the implementation of each is the
lazy ``"module:attr"`` reference it records (:mod:`benchmark.pairs.protocols`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ProtocolEntry:
    """A pair protocol: its ``grammar`` on the command line, the sentence that says how to
    read its numbers, and its implementation (a :class:`~benchmark.pairs.protocols.PairProtocol`)."""

    name: str
    grammar: str
    reading: str
    implementation: str  # "module:attr"
    #: The protocol version (:data:`benchmark.PROTOCOL_VERSION`) its construction last changed
    #: in, which a run records: a result of an earlier version of it is stale.
    version: str = "2"


#: In the order the board lists a dataset's sections.
PROTOCOLS: dict[str, ProtocolEntry] = {
    entry.name: entry for entry in (
        ProtocolEntry(
            name="true", grammar="true (synthetic only)",
            reading="ground-truth pairs rendered by the synthetic world: the same motion with a new appearance "
                    "(a dynamic pair) or the same appearance with new motion (a static pair)",
            implementation="benchmark.pairs.protocols:TruePairs",
        ),
        ProtocolEntry(
            name="stylize", grammar="stylize[:appearance bank, e.g. stylize:hue:4] (protocol v3)",
            reading="protocol v3: each clip in two calibrated appearances (luminance-keeping hue rotations with a "
                    "mild tone curve: motion kept, appearance changed; a dynamic pair) or in one appearance beside a "
                    "frozen copy of itself (one frame repeated: appearance kept, motion removed; a static pair); chosen "
                    "and confirmed against true pairs on held-out models (docs/protocol_v3.md)",
            implementation="benchmark.pairs.protocols:StylizedPairs",
            version="3",
        ),
        ProtocolEntry(
            name="kowal2022", grammar="kowal2022[:style ids or names, e.g. kowal2022:0,1] (the papers' construction)",
            reading="the papers' construction (protocol v2's stylize): each clip in two procedural styles or in one "
                    "style beside its frames permuted; it ranks models only roughly like true pairs and compresses "
                    "their scale (docs/validity.md)",
            implementation="benchmark.pairs.protocols:Kowal2022Pairs",
        ),
        ProtocolEntry(
            name="prestylized", grammar="prestylized:<root>",
            reading="like kowal2022, with the styles read from a pre-stylised copy of the dataset (the papers' "
                    "stylised datasets)",
            implementation="benchmark.pairs.protocols:PrestylizedPairs",
        ),
    )
}


def protocol_version(text: str) -> str | None:
    """The current version of the protocol named in ``text`` (None for an unknown name)."""
    entry = PROTOCOLS.get(text.partition(":")[0])
    return entry.version if entry else None


def protocol_names() -> list[str]:
    """The protocols' names, in board order."""
    return list(PROTOCOLS)


def grammar() -> str:
    """How the protocols are written: ``true (synthetic only), stylize[...], or prestylized:<root>``."""
    forms = [entry.grammar for entry in PROTOCOLS.values()]
    return ", ".join(forms[:-1]) + f", or {forms[-1]}" if len(forms) > 1 else forms[0]


def listed(before: str = "`", after: str = "`", last: str = ", ") -> str:
    """The names, each between ``before`` and ``after``, the last one after ``last``."""
    names = [f"{before}{name}{after}" for name in PROTOCOLS]
    return ", ".join(names[:-1]) + last + names[-1] if len(names) > 1 else names[0]
