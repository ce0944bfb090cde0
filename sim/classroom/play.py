"""``ceasefire play``: the game in the terminal, one line of input per choice.

All of the game is in :mod:`sim.classroom.game`; this module only prints and reads.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from sim.model.outcomes import OUTCOME_MEANINGS
from sim.model.player import KINDS

from .game import OPTIONS, Debrief, Game, Question, debrief
from .narrate import NAMES, ending, when

EXIT_INPUT_ENDED = 2
#: Width of the longest bar in the debrief's chart.
BAR = 30

_DECIDES = {
    "join_truce": "whether to join a truce the other side declares (or fight on)",
    "answer": "whether your forces answer the violations they count in defence while you hold fire (or hold)",
    "sign": "whether to sign a deal the other side is ready to sign (or reject it)",
    "extend_truce": "whether to extend your own truce when its term is up (or let it lapse)",
    "deadline": "whether to extend your deadline when it comes without enough progress (or walk away from the talks)",
}
_NAMES = {**NAMES, "united_states": "the United States"}
_HELP = (
    "Type the letter or the word of a choice, e.g. {allowed}; the letter twice for the same answer every time; "
    "? for this help; Ctrl-D ends the game."
)


def cmd_play(args: argparse.Namespace) -> int:
    """Play ``args.side`` in ``args.scenario`` with seed ``args.seed``, reading answers from stdin."""
    game = Game(args.side, args.scenario, seed=args.seed)
    return play(game, sys.stdin, sys.stdout)


def play(game: Game, inp: TextIO, out: TextIO) -> int:
    """Run the game to its end; returns the exit status (2 if the input ends first)."""
    print(introduction(game), file=out)
    printed = 0
    while True:
        q = game.advance()
        lines = game.story()
        for line in lines[printed:]:
            print(f"  {line}", file=out)
        printed = len(lines)
        if q is None:
            break
        ask(q, out)
        while True:
            line = inp.readline()
            if not line:
                at = when(q.time)
                print(f"ceasefire: input ended at {at} before the game did; {_count(len(game.choices), 'choice')} made", file=sys.stderr)
                return EXIT_INPUT_ENDED
            said = line.strip()
            key = q.option(said)
            standing = q.standing(said) if key is None else None
            if key is not None or standing is not None:
                game.answer(said)
                every = ", and every time from now on" if standing is not None else ""
                print(f"  You: {q.label(key or standing)}{every}.\n", file=out)
                break
            wrong = "" if said.lower() in ("?", "help") else f"Not a choice here: {said!r}. "
            print(f"  {wrong}{_HELP.format(allowed=q.allowed())}", file=out)
            ask(q, out)
    print(ending(game.outcome), file=out)
    print(file=out)
    print(render(debrief(game)), file=out)
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def ask(q: Question, out: TextIO) -> None:
    print(f"\n? {q.text}\n  {options(q)}   ({q.every_time()})", file=out, flush=True)


def options(q: Question) -> str:
    """'[j]oin / [f]ight on'."""
    return " / ".join(f"[{k}]{label[1:]}" if label.startswith(k) else f"[{k}] {label}" for k, label in q.options)


def introduction(game: Game) -> str:
    """Who the student is, what they decide, and the keys."""
    s = game.scenario
    clock = s.data["clock"]
    kinds = [k for k, sides in KINDS.items() if game.side in sides]
    others = ", ".join(_NAMES[a] for a in ("russia", "ukraine", "united_states", "europe") if a != game.side)
    lines = [
        f"You play {_NAMES[game.side]} in {s.name}: {s.data['description']}",
        f"{clock['horizon_days']} days from {clock['start']:%a %d %b %Y}, seed {game.seed} "
        "(the same seed and the same answers always tell the same story).",
        f"The model plays {others}. You decide:",
    ]
    lines += [f"  - {_DECIDES[k]}: {' / '.join(f'{key} = {label}' for key, label in OPTIONS[k])}" for k in kinds]
    lines.append(
        "Type the letter or the word and press Enter; the letter twice (e.g. hh) gives the same answer to every "
        "later question of that kind; ? for help. The story so far:"
    )
    return "\n".join(lines)


def render(d: Debrief) -> str:
    """The debrief as text: a bar chart of the runs' outcomes, the percentile, the decisive choice."""
    who = _NAMES[d.side]
    lines = [
        "Debrief",
        f"Your story among {d.runs} runs of the model from the same start (run 0 is the model playing {who} "
        f"in your story: it ended in {d.model_outcome.replace('_', ' ')}):",
    ]
    top = max(d.shares["share"].max(), 1e-9)
    for r in d.shares.itertuples():
        mark = "->" if r.outcome == d.outcome else "  "
        bar = "#" * round(BAR * r.share / top)
        you = "  <- you" if r.outcome == d.outcome else ""
        lines.append(f"{mark} {r.outcome.replace('_', ' '):<21} {bar:<{BAR}} {r.share:6.1%}{you}")
    lines.append(f"   ({OUTCOME_MEANINGS[d.outcome]})")
    lines.append(
        f"Days with a truce or agreement in force: you {d.value:.1f}; the runs' median {d.median:.1f}. "
        f"Your story is at percentile {d.percentile:.0f} of the runs."
    )
    if not d.choices:
        lines.append("You were asked nothing in this story: the model met none of your decisions.")
        return "\n".join(lines)
    lines.append("")
    lines.append("Your choices, and what the model would have chosen:")
    for c in d.choices:
        same = "the same" if c.option == c.default else c.default_label
        lines.append(f"  {c.when}  {c.kind.replace('_', ' '):<12} you: {c.label:<12} the model: {same}")
    top = d.decisive
    changed = (
        f"the outcome would have been {top.outcome.replace('_', ' ')} instead"
        if top.outcome_changed
        else f"the outcome class stays the same; the story moves most (distance {top.distance:.2f}: "
        "days in force and strike-days)"
    )
    lines += [
        "",
        f"Your most decisive choice: {top.choice.label} ({top.choice.kind.replace('_', ' ')}) on {top.choice.when}. "
        f"Had you chosen otherwise, {changed}.",
        "What would have happened instead:",
    ]
    lines += [f"  {line}" for line in top.story]
    return "\n".join(lines)

