"""The mixed models of change over time and Cronbach's α, against independent references: R's
lme4 (its output held here, and run live where R is installed) and α written out by hand."""

import os
import shutil
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from peerimpact.analysis.models import MODEL_COLUMNS, mixed_models
from peerimpact.analysis.reliability import RELIABILITY_COLUMNS, cronbach, feldt_interval, reliability
from peerimpact.analysis.reml import fit_random_intercept


def unbalanced() -> pd.DataFrame:
    """12 people at three sites, 28 scores of 36: some people miss T2 or T3, every fourth misses T3."""
    rows = []
    for i in range(12):
        for t, tp in enumerate(("T1", "T2", "T3")):
            if (i * 5 + t) % 7 == 3 or (t == 2 and i % 4 == 0):
                continue
            score = 40 + (i * 7 % 11) + 2 * t + ((i * 3 + t * 5) % 7)
            rows.append({"participant_id": f"p{i:02d}", "site": "ABC"[i % 3], "timepoint": tp, "score": float(score)})
    frame = pd.DataFrame(rows).assign(instrument="x", subscale="y")
    frame["timepoint"] = pd.Categorical(frame["timepoint"], categories=["T1", "T2", "T3"])
    return frame


# R 4 with lme4 and lmerTest, on unbalanced() written to CSV:
#   lmer(score ~ timepoint + (1 | participant_id), REML = TRUE), print(summary(m)$coefficients, digits = 12)
R_TIMEPOINT = {"T2": (2.26091174474, 1.05311164078), "T3": (3.80190551009, 1.25691709261)}
#   lmer(score ~ timepoint + site + (1 | participant_id))
R_WITH_SITE = {"T2": (2.345933942125, 1.06038924535), "T3": (4.065208255009, 1.25978392252)}
#   contest(m, c(0, -1, 1), joint = FALSE): T3 − T2
R_T2_T3 = (1.54099376535, 1.21209110754)
#   as.data.frame(VarCorr(m))$vcov: between participants, residual
R_VARIANCES = (9.20827118235, 5.48730547399)
# lme4's optimiser stops within about 1e-8 of the criterion's minimum, in the estimates' scale
TOLERANCE = 1e-6


def test_estimates_and_standard_errors_equal_lme4():
    out = mixed_models(unbalanced())
    assert list(out.columns) == MODEL_COLUMNS
    assert list(out["timepoint"]) == ["T2", "T3"] and set(out["reference"]) == {"T1"}
    for _, row in out.iterrows():
        estimate, se = R_TIMEPOINT[row["timepoint"]]
        assert row["estimate"] == pytest.approx(estimate, abs=TOLERANCE)
        assert row["se"] == pytest.approx(se, abs=TOLERANCE)
        z = scipy_stats.norm.ppf(0.975)
        assert row["ci_low"] == pytest.approx(row["estimate"] - z * row["se"])
        assert row["p"] == pytest.approx(2 * scipy_stats.norm.sf(abs(row["estimate"] / row["se"])))
    assert list(out["n_people"]) == [12, 12] and list(out["n_obs"]) == [28, 28]
    assert out["converged"].all() and (out["warning"] == "").all()


def test_a_covariate_is_a_fixed_effect_as_in_lme4():
    out = mixed_models(unbalanced(), covariates=["site"]).set_index("timepoint")
    for tp, (estimate, se) in R_WITH_SITE.items():
        assert out.loc[tp, "estimate"] == pytest.approx(estimate, abs=TOLERANCE)
        assert out.loc[tp, "se"] == pytest.approx(se, abs=TOLERANCE)


def test_a_comparison_between_later_timepoints_is_a_contrast():
    [row] = mixed_models(unbalanced(), [("T2", "T3")]).to_dict("records")
    assert (row["reference"], row["timepoint"]) == ("T2", "T3")
    assert row["estimate"] == pytest.approx(R_T2_T3[0], abs=TOLERANCE)
    assert row["se"] == pytest.approx(R_T2_T3[1], abs=TOLERANCE)


def test_variances_equal_lme4():
    data = unbalanced()
    x = np.column_stack([np.ones(len(data)), data["timepoint"] == "T2", data["timepoint"] == "T3"])
    fit = fit_random_intercept(data["score"].to_numpy(), x, data["participant_id"].to_numpy())
    assert (fit.tau2, fit.sigma2) == pytest.approx(R_VARIANCES, rel=1e-6)
    assert fit.converged and fit.messages == ()


def test_statsmodels_finds_no_higher_reml_likelihood():
    # statsmodels' MixedLM maximises the same criterion by a general optimiser: its own
    # likelihood at our estimates is at least its optimum's, and the estimates agree
    import statsmodels.formula.api as smf
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    data = unbalanced().astype({"timepoint": str})
    model = smf.mixedlm("score ~ C(timepoint)", data, groups=data["participant_id"])
    theirs = model.fit(reml=True)
    ours = fit_random_intercept(model.endog, model.exog, data["participant_id"].to_numpy())
    at_ours = MixedLMParams.from_components(ours.params, cov_re=np.array([[ours.tau2 / ours.sigma2]]))
    assert model.loglike(at_ours, profile_fe=False) >= theirs.llf - 1e-9
    assert ours.params == pytest.approx(np.asarray(theirs.fe_params), abs=1e-4)
    out = mixed_models(unbalanced()).set_index("timepoint")
    for tp in ("T2", "T3"):
        assert out.loc[tp, "estimate"] == pytest.approx(theirs.fe_params[f"C(timepoint)[T.{tp}]"], abs=1e-4)


def test_balanced_complete_data_give_differences_of_means():
    frame = unbalanced()
    people = frame["participant_id"].unique()
    full = pd.DataFrame(
        [
            {"participant_id": p, "timepoint": tp, "score": float((i * 7) % 9 + 3 * t + (i * t) % 4)}
            for i, p in enumerate(people)
            for t, tp in enumerate(("T1", "T2", "T3"))
        ]
    ).assign(instrument="x", subscale="y")
    means = full.groupby("timepoint")["score"].mean()
    out = mixed_models(full).set_index("timepoint")
    for tp in ("T2", "T3"):
        assert out.loc[tp, "estimate"] == pytest.approx(means[tp] - means["T1"], abs=1e-8)


@pytest.mark.integration
@pytest.mark.skipif(
    shutil.which("Rscript") is None and os.environ.get("PEERIMPACT_R_CHECK") != "required",
    reason="R is not installed (bash tasks.sh test installs it, and there it is required)",
)
def test_example_study_equals_lme4_live(tmp_path):
    import peerimpact

    assert shutil.which("Rscript"), "R is required here (PEERIMPACT_R_CHECK=required) but not installed"

    tidy = peerimpact.load_study().tidy()
    tidy = tidy[tidy["instrument"].isin(["wemwbs", "mbi"])].dropna(subset=["score"])
    path = tmp_path / "tidy.csv"
    tidy[["participant_id", "site", "timepoint", "instrument", "subscale", "score"]].to_csv(path, index=False)
    script = f"""
    suppressMessages(library(lme4))
    d <- read.csv("{path}")
    for (s in unique(d$subscale)) {{
      m <- lmer(score ~ factor(timepoint) + site + (1 | participant_id), data = d[d$subscale == s, ], REML = TRUE)
      co <- summary(m)$coefficients
      for (tp in c("T2", "T3")) {{
        r <- paste0("factor(timepoint)", tp)
        cat(s, tp, sprintf("%.12g", co[r, 1]), sprintf("%.12g", co[r, 2]), "\\n")
      }}
    }}
    """
    lines = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True).stdout.split("\n")
    reference = {(s, tp): (float(e), float(se)) for s, tp, e, se in (line.split() for line in lines if line.strip())}
    ours = mixed_models(tidy, covariates=["site"]).set_index(["subscale", "timepoint"])
    assert len(reference) == 8
    for key, (estimate, se) in reference.items():
        assert ours.loc[key, "estimate"] == pytest.approx(estimate, abs=TOLERANCE)
        assert ours.loc[key, "se"] == pytest.approx(se, abs=TOLERANCE)


def test_p_adjusted_follows_the_setting():
    frame = pd.concat(
        [unbalanced().assign(subscale=s, score=unbalanced()["score"] * k) for s, k in (("a", 1), ("b", 3))]
    )
    none = mixed_models(frame)
    assert none["p_adjusted"].equals(none["p"])
    holm = mixed_models(frame, adjust="holm")
    assert (holm["p_adjusted"] >= holm["p"]).all() and holm.attrs["tests"] == 4
    with pytest.raises(ValueError, match="adjustments are none, holm, fdr_bh"):
        mixed_models(frame, adjust="bonferroni")


def test_unknown_timepoint_or_malformed_comparison_is_refused():
    with pytest.raises(ValueError, match="timepoints are T1, T2, T3"):
        mixed_models(unbalanced(), [("T1", "T4")])
    with pytest.raises(ValueError, match="a pair of timepoints"):
        mixed_models(unbalanced(), ["T1-T3"])  # type: ignore[list-item]


# lmer(score ~ timepoint + (1 | participant_id)) on alternating(): "boundary (singular) fit",
# a between-participant variance of 0 and so the ordinary least squares estimates
R_SINGULAR = {"T2": (1.85454545455, 0.228570838252), "T3": (3.82857142857, 0.257800026052)}


def alternating() -> pd.DataFrame:
    """Scores that alternate row by row, not person by person: nothing varies between people."""
    return unbalanced().assign(score=lambda f: f["timepoint"].cat.codes * 2.0 + (f.index % 2))


def test_a_singular_fit_is_said_in_the_table_as_lme4_says_it():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing escapes the function
        out = mixed_models(alternating()).set_index("timepoint")
    for tp, (estimate, se) in R_SINGULAR.items():
        assert out.loc[tp, "estimate"] == pytest.approx(estimate, abs=TOLERANCE)
        assert out.loc[tp, "se"] == pytest.approx(se, abs=TOLERANCE)
    assert out["converged"].all()
    assert (out["warning"] == "boundary (singular) fit: the variance between participants is estimated as 0").all()


def test_no_variance_within_participants_is_a_fit_that_did_not_converge():
    # every score is its person's level plus the timepoint's: the residual variance has no minimum
    frame = unbalanced()
    person = frame["participant_id"].str[1:].astype(int)
    frame["score"] = person * 3.0 + frame["timepoint"].cat.codes * 2.0
    out = mixed_models(frame)
    assert not out["converged"].any()
    assert out["warning"].str.startswith("the fit did not converge").all()
    assert out["estimate"].to_numpy() == pytest.approx([2.0, 4.0], abs=1e-6)


def test_scores_the_timepoints_fit_exactly_are_a_row_with_a_note():
    # everyone scores their timepoint's value: no variance is left, and rounding is not taken for one
    frame = unbalanced().assign(score=lambda f: f["timepoint"].cat.codes / 7 + 4.0)
    out = mixed_models(frame)
    assert out["estimate"].isna().all() and not out["converged"].any()
    assert out["note"].str.contains("fit every score exactly").all()


def test_too_little_data_is_a_row_with_a_note():
    frame = unbalanced()
    only_t1 = mixed_models(frame[frame["timepoint"] == "T1"])
    assert only_t1["estimate"].isna().all() and (only_t1["note"] == "scores at fewer than two timepoints").all()
    one = mixed_models(frame[frame["participant_id"] == "p01"])
    assert one["note"].eq("fewer than 2 participants").all() and not one["converged"].any()


# --- Cronbach's α --------------------------------------------------------------------------------


def alpha_by_hand(answers: np.ndarray) -> float:
    k = answers.shape[1]
    return k / (k - 1) * (1 - answers.var(axis=0, ddof=1).sum() / answers.sum(axis=1).var(ddof=1))


def feldt_by_hand(alpha: float, n: int, k: int) -> tuple[float, float]:
    f_upper = scipy_stats.f.ppf(0.975, n - 1, (n - 1) * (k - 1))
    f_lower = scipy_stats.f.ppf(0.025, n - 1, (n - 1) * (k - 1))
    return 1 - (1 - alpha) * f_upper, 1 - (1 - alpha) * f_lower


class Layout:
    """An instrument as the protocol reads it."""

    def __init__(self, subscales, low=1, high=5):
        self.min, self.max, self.subscales = low, high, subscales

    def column(self, item: str) -> str:
        return f"q_{item}"


class Sub:
    def __init__(self, items, reverse=()):
        self.items, self.reverse = list(items), list(reverse)


def answers_frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    trait = rng.normal(size=40)
    items = {f"q_{i}": np.clip(np.round(3 + trait + rng.normal(scale=0.8, size=40)), 1, 5) for i in range(1, 6)}
    frame = pd.DataFrame({"participant_id": [f"p{i}" for i in range(20)] * 2, "timepoint": ["T1"] * 20 + ["T2"] * 20})
    frame = frame.assign(**items)
    frame["q_5"] = 6 - frame["q_5"]  # reverse-keyed on the page
    frame.loc[3, "q_2"] = np.nan  # an incomplete response: left out
    return frame


def test_alpha_equals_the_formula_and_feldt_interval():
    frame = answers_frame()
    out = reliability(frame, {"q": Layout({"all": Sub(range(1, 6), reverse=["5"])})})
    assert list(out.columns) == RELIABILITY_COLUMNS and list(out["timepoint"]) == ["T1", "T2"]
    for _, row in out.iterrows():
        part = frame[frame["timepoint"] == row["timepoint"]].dropna()
        answers = part[[f"q_{i}" for i in range(1, 6)]].to_numpy(float)
        answers[:, 4] = 6 - answers[:, 4]
        alpha = alpha_by_hand(answers)
        assert row["n"] == len(part) and row["items"] == 5
        assert row["alpha"] == pytest.approx(alpha, abs=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(feldt_by_hand(alpha, len(part), 5), abs=1e-12)
    assert out.loc[0, "n"] == 19


def test_interval_rounds_to_pingouins():
    import pingouin

    frame = answers_frame()
    data = frame.loc[frame["timepoint"] == "T2", [f"q_{i}" for i in range(1, 5)]]
    alpha, ci = pingouin.cronbach_alpha(data=data)
    assert np.round(feldt_interval(alpha, len(data), 4), 3).tolist() == ci.tolist()


def test_reverse_keyed_items_are_turned_before_alpha():
    frame = answers_frame()
    keyed = reliability(frame, {"q": Layout({"all": Sub(range(1, 6), reverse=["5"])})})
    unkeyed = reliability(frame, {"q": Layout({"all": Sub(range(1, 6))})})
    assert (keyed["alpha"] > unkeyed["alpha"] + 0.1).all()


def test_degenerate_subscales_are_nan_with_a_note():
    frame = answers_frame()
    one_item = cronbach(frame[["q_1"]])
    assert np.isnan(one_item["alpha"]) and one_item["note"] == "one item: α needs at least two"
    two_people = cronbach(frame[["q_1", "q_2"]].head(2))
    assert np.isnan(two_people["alpha"]) and two_people["note"] == "fewer than 3 complete responses"
    flat = cronbach(pd.DataFrame({"a": [2.0, 2, 2, 2], "b": [3.0, 3, 3, 3]}))
    assert np.isnan(flat["alpha"]) and "does not vary" in flat["note"]
    constant = cronbach(frame[["q_1", "q_2"]].assign(q_3=3.0).dropna())
    assert constant["note"] == "items that do not vary: q_3"
    assert constant["alpha"] == pytest.approx(
        alpha_by_hand(constant_answers := frame[["q_1", "q_2"]].dropna().assign(q_3=3.0).to_numpy())
    )
    assert constant_answers.shape[1] == 3


def test_example_study_alpha_per_subscale():
    import peerimpact

    study = peerimpact.load_study()
    out = reliability(study.questionnaires, study.instruments)
    subscales = sum(len(i.subscales) for i in study.instruments.values())
    assert len(out) == subscales * len(study.timepoints)
    row = out.set_index(["instrument", "subscale", "timepoint"]).loc[("itp", "conflict_management", "T1")]
    inst = study.instruments["itp"]
    sub = inst.subscales["conflict_management"]
    part = study.questionnaires.loc[study.questionnaires["timepoint"] == "T1", [inst.column(i) for i in sub.items]]
    part = part.dropna().astype(float)
    for item in sub.reverse:
        part[inst.column(item)] = inst.min + inst.max - part[inst.column(item)]
    assert row["n"] == len(part) and row["alpha"] == pytest.approx(alpha_by_hand(part.to_numpy()), abs=1e-12)


# --- in the reports --------------------------------------------------------------------------------


@pytest.mark.kernel
def test_study_report_tables_equal_the_functions_on_the_study(tmp_path):
    import peerimpact
    from peerimpact.builder.pipeline import build

    out = tmp_path / "reports"
    result = build(out=out, only=["study"], jobs=1, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
    tables = out / "study" / "tables"
    study = peerimpact.load_study()
    models = pd.read_csv(tables / "mixed_models.csv")
    expected = mixed_models(study.tidy(), study.config.comparisons or None, adjust=study.config.multiplicity)
    assert list(models.columns) == MODEL_COLUMNS and len(models) == len(expected) == 40
    for column in ("estimate", "se", "ci_low", "ci_high", "p", "p_adjusted", "n_people", "n_obs"):
        assert models[column].to_numpy(float) == pytest.approx(expected[column].to_numpy(float), rel=1e-9)
    assert models["warning"].fillna("").tolist() == expected["warning"].tolist()
    alpha = pd.read_csv(tables / "reliability.csv")
    expected = reliability(study.questionnaires, study.instruments)
    assert list(alpha.columns) == RELIABILITY_COLUMNS and len(alpha) == len(expected) == 60
    for column in ("items", "n", "alpha", "ci_low", "ci_high"):
        assert alpha[column].to_numpy(float) == pytest.approx(expected[column].to_numpy(float), rel=1e-12)
    html = (out / "study" / "report.html").read_text(encoding="utf-8")
    assert "Table 4b. Change in outcomes over time from all available data" in html
    assert "Internal consistency of each scale" in html


@pytest.mark.integration
def test_study_yml_covariates_reach_the_extracts_models(example_copy):
    import peerimpact
    from peerimpact.notebook import study_extract

    yml = example_copy / "study.yml"
    yml.write_text(yml.read_text(encoding="utf-8") + "covariates: [site, contract_type]\n", encoding="utf-8")
    extract = study_extract(example_copy)
    assert extract.meta.covariates == ("site", "contract_type")
    study = peerimpact.load_study(example_copy)
    expected = mixed_models(study.tidy(), covariates=["site", "contract_type"])
    assert extract.models["estimate"].to_numpy() == pytest.approx(expected["estimate"].to_numpy(), rel=1e-9)
    unadjusted = mixed_models(study.tidy())
    assert not np.allclose(extract.models["estimate"], unadjusted["estimate"])


def test_a_covariate_that_is_no_participants_column_is_a_located_problem(example_copy):
    import peerimpact

    yml = example_copy / "study.yml"
    yml.write_text(yml.read_text(encoding="utf-8") + "covariates: [site, shoe_size]\n", encoding="utf-8")
    problems = [p for p in peerimpact.load_study(example_copy).problems if p.column == "covariates.1"]
    assert len(problems) == 1 and problems[0].value == "shoe_size" and problems[0].line is not None
