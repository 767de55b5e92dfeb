"""Priority matrix on hand-computed small matrices, plus properties (hypothesis)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csp_analysis.config import CRITERIA
from csp_analysis.matrix import (
    TIE_BREAK,
    change_score,
    movement,
    rank,
    sensitivity,
    threshold_score,
    weighted_scores,
)
from csp_analysis.stats import DECREASE, INCREASE, NO_CHANGE

W = {"volume": 0.5, "harm": 0.3, "change": 0.2}


def _scores(rows: dict[str, dict]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(CRITERIA)).astype(float)


def test_hand_computed_ranking_with_missing_evidence():
    s = _scores(
        {
            "A": {"volume": 5, "harm": 1, "change": 3},  # 2.5 + 0.3 + 0.6 = 3.4
            "B": {"volume": 2, "harm": 5, "change": 4},  # 1.0 + 1.5 + 0.8 = 3.3
            "C": {"volume": 3, "harm": 3},  # change missing: (1.5 + 0.9) / 0.8 = 3.0
        }
    )
    r = rank(s, W)
    assert list(r.index) == ["A", "B", "C"]
    assert r["score"].tolist() == [3.4, 3.3, 3.0]
    assert r["confidence"].tolist() == ["A", "A", "B"]  # only weighted criteria count as missing


def test_weights_need_not_sum_to_one():
    s = _scores({"A": {"volume": 5, "harm": 1, "change": 3}})
    assert weighted_scores(s, {k: v * 10 for k, v in W.items()})["A"] == pytest.approx(3.4)


def test_ties_broken_by_harm_then_volume():
    s = _scores(
        {
            "low_harm": {"volume": 4, "harm": 2, "change": 3},  # 2.0 + 0.6 + 0.6 = 3.2
            "high_harm": {"volume": 2, "harm": 4, "change": 5},  # 1.0 + 1.2 + 1.0 = 3.2
        }
    )
    assert list(rank(s, W).index) == ["high_harm", "low_harm"]


def test_threshold_scores_at_cut_points():
    cuts = [1.0, 2.5, 5.0, 10.0]
    assert [threshold_score(v, cuts) for v in (0.5, 1.0, 2.4, 2.5, 9.9, 10.0, 40)] == [1, 2, 2, 3, 4, 5, 5]
    assert math.isnan(threshold_score(float("nan"), cuts))


def test_significant_rise_scores_above_a_non_significant_one_of_the_same_size():
    assert change_score(INCREASE, 12.0) == 5
    assert change_score(INCREASE, 4.0) == 4
    assert change_score(NO_CHANGE, 12.0) == 3
    assert change_score(DECREASE, -4.0) == 2
    assert change_score(DECREASE, -12.0) == 1


def test_movement_labels():
    assert movement(5, 2) == "▲ 3" and movement(1, 3) == "▼ 2" and movement(4, 4) == "=" and movement(None, 1) == "new"


def test_sensitivity_is_reproducible_and_sees_a_dominant_priority():
    s = _scores(
        {
            "top": {c: 5 for c in CRITERIA},
            "mid1": {c: 3 for c in CRITERIA} | {"volume": 4},
            "mid2": {c: 3 for c in CRITERIA} | {"harm": 4},
            "low": {c: 1 for c in CRITERIA},
        }
    )
    w = {c: 1.0 for c in CRITERIA}
    a = sensitivity(s, w, draws=2000, seed=7)
    b = sensitivity(s, w, draws=2000, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert a.loc["top", "p_top3"] == 1.0 and (a.loc["top", "rank_p05"], a.loc["top", "rank_p95"]) == (1, 1)
    assert a.loc["low", "p_top3"] == 0.0 and a.loc["low", "loo_min"] == 4
    # mid1 and mid2 trade places depending on whether volume or harm weighs more
    assert a.loc["mid1", "rank_p05"] == 2 and a.loc["mid1", "rank_p95"] == 3


score = st.integers(1, 5).map(float)
matrices = st.lists(st.lists(score, min_size=len(CRITERIA), max_size=len(CRITERIA)), min_size=2, max_size=8)
weights = st.lists(st.floats(0.01, 1.0), min_size=len(CRITERIA), max_size=len(CRITERIA))


def _frame(rows):
    return pd.DataFrame(rows, columns=list(CRITERIA), index=[f"p{i}" for i in range(len(rows))])


@settings(max_examples=60, deadline=None)
@given(matrices, weights, st.floats(0.1, 100))
def test_scaling_all_weights_leaves_the_ranking_unchanged(rows, ws, k):
    s = _frame(rows)
    w = dict(zip(CRITERIA, ws))
    assert list(rank(s, w).index) == list(rank(s, {c: v * k for c, v in w.items()}).index)


@settings(max_examples=60, deadline=None)
@given(matrices, weights)
def test_a_priority_that_dominates_on_every_criterion_ranks_first(rows, ws):
    s = _frame(rows)
    s.loc["dominant"] = s.max() + 1
    assert rank(s, dict(zip(CRITERIA, ws))).index[0] == "dominant"


@settings(max_examples=60, deadline=None)
@given(matrices, weights, st.sampled_from([c for c in CRITERIA if c not in TIE_BREAK]),
       st.lists(score, min_size=8, max_size=8))
def test_a_zero_weight_criterion_changes_nothing(rows, ws, crit, other):
    s = _frame(rows)
    w = dict(zip(CRITERIA, ws)) | {crit: 0.0}
    s2 = s.copy()
    s2[crit] = other[: len(s)]
    assert list(rank(s, w).index) == list(rank(s2, w).index)
    assert np.allclose(weighted_scores(s, w), weighted_scores(s2, w))


def test_morile_style_hand_computed():
    from csp_analysis.config import MorileGroups

    s = _scores(
        {
            # harm (5+3+4)/3 = 4; likelihood (2+4)/2 = 3; position (5+3)/2 = 4 → ×(1 + 0.2·1/2) = 1.1
            "A": {"harm": 5, "vulnerability": 3, "public_concern": 4, "volume": 2, "change": 4,
                  "influence": 5, "strategic_alignment": 3},
            # harm 2, likelihood 5, position 1 → 2 × 5 × 0.8 = 8
            "B": {"harm": 2, "vulnerability": 2, "public_concern": 2, "volume": 5, "change": 5,
                  "influence": 1, "strategic_alignment": 1},
            # no likelihood evidence: it takes the harm value, 3 × 3; no position: factor 1
            "C": {"harm": 3, "vulnerability": 3, "public_concern": 3},
        }
    )
    w = {c: 1.0 for c in CRITERIA}
    r = rank(s, w, method="morile", morile=MorileGroups())
    assert r["score"].to_dict() == {"A": 13.2, "C": 9.0, "B": 8.0}
    assert r["confidence"]["C"] == "C"


def test_morile_sensitivity_runs_with_the_same_machinery():
    from csp_analysis.config import MorileGroups

    s = _scores({"top": {c: 5 for c in CRITERIA}, "low": {c: 1 for c in CRITERIA}})
    out = sensitivity(s, {c: 1.0 for c in CRITERIA}, draws=500, seed=1, method="morile", morile=MorileGroups())
    assert out.loc["top", "rank_p95"] == 1 and out.loc["low", "rank_p05"] == 2


@settings(max_examples=80, deadline=None)
@given(matrices, weights, st.integers(0, 7), st.sampled_from(list(CRITERIA)))
def test_missing_evidence_never_raises_a_rank_by_itself(rows, ws, who, crit):
    """Missing evidence counts as the priority's own weighted average on its other
    criteria (its weight is re-shared), so the priority ranks no higher than it would
    with that average recorded; only the confidence grade changes."""
    s = _frame(rows)
    p = s.index[who % len(s)]
    w = dict(zip(CRITERIA, ws))
    missing = s.copy()
    missing.loc[p, crit] = np.nan
    others = [c for c in CRITERIA if c != crit]
    filled = s.copy()
    filled.loc[p, crit] = float(np.average(s.loc[p, others], weights=[w[c] for c in others]))
    r_missing, r_filled = rank(missing, w), rank(filled, w)
    assert r_missing.loc[p, "rank"] >= r_filled.loc[p, "rank"]
    assert r_missing.loc[p, "confidence"] == "B" and r_filled.loc[p, "confidence"] == "A"
