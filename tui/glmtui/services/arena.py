"""The leaderboard: every stored blind vote rated (core/ratings.py), with speed and memory beside it.

`read_arena(store)` does all of it in one call, for `journal.run` (a thread): the votes, the figures,
and the two fits, one per way of naming a contestant:

- by model: `glm-4.7-flash:q8_0` is one contestant wherever it ran;
- by model on an endpoint: `desk · glm-4.7-flash:q8_0` and `node1 · glm-4.7-flash` are two (the same
  name on Ollama and on vLLM may be different quantisations). Votes saved before endpoints were
  recorded name the model alone in this view.
"""

from __future__ import annotations

from dataclasses import dataclass

from glmtui.core.endpoints import ModelRef
from glmtui.core.ratings import Outcome, Rating, fit
from glmtui.services.arena_figures import FigureBook, Memory, Speed, model_figures, model_key
from glmtui.services.arena_store import stored_votes
from glmtui.services.compare import VoteRecord
from glmtui.services.store import Store


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One line of the leaderboard: the rating and the figures beside it."""

    rank: int
    name: str  # as shown: the model, or `endpoint · model`
    rating: Rating
    speed: Speed | None
    memory: Memory | None
    apart: bool  # not compared, even indirectly, with the top group: its rank among them means little


@dataclass(frozen=True, slots=True)
class Arena:
    """Both views of the board, and what was left out."""

    by_model: list[BoardRow]
    by_endpoint: list[BoardRow]
    votes: int
    unknown: int  # votes with a value from another version, left out
    self_votes: int  # a model against itself (a consistency check): no information about its rating


def outcomes(
    votes: list[tuple[VoteRecord, int]], by_endpoint: bool
) -> tuple[list[Outcome], dict[str, tuple[str, str]]]:
    """Each vote (and how many alike) as an outcome between two contestants' keys, and per key the
    (model, endpoint) to show it by (the first spelling seen)."""
    found: list[Outcome] = []
    shown: dict[str, tuple[str, str]] = {}
    for vote, count in votes:
        keys = []
        for model, endpoint in ((vote.model_a, vote.endpoint_a), (vote.model_b, vote.endpoint_b)):
            where = endpoint if by_endpoint else ""
            key = f"{where}\x00{model_key(model)}"
            shown.setdefault(key, (model, where))
            keys.append(key)
        found.append(Outcome(keys[0], keys[1], vote.vote, count))
    return found, shown


def board(votes: list[tuple[VoteRecord, int]], book: FigureBook, by_endpoint: bool) -> list[BoardRow]:
    """The fitted ratings, best first, each with its figures."""
    found, shown = outcomes(votes, by_endpoint)
    rows = []
    for rank, rating in enumerate(fit(found), start=1):
        model, endpoint = shown[rating.name]
        at = endpoint if by_endpoint else None
        rows.append(
            BoardRow(
                rank,
                ModelRef(endpoint, model).label,
                rating,
                book.speed(model, at),
                book.memory(model, at),
                rating.group != 0,
            )
        )
    return rows


def read_arena(store: Store) -> Arena:
    """Everything the leaderboard shows, read and fitted (call it in a thread: `journal.run`)."""
    stored = stored_votes(store)
    book = model_figures(store)
    same = sum(count for v, count in stored.votes if model_key(v.model_a) == model_key(v.model_b))
    return Arena(
        board(stored.votes, book, by_endpoint=False),
        board(stored.votes, book, by_endpoint=True),
        sum(count for _, count in stored.votes),
        stored.unknown,
        same,
    )
