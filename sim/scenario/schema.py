"""What a scenario file may contain: every key path, its type, range and meaning.

The schema is structure, not values: the values (and the sources they come from) live in
the TOML files under ``scenarios/``. ``docs/model.md`` lists the same keys with their
baseline values and sources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ISSUES = (
    "civilian_moratorium",
    "ceasefire",
    "territory",
    "neutrality",
    "guarantees",
    "sequencing",
)
BELLIGERENTS = ("russia", "ukraine")
ACTORS = ("russia", "ukraine", "united_states", "europe")
TARGET_CLASSES = ("military", "civilian")
RESPONSE_RULES = ("symmetric", "retaliatory", "fixed")
EVENT_KINDS = ("truce", "meeting", "bilateral_offer", "statement")


@dataclass(frozen=True)
class Field:
    """One leaf of the schema.

    ``kind`` is one of ``float``, ``int``, ``bool``, ``str``, ``datetime``, ``str_list``.
    ``required`` fields must be present once inheritance is resolved; the others take
    ``default``. A ``float`` field with ``prior`` may hold a prior instead of a number
    (:mod:`sim.scenario.priors`): a range drawn per replicate.
    """

    kind: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    required: bool = True
    default: object = None
    prior: bool = True

    def allowed(self) -> str:
        """Human words for what this field accepts, for error messages."""
        if self.choices is not None:
            one = "one of" if self.kind != "str_list" else "a list of"
            return f"{one} {', '.join(repr(c) for c in self.choices)}"
        words = {
            "float": "a number",
            "int": "a whole number",
            "bool": "true or false",
            "str": "a string",
            "datetime": "a TOML date-time such as 2025-04-19T18:00:00+03:00",
            "str_list": "a list of strings",
        }[self.kind]
        if self.low is not None and self.high is not None:
            return f"{words} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{words} >= {self.low:g}"
        return words


def _prob(doc: str, prior: bool = True) -> Field:
    return Field("float", doc, 0.0, 1.0, prior=prior)


def _issues(doc: str, low: float = 0.0, high: float = 1.0) -> dict[str, Field]:
    return {issue: Field("float", f"{doc} ({issue})", low, high) for issue in ISSUES}


def _belligerent(ukraine: bool) -> dict:
    table = {
        "incidents_per_day": Field("float", "unordered local strikes per day (each one strike event)", 0.0, 1000.0),
        "strikes": {
            "military": _prob("intensity against military targets when fighting (share of full scale)"),
            "civilian": _prob("intensity against civilian and energy targets when fighting"),
        },
        "response": {
            "rule": Field("str", "response rule", choices=RESPONSE_RULES),
            "mirror_gain": Field("float", "own intensity times this when fighting under the symmetric rule", 0.0, 3.0),
            "forgiveness": _prob("probability of leaving a perceived violation unanswered"),
            "answer_lag_hours": Field("float", "hours from perceiving a violation to acting on it", 0.0, 240.0),
            "join_truce": _prob("probability of joining a truce the other side declares"),
            "answer_civilian": Field(
                "bool", "symmetric rule: also fight in the civilian class", required=False, default=False
            ),
        },
        "perception": {
            "false_alarms_per_day": Field(
                "float",
                "strikes that never happened, perceived per day in each target class it holds fire in",
                0.0,
                1000.0,
            ),
            "miss": _prob("probability of missing a strike that happened"),
        },
        "commitment": {
            "tolerance": Field("float", "recent counted violations tolerated before abandoning a commitment", 0.0, 1e6),
            "memory_hours": Field("float", "time scale of 'recent' for counted violations", 1.0, 8760.0),
            "trust": _prob("trust in the other side at the start"),
            "trust_loss": _prob("share of trust lost per counted violation"),
            "collapse_trust_loss": _prob("share of trust lost when an agreement collapses"),
            "trust_recovery_per_day": Field("float", "rate at which trust returns to its start", 0.0, 100.0),
            "distrust_premium": Field(
                "float", "how far inside its bounds a text must be to sign, at zero trust", 0.0, 1.0
            ),
        },
        "concession": {
            "beta": Field("float", "Faratin et al. (1998) concession exponent", 0.01, 100.0),
            "deadline_days": Field("float", "the party's own, private concession deadline (patience)", 0.25, 3650.0),
            "pressure_speedup": Field("float", "extra concession speed per unit pressure", 0.0, 10.0),
            "cost_speedup": Field("float", "extra concession speed per unit of war-cost rate", 0.0, 10.0),
        },
        "opening": _issues("stated opening position"),
        "limit": _issues("furthest position the party can be brought to"),
        "weights": _issues("importance of the issue", 0.0, 100.0),
        "reservation": {
            "base": Field("float", "value of no deal at the start", -1.0, 2.0),
            "battle_weight": Field("float", "value of no deal per unit of expected battlefield gain", 0.0, 10.0),
            "cost_weight": Field("float", "loss of no-deal value per strike-day of war cost", 0.0, 10.0),
            "pressure_weight": Field("float", "loss of no-deal value under the mediator's pressure", 0.0, 10.0),
            "optimism": Field("float", "initial over-estimate of own battlefield prospects", -1.0, 1.0),
        },
    }
    if ukraine:
        table["reservation"]["aid_weight"] = Field("float", "value of no deal per unit of foreign aid", 0.0, 10.0)
        table["guarantee_offset"] = _prob("share of neutrality's cost that guarantees remove")
        table["bilateral_acceptance"] = _prob("probability of taking up a bilateral offer")
    return table


SCHEMA: dict = {
    "name": Field("str", "short name of the scenario", required=False, default=""),
    "description": Field("str", "one line shown by `ceasefire scenarios`", required=False, default=""),
    "ensemble": Field(
        "str",
        "calibrated parameter sets (a Parquet file written by `ceasefire calibrate`, relative to the file "
        "that names it) that replace the draws of the priors they were calibrated under; '' for none",
        required=False,
        default="",
    ),
    "clock": {
        "start": Field("datetime", "calendar time of hour 0"),
        "tick_hours": Field("int", "resolution: hours per step (divides 24)", 1, 24, required=False, default=6),
        "horizon_days": Field("int", "days simulated", 1, 3650),
    },
    "military": {
        "strike_events_per_hour": Field(
            "float", "strikes the other side can perceive per hour at full intensity", 0.01, 1000.0
        ),
        "battle_drift": Field("float", "battlefield shift per strike-day of net military intensity", 0.0, 1.0),
        "battle_noise": Field("float", "battlefield noise per square-root day", 0.0, 1.0),
        "learning": Field("float", "decay of optimism per strike-day of fighting", 0.0, 10.0),
        "clear_hours": Field("float", "hours a full monitoring mission takes to clear up an incident", 0.01, 8760.0),
    },
    "negotiation": {
        "enabled": Field("bool", "false: the military layer alone"),
        "round_days": Field("float", "days between mediated rounds", 0.25, 365.0),
        "text_step": _prob("share of the way the mediator's text moves each round"),
        "ceasefire_days": Field("float", "duration of an agreed ceasefire", 1.0, 3650.0),
        "retry_days": Field("float", "days after a collapse before a new agreement can be signed", 0.0, 3650.0),
        "bilateral_round_days": Field("float", "days between direct rounds", 0.25, 365.0),
    },
    "outcomes": {
        "hold_days": Field(
            "float",
            "days an agreement must have been in force at the horizon to count as holding",
            0.0,
            3650.0,
            required=False,
            default=7.0,
            prior=False,
        ),
    },
    "actors": {
        "russia": _belligerent(ukraine=False),
        "ukraine": _belligerent(ukraine=True),
        "united_states": {
            "deadline_days": Field("float", "days from the start to the walk-away deadline", 0.0, 36500.0),
            "extension_probability": _prob("probability of extending instead of stepping back"),
            "extension_days": Field("float", "days added by an extension", 0.25, 3650.0),
            "review_days": Field("float", "days from a met deadline to the next review of progress", 0.25, 3650.0),
            "required_progress": _prob("share of the initial gap closed that counts as progress"),
            "violation_weight": Field("float", "discount on progress per recent public accusation", 0.0, 10.0),
            "accusation_memory_days": Field("float", "time scale of 'recent' for accusations", 0.01, 365.0),
            "pressure": Field("float", "pressure on both parties while engaged", 0.0, 10.0),
            "deadline_urgency": Field(
                "float", "extra pressure as the deadline nears, times its credibility", 0.0, 10.0
            ),
            "step_back_pressure": _prob("share of its pressure kept after stepping back"),
            "return_per_day": Field("float", "rate of coming back after stepping back", 0.0, 100.0),
            "aid": Field("float", "U.S. share of Ukraine's foreign aid", 0.0, 1.0),
            "aid_cut": _prob("share of U.S. aid held back while stepped back"),
            "monitoring": _prob("strength of a U.S. monitoring role under an agreement, while engaged"),
        },
        "europe": {
            "aid": Field("float", "European share of Ukraine's foreign aid", 0.0, 1.0),
            "backfill": _prob("share of a U.S. aid cut that Europe replaces"),
            "guarantee_capacity": _prob("strongest security guarantee Europe can offer"),
            "sequencing_push": _prob("pull toward 'ceasefire first' at meetings Europe attends"),
            "monitoring": _prob("strength of a European monitoring mission under an agreement"),
            "reassurance": _prob("share of Ukraine's distrust premium that full guarantees remove"),
            "deterrence": Field(
                "float",
                "rise in Russia's tolerance before breaking a guaranteed agreement, per unit guarantee",
                0.0,
                100.0,
            ),
        },
    },
}

#: Keys of version 1 that measured time in ticks or no longer exist: what replaced them.
RETIRED: dict[str, str] = {
    "incident_rate": "incidents_per_day (a rate per day: version 2 measures time in hours and days, not ticks)",
    "false_alarm": "false_alarms_per_day (a rate per day: version 2 measures time in hours and days, not ticks)",
    "lag_ticks": "answer_lag_hours (hours: version 2 measures time in hours and days, not ticks)",
    "collapse_ticks": "nothing here: a commitment now ends when a side abandons it (actors.<side>.commitment.tolerance)",
    "incident_size": "nothing here: an incident is one strike (military.strike_events_per_hour sets the scale)",
    "patience_spread": "a prior on concession.deadline_days, e.g. deadline_days = { loguniform = [36, 99] }",
}


EVENT_SCHEMA: dict[str, dict[str, Field]] = {
    "truce": {
        "actor": Field("str", "who declares it", choices=BELLIGERENTS),
        "hours": Field("float", "duration", 0.25, 24.0 * 3650, prior=False),
        "extension_probability": _prob("probability the declarer extends it at its end", prior=False),
        "extension_hours": Field(
            "float", "hours added by an extension", 0.25, 24.0 * 3650, required=False, default=24.0, prior=False
        ),
    },
    "meeting": {
        "name": Field("str", "where", required=False, default="meeting"),
        "participants": Field("str_list", "who attends", choices=ACTORS, required=False, default=()),
    },
    "bilateral_offer": {
        "actor": Field("str", "who offers", choices=BELLIGERENTS),
        "issues": Field(
            "str_list", "issues on the direct track", choices=ISSUES, required=False, default=("civilian_moratorium",)
        ),
    },
    "statement": {
        "actor": Field("str", "who speaks", choices=ACTORS),
        "text": Field("str", "what the narration says"),
    },
}
EVENT_COMMON = {
    "kind": Field("str", "event kind", choices=EVENT_KINDS),
    "at": Field("datetime", "calendar time at which it fires"),
    "source": Field("str", "citation for the event", required=False, default=""),
}

PY_TYPES = {"float": (int, float), "int": (int,), "bool": (bool,), "str": (str,), "datetime": (dt.datetime,)}


def scenario_fields(tree: dict | None = None, prefix: str = "") -> dict[str, Field]:
    """Every settable key path of a scenario (events aside) and its schema field."""
    out: dict[str, Field] = {}
    for key, spec in (SCHEMA if tree is None else tree).items():
        if isinstance(spec, dict):
            out.update(scenario_fields(spec, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = spec
    return out


# --- names and units for people ------------------------------------------------------------------

#: How figures name the owner of an ``actors.<who>.`` key path.
ACTOR_NAMES = {"russia": "Russia's", "ukraine": "Ukraine's", "united_states": "U.S.", "europe": "Europe's"}

#: A short name and a unit for every key path (``*`` stands for either belligerent, and for
#: each issue): what a figure's axis or a table says instead of the raw path.
LABELS: dict[str, tuple[str, str]] = {
    "name": ("scenario name", "text"),
    "description": ("description", "text"),
    "ensemble": ("ensemble file", "path"),
    "clock.start": ("start time", "date-time"),
    "clock.tick_hours": ("time step", "hours"),
    "clock.horizon_days": ("horizon", "days"),
    "military.strike_events_per_hour": ("strike events at full intensity", "per hour"),
    "military.battle_drift": ("battlefield drift", "per strike-day"),
    "military.battle_noise": ("battlefield noise", "per square-root day"),
    "military.learning": ("optimism decay", "per strike-day"),
    "military.clear_hours": ("time to clear up an incident", "hours"),
    "negotiation.enabled": ("negotiation", "on/off"),
    "negotiation.round_days": ("time between mediated rounds", "days"),
    "negotiation.text_step": ("mediator's text step", "share of the way, 0-1"),
    "negotiation.ceasefire_days": ("ceasefire duration", "days"),
    "negotiation.retry_days": ("wait after a collapse", "days"),
    "negotiation.bilateral_round_days": ("time between direct rounds", "days"),
    "outcomes.hold_days": ("time in force to count as holding", "days"),
    "actors.*.incidents_per_day": ("local incidents", "per day"),
    "actors.*.strikes.military": ("intensity against military targets", "share of full scale"),
    "actors.*.strikes.civilian": ("intensity against civilian targets", "share of full scale"),
    "actors.*.response.rule": ("response rule", "category"),
    "actors.*.response.mirror_gain": ("mirror gain", "times own intensity"),
    "actors.*.response.forgiveness": ("forgiveness", "probability"),
    "actors.*.response.answer_lag_hours": ("answer lag", "hours"),
    "actors.*.response.join_truce": ("chance of joining a truce", "probability"),
    "actors.*.response.answer_civilian": ("answer in the civilian class", "yes/no"),
    "actors.*.perception.false_alarms_per_day": ("false alarms", "per day"),
    "actors.*.perception.miss": ("missed strikes", "probability"),
    "actors.*.commitment.tolerance": ("violation tolerance", "counted violations"),
    "actors.*.commitment.memory_hours": ("violation memory", "hours"),
    "actors.*.commitment.trust": ("initial trust", "0-1 scale"),
    "actors.*.commitment.trust_loss": ("trust lost per violation", "share of trust"),
    "actors.*.commitment.collapse_trust_loss": ("trust lost at a collapse", "share of trust"),
    "actors.*.commitment.trust_recovery_per_day": ("trust recovery", "per day"),
    "actors.*.commitment.distrust_premium": ("distrust premium", "0-1 scale"),
    "actors.*.concession.beta": ("concession exponent beta", "dimensionless"),
    "actors.*.concession.deadline_days": ("private concession deadline", "days"),
    "actors.*.concession.pressure_speedup": ("concession speed-up from pressure", "per unit of pressure"),
    "actors.*.concession.cost_speedup": ("concession speed-up from war cost", "per unit of war-cost rate"),
    "actors.*.opening.*": ("opening position on {issue}", "position, 0-1"),
    "actors.*.limit.*": ("limit on {issue}", "position, 0-1"),
    "actors.*.weights.*": ("weight of {issue}", "relative weight"),
    "actors.*.reservation.base": ("value of no deal", "utility"),
    "actors.*.reservation.battle_weight": ("no-deal value of battlefield gains", "utility per unit of gain"),
    "actors.*.reservation.cost_weight": ("no-deal value lost to war cost", "utility per strike-day"),
    "actors.*.reservation.pressure_weight": ("no-deal value lost to pressure", "utility per unit of pressure"),
    "actors.*.reservation.optimism": ("initial optimism", "battlefield units"),
    "actors.*.reservation.aid_weight": ("no-deal value of foreign aid", "utility per unit of aid"),
    "actors.*.guarantee_offset": ("neutrality cost offset by guarantees", "share"),
    "actors.*.bilateral_acceptance": ("chance of taking a bilateral offer", "probability"),
    "actors.united_states.deadline_days": ("deadline", "days"),
    "actors.united_states.extension_probability": ("chance of extending the deadline", "probability"),
    "actors.united_states.extension_days": ("deadline extension", "days"),
    "actors.united_states.review_days": ("time to the next review", "days"),
    "actors.united_states.required_progress": ("required progress", "share of the initial gap"),
    "actors.united_states.violation_weight": ("progress discount per accusation", "per accusation"),
    "actors.united_states.accusation_memory_days": ("accusation memory", "days"),
    "actors.united_states.pressure": ("pressure on the parties", "model units"),
    "actors.united_states.deadline_urgency": ("deadline urgency", "model units of pressure"),
    "actors.united_states.step_back_pressure": ("pressure kept after stepping back", "share"),
    "actors.united_states.return_per_day": ("return rate after stepping back", "per day"),
    "actors.united_states.aid": ("aid", "share of Ukraine's foreign aid"),
    "actors.united_states.aid_cut": ("aid held back after stepping back", "share"),
    "actors.united_states.monitoring": ("monitoring strength", "0-1 scale"),
    "actors.europe.aid": ("aid", "share of Ukraine's foreign aid"),
    "actors.europe.backfill": ("backfill of a U.S. aid cut", "share"),
    "actors.europe.guarantee_capacity": ("guarantee capacity", "0-1 scale"),
    "actors.europe.sequencing_push": ("push for ceasefire first", "0-1 scale"),
    "actors.europe.monitoring": ("monitoring strength", "0-1 scale"),
    "actors.europe.reassurance": ("reassurance", "share of the distrust premium"),
    "actors.europe.deterrence": ("deterrence", "counted violations per unit of guarantee"),
}


def name_and_unit(path: str) -> tuple[str, str] | None:
    """(name with its owner, unit) of a key path, or None for a path :data:`LABELS` does not name."""
    parts = path.split(".")
    owner = ACTOR_NAMES.get(parts[1], "") if parts[0] == "actors" and len(parts) > 2 else ""
    issue = parts[-1] if parts[-1] in ISSUES else ""
    keys = [path]
    if owner:
        keys.append(".".join(["actors", "*", *parts[2:]]))
        if issue:
            keys.append(".".join(["actors", "*", *parts[2:-1], "*"]))
    entry = next((LABELS[k] for k in keys if k in LABELS), None)
    if entry is None:
        return None
    name = entry[0].format(issue=issue.replace("_", " "))
    return (f"{owner} {name}" if owner else name[:1].upper() + name[1:]), entry[1]


def label(path: str) -> str:
    """A key path as a person reads it on an axis or in a table: owner, name and unit.

    ``actors.united_states.deadline_days`` -> ``U.S. deadline (days)``. A path without a
    name here is returned as it is: a figure never invents a unit.
    """
    named = name_and_unit(path)
    return path if named is None else f"{named[0]} ({named[1]})"
