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
            name="stylize", grammar="stylize[:style ids or names, e.g. stylize:0,1]",
            reading="each clip in two procedural styles (a dynamic pair: motion kept, appearance changed) or "
                    "in one style beside its static partner (a static pair: appearance kept, motion destroyed, "
                    "e.g. the frames permuted)",
            implementation="benchmark.pairs.protocols:StylizedPairs",
        ),
        ProtocolEntry(
            name="prestylized", grammar="prestylized:<root>",
            reading="like stylize, with the styles read from a pre-stylised copy of the dataset (the papers' "
                    "stylised datasets)",
            implementation="benchmark.pairs.protocols:PrestylizedPairs",
        ),
    )
}


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
