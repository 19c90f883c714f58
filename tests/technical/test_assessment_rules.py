"""技能评定 rules as plain functions (specs/skill-assessment.md)."""

from decimal import Decimal

from app.blueprints.technical import assessment_rules as rules
from app.blueprints.technical.assessment import default_effective_on, month_period

D = Decimal
WEIGHTS = {"exam": D("0.5"), "rating": D("0.3"), "requested": D("0.2")}
LEVELS = [rules.LevelRef(1, 1, D("0"), "初级"), rules.LevelRef(2, 2, D("70"), "中级"),
          rules.LevelRef(3, 3, D("80"), "高级"), rules.LevelRef(4, 4, D("90"), "金牌")]


def test_components():
    assert rules.exam_component([D("90"), D("85")]) == D("87.50")
    assert rules.exam_component([]) is None
    assert rules.rating_component(9, 2) == D("87.50")  # mean 4.5 -> 3.5/4*100
    assert rules.rating_component(0, 0) is None
    assert rules.requested_component(3, 10, D("0.5")) == D("60.00")
    assert rules.requested_component(8, 10, D("0.5")) == D("100.00")  # capped
    assert rules.requested_component(0, 0, D("0.5")) is None


def test_all_components_weighted():
    assert rules.weighted_score({"exam": D("90"), "rating": D("100"), "requested": D("100")},
                                WEIGHTS, D("0")) == D("95.00")


def test_missing_components_renormalise_the_weights():
    # Exam missing: (0.3*50 + 0.2*20) / 0.5 = 38
    components = {"exam": None, "rating": D("50"), "requested": D("20")}
    assert rules.weighted_score(components, WEIGHTS, D("0")) == D("38.00")
    assert rules.effective_weights(components, WEIGHTS) == {"rating": D("0.6000"),
                                                            "requested": D("0.4000")}


def test_no_component_no_score():
    assert rules.weighted_score({"exam": None, "rating": None, "requested": None}, WEIGHTS,
                                D("0")) is None


def test_deductions_are_capped():
    assert rules.deductions(2, 1)["total"] == D("25.00")
    assert rules.deductions(5, 0)["complaints"] == D("30.00")
    assert rules.deductions(0, 9)["returns"] == D("20.00")
    assert rules.deductions(9, 9)["total"] == D("50.00")


def test_score_is_clamped_and_rounded_half_up():
    assert rules.weighted_score({"exam": D("10"), "rating": None, "requested": None}, WEIGHTS,
                                D("50")) == D("0.00")
    # 0.5*80.01 + 0.3*70 + 0.2*60.00 = 73.005 -> 73.01 (half up, not to even)
    assert rules.weighted_score({"exam": D("80.01"), "rating": D("70"), "requested": D("60")},
                                WEIGHTS, D("0")) == D("73.01")
    assert rules.round_cent(D("0.125")) == D("0.13")


def test_promotion_by_one_level_at_the_next_threshold():
    advice = rules.recommend(D("80.00"), 25, 2, LEVELS, 20, D("5"))
    assert (advice.kind, advice.level_id) == ("promote", 3)
    # Even far above: one level only.
    assert rules.recommend(D("99"), 25, 2, LEVELS, 20, D("5")).level_id == 3
    assert rules.recommend(D("79.99"), 25, 2, LEVELS, 20, D("5")).kind == "keep"


def test_demotion_only_below_the_threshold_minus_the_margin():
    assert rules.recommend(D("75.00"), 25, 3, LEVELS, 20, D("5")).kind == "keep"
    advice = rules.recommend(D("74.99"), 25, 3, LEVELS, 20, D("5"))
    assert (advice.kind, advice.level_id) == ("demote", 2)
    # The lowest level is never demoted.
    assert rules.recommend(D("0"), 25, 1, LEVELS, 20, D("5")).kind == "keep"


def test_fewer_than_min_jobs_is_insufficient_data():
    advice = rules.recommend(D("99"), 19, 2, LEVELS, 20, D("5"))
    assert (advice.kind, advice.level_id) == ("insufficient", None)
    assert rules.recommend(D("99"), 20, 2, LEVELS, 20, D("5")).kind == "promote"
    assert rules.recommend(None, 30, 2, LEVELS, 20, D("5")).kind == "insufficient"


def test_a_level_without_threshold_is_skipped_and_no_level_reads_as_the_lowest():
    levels = [*LEVELS[:2], rules.LevelRef(3, 3, None, "高级"), LEVELS[3]]
    assert rules.recommend(D("95"), 25, 2, levels, 20, D("5")).level_id == 4
    assert rules.recommend(D("71"), 25, None, LEVELS, 20, D("5")).level_id == 2
    assert rules.recommend(D("0"), 25, None, LEVELS, 20, D("5")).kind == "keep"


def test_periods():
    from datetime import date

    assert month_period(date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert default_effective_on(date(2026, 11, 30)) == date(2026, 12, 1)
    assert default_effective_on(date(2026, 12, 31)) == date(2027, 1, 1)


def test_the_score_is_rounded_once_from_the_exact_components():
    # Exam (80+80+90)/3 = 83.333…, rating (13/3 − 1)/4×100 = 83.333…, 点钟 2/7 of a 0.5
    # target = 57.142…: exactly 78.095… → 78.10.  Summing the shown 83.33/83.33/57.14
    # would give 78.09: the spec rounds the score, not its parts.
    result = rules.assess(rules.Inputs(
        latest_exam_scores=[D("80"), D("80"), D("90")], rating_sum=13, rating_count=3,
        requested_jobs=2, completed_jobs=7, substantiated_complaints=0, returns=0),
        {"exam": D("0.5"), "rating": D("0.3"), "requested": D("0.2")}, D("0.5"))
    assert (result.exam, result.rating, result.requested) == (
        D("83.33"), D("83.33"), D("57.14"))
    assert result.score == D("78.10")
