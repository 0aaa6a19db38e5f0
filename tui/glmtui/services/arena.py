"""The leaderboard: every stored blind vote rated (core/ratings.py), with speed and memory beside it.

`read_arena(store)` reads it in one call, for `journal.run` (a thread): the votes, the figures, and
the fit of the first view; the second is fitted when first asked for (`Arena.view`). Two views, one
per way of naming a contestant:

- by model: `glm-4.7-flash:q8_0` is one contestant wherever it ran;
- by model on an endpoint: `desk · glm-4.7-flash:q8_0` and `node1 · glm-4.7-flash` are two (the same
  name on Ollama and on vLLM may be different quantisations). Votes saved before endpoints were
  recorded name the model alone in this view.

The last fit of each view is kept, by its outcomes (`fitted`): reopening the board over the same votes
costs the reads alone (~40 ms for 10,000 votes), not the fit again.
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


class Arena:
    """Both views of the board, and what was left out. The by-model view is fitted when read; the
    per-endpoint one the first time it is asked for (`view(True)`), so the screen can show the first
    before paying for the second."""

    def __init__(self, votes: list[tuple[VoteRecord, int]], book: FigureBook, unknown: int) -> None:
        self._stored = votes
        self._book = book
        self._views: dict[bool, list[BoardRow]] = {}
        self.votes = sum(count for _, count in votes)
        self.unknown = unknown  # votes with a value from another version, left out
        # A model against itself (a consistency check): no information about its rating.
        self.self_votes = sum(count for v, count in votes if model_key(v.model_a) == model_key(v.model_b))

    def view(self, by_endpoint: bool) -> list[BoardRow]:
        """The board by model, or by model on its endpoint: fitted the first time (pure CPU, ~20 ms
        for 10,000 votes; call it in a thread), kept after."""
        rows = self._views.get(by_endpoint)
        if rows is None:
            rows = self._views[by_endpoint] = board(self._stored, self._book, by_endpoint)
        return rows

    def fitted(self, by_endpoint: bool) -> bool:
        """Whether `view(by_endpoint)` is ready without a fit."""
        return by_endpoint in self._views

    @property
    def by_model(self) -> list[BoardRow]:
        return self.view(False)

    @property
    def by_endpoint(self) -> list[BoardRow]:
        return self.view(True)


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


# The last fits, by their outcomes: reopening the board over the same votes does not fit again (the
# figures beside the ratings are read afresh each time; only the ratings are kept). One per view.
_FITS: dict[bool, tuple[tuple[Outcome, ...], list[Rating]]] = {}


def fitted(found: list[Outcome], by_endpoint: bool) -> list[Rating]:
    """`fit(found)`, or the kept result when the outcomes are the same as last time."""
    key = tuple(found)
    kept = _FITS.get(by_endpoint)
    if kept is not None and kept[0] == key:
        return kept[1]
    ratings = fit(found)
    _FITS[by_endpoint] = (key, ratings)
    return ratings


def forget_fits() -> None:
    """Drop the kept fits (the benchmark times a first open; tests start clean)."""
    _FITS.clear()


def board(votes: list[tuple[VoteRecord, int]], book: FigureBook, by_endpoint: bool) -> list[BoardRow]:
    """The fitted ratings, best first, each with its figures."""
    found, shown = outcomes(votes, by_endpoint)
    rows = []
    for rank, rating in enumerate(fitted(found, by_endpoint), start=1):
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
    """Everything the leaderboard shows, read, with the by-model view fitted (call it in a thread:
    `journal.run`)."""
    stored = stored_votes(store)
    arena = Arena(stored.votes, model_figures(store), stored.unknown)
    arena.view(False)
    return arena
