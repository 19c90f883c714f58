"""技能评定: the score and the recommendation as plain functions (specs/skill-assessment.md).

No database here: the job (assessment.py) loads the inputs and calls these.

Rounding: ``Decimal`` throughout; the spec rounds one figure, the score ("rounded to
0.01"), so the score is computed from the *exact* components and deductions and rounded
once, ROUND_HALF_UP (0.005 → 0.01).  The components are rounded to 0.01 only to be kept
and shown (:class:`Result`), so redoing the sum from the page's two-decimal figures can
differ from the score by a cent.

Rules chosen where the spec is silent:

* Levels are taken in their ``rank`` order (then id).  A level whose
  ``assessment_threshold`` is None is not reached by assessment: it is skipped as a
  target of a promotion or a demotion (the next or previous level *with* a threshold is
  the target), and a therapist on such a level is never demoted by threshold (there is
  none to fall below) but may be promoted to the next level with a threshold.
* A therapist with no level is read as being on the lowest level with a threshold:
  promotion is to the next level above it (one step), demotion is never recommended
  (there is nowhere lower).  The recommended level is then a real level.
* "Reaches" the next threshold is ``score >= threshold``; "falls below" is
  ``score < threshold - margin``.
* A weight of 0 counts as the component being left out (no division by a zero sum).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal("100")
ZERO = Decimal("0")
CENT = Decimal("0.01")

COMPLAINT_POINTS = Decimal("10")
COMPLAINT_CAP = Decimal("30")
RETURN_POINTS = Decimal("5")
RETURN_CAP = Decimal("20")

COMPONENTS = ("exam", "rating", "requested")


def round_cent(value: Decimal) -> Decimal:
    """To 0.01, half up (the one rounding rule of the assessment)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def exam_component(latest_scores: list[Decimal]) -> Decimal | None:
    """Mean of the latest valid exam score per qualified item; None when there is none."""
    if not latest_scores:
        return None
    return sum((Decimal(s) for s in latest_scores), ZERO) / len(latest_scores)


def rating_component(rating_sum: int | Decimal, rating_count: int) -> Decimal | None:
    """(mean rating − 1) / 4 × 100 over the ratings of the completed jobs; None: no rating."""
    if not rating_count:
        return None
    mean = Decimal(rating_sum) / Decimal(rating_count)
    return (mean - 1) / 4 * HUNDRED


def requested_component(requested_jobs: int, completed_jobs: int,
                        target_rate: Decimal) -> Decimal | None:
    """min(100, (requested / completed) / target × 100); None: no completed job."""
    if not completed_jobs:
        return None
    rate = Decimal(requested_jobs) / Decimal(completed_jobs)
    return min(HUNDRED, rate / Decimal(target_rate) * HUNDRED)


def deductions(substantiated_complaints: int, returns: int) -> dict[str, Decimal]:
    """10 per substantiated complaint (at most 30) + 5 per return (at most 20)."""
    complaints = min(COMPLAINT_CAP, COMPLAINT_POINTS * substantiated_complaints)
    returned = min(RETURN_CAP, RETURN_POINTS * returns)
    return {"complaints": round_cent(complaints), "returns": round_cent(returned),
            "total": round_cent(complaints + returned)}


def weighted_score(components: dict[str, Decimal | None], weights: dict[str, Decimal],
                   deducted: Decimal) -> Decimal | None:
    """Σ w·c / Σ w over the present components (weight > 0), minus the deductions,
    clamped to 0–100 and rounded; None when no component is present."""
    present = [(Decimal(weights[name]), value) for name, value in components.items()
               if value is not None and Decimal(weights.get(name, ZERO)) > 0]
    if not present:
        return None
    total_weight = sum((w for w, _ in present), ZERO)
    mean = sum((w * Decimal(c) for w, c in present), ZERO) / total_weight
    return round_cent(max(ZERO, min(HUNDRED, mean - Decimal(deducted))))


def effective_weights(components: dict[str, Decimal | None],
                      weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """The share of each present component in the score (renormalised; sums to 1)."""
    present = {name: Decimal(weights[name]) for name, value in components.items()
               if value is not None and Decimal(weights.get(name, ZERO)) > 0}
    total = sum(present.values(), ZERO)
    return {name: (w / total).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            for name, w in present.items()} if total else {}


@dataclass(frozen=True)
class LevelRef:
    """What the recommendation needs of a level."""

    id: int
    rank: int
    threshold: Decimal | None
    name: str = ""


@dataclass(frozen=True)
class Recommendation:
    # promote | keep | demote | insufficient
    kind: str
    level_id: int | None  # the recommended level (promote/demote), else None
    # Why, for the page: the threshold compared with and the rule that fired.
    compared_with: Decimal | None = None
    rule: str = ""


def ordered_levels(levels: list[LevelRef]) -> list[LevelRef]:
    return sorted(levels, key=lambda level: (level.rank, level.id))


def recommend(score: Decimal | None, completed_jobs: int, current_level_id: int | None,
              levels: list[LevelRef], min_jobs: int, margin: Decimal) -> Recommendation:
    """promote / keep / demote by one level, or insufficient (the module's rules)."""
    if completed_jobs < min_jobs or score is None:
        return Recommendation("insufficient", None, None, "min_jobs" if completed_jobs
                              < min_jobs else "no_component")
    ranked = [level for level in ordered_levels(levels) if level.threshold is not None]
    if not ranked:
        return Recommendation("keep", None, None, "no_thresholds")
    current = next((level for level in ordered_levels(levels)
                    if level.id == current_level_id), None)
    if current is None:  # no level (or one not known): read as the lowest level
        above = ranked[1:]
        current_key = (ranked[0].rank, ranked[0].id)
        current_threshold = None
    else:
        current_key = (current.rank, current.id)
        above = [level for level in ranked if (level.rank, level.id) > current_key]
        current_threshold = current.threshold
    if above and score >= above[0].threshold:
        return Recommendation("promote", above[0].id, above[0].threshold, "reaches_next")
    if current is not None and current_threshold is not None:
        floor = Decimal(current_threshold) - Decimal(margin)
        below = [level for level in ranked if (level.rank, level.id) < current_key]
        if score < floor and below:
            return Recommendation("demote", below[-1].id, floor, "below_current")
        return Recommendation("keep", None, above[0].threshold if above else floor,
                              "keep")
    return Recommendation("keep", None, above[0].threshold if above else None, "keep")


@dataclass(frozen=True)
class Inputs:
    """One therapist's inputs for a period, plain values."""

    latest_exam_scores: list[Decimal]
    rating_sum: int
    rating_count: int
    requested_jobs: int
    completed_jobs: int
    substantiated_complaints: int
    returns: int


@dataclass(frozen=True)
class Result:
    exam: Decimal | None
    rating: Decimal | None
    requested: Decimal | None
    deductions: dict[str, Decimal]
    score: Decimal | None
    shares: dict[str, Decimal]


def assess(inputs: Inputs, weights: dict[str, Decimal], target_rate: Decimal) -> Result:
    """Components (rounded to 0.01 to be kept and shown), deductions and score (from
    the exact components) of one therapist."""
    components = {
        "exam": exam_component(inputs.latest_exam_scores),
        "rating": rating_component(inputs.rating_sum, inputs.rating_count),
        "requested": requested_component(inputs.requested_jobs, inputs.completed_jobs,
                                         target_rate),
    }
    deducted = deductions(inputs.substantiated_complaints, inputs.returns)
    shown = {name: None if value is None else round_cent(value)
             for name, value in components.items()}
    return Result(exam=shown["exam"], rating=shown["rating"],
                  requested=shown["requested"], deductions=deducted,
                  score=weighted_score(components, weights, deducted["total"]),
                  shares=effective_weights(components, weights))
