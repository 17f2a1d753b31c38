"""Pruning callbacks: the plain helper in any loop, and LightGBM / XGBoost / PyTorch Lightning callbacks
(each library's tests skip when it is not installed)."""
import subprocess
import sys

import numpy as np
import pytest

import hyperscout
from hyperscout.integration import PruningCallback, report_and_prune
from hyperscout.pruners import NopPruner, ThresholdPruner
from hyperscout.trial import TrialState


def run_one(objective, *, pruner, direction="minimize"):
    """Runs one trial and returns it."""
    study = hyperscout.create_study(sampler=hyperscout.samplers.RandomSampler(seed=0), pruner=pruner,
                                    direction=direction)
    study.optimize(objective, n_trials=1)
    return study.trials[0]


def classification_data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return x[: n // 2], y[: n // 2], x[n // 2:], y[n // 2:]


# ---- the plain helper ----

def test_report_and_prune_in_a_loop():
    def objective(trial):
        for step in range(10):
            report_and_prune(trial, float(step), step)  # pruned once the value passes the threshold
        return 9.0

    trial = run_one(objective, pruner=ThresholdPruner(upper=3.5))
    assert trial.state == TrialState.PRUNED
    assert trial.intermediate_values == {0: 0.0, 1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0}

    trial = run_one(objective, pruner=NopPruner())
    assert trial.state == TrialState.COMPLETE
    assert len(trial.intermediate_values) == 10


def test_pruning_callback_reports_every_nth_step():
    def objective(trial):
        callback = PruningCallback(trial, report_interval=3)
        for step in range(10):
            callback(1.0 / (step + 1), step)
        return 0.0

    trial = run_one(objective, pruner=NopPruner())
    assert sorted(trial.intermediate_values) == [0, 3, 6, 9]
    with pytest.raises(ValueError, match="report_interval"):
        PruningCallback(None, report_interval=0)


def test_importing_hyperscout_imports_no_ml_library():
    code = ("import sys, hyperscout, hyperscout.integration; hyperscout.integration.PruningCallback; "
            "print(sorted(m for m in ('lightgbm', 'xgboost', 'torch', 'lightning', 'pytorch_lightning', 'optuna') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name, blocked, pip_name", [
    ("LightGBMPruningCallback", ["lightgbm"], "lightgbm"),
    ("XGBoostPruningCallback", ["xgboost", "xgboost.callback"], "xgboost"),
    ("PyTorchLightningPruningCallback", ["lightning", "lightning.pytorch", "pytorch_lightning"], "lightning"),
])
def test_missing_library_is_a_clear_import_error(name, blocked, pip_name):
    # The library is hidden (sys.modules[name] = None makes `import name` fail) whether installed or not.
    code = (f"import sys\nfor m in {blocked!r}: sys.modules[m] = None\n"
            "import hyperscout, hyperscout.integration as hi\n"
            f"try:\n    getattr(hi, {name!r})(None, 'metric')\nexcept ImportError as e:\n    print('ImportError:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("ImportError:"), out
    assert f"pip install {pip_name}" in out


# ---- LightGBM ----

def lightgbm_objective(lgb, callback_args, records, *, cv=False, rounds=8):
    x_train, y_train, x_valid, y_valid = classification_data()
    params = {"objective": "binary", "metric": ["binary_logloss", "auc"], "verbose": -1, "seed": 1,
              "num_threads": 1}

    def objective(trial):
        from hyperscout.integration import LightGBMPruningCallback

        callback = LightGBMPruningCallback(trial, *callback_args)
        train = lgb.Dataset(x_train, y_train)
        if cv:
            result = lgb.cv(params, train, num_boost_round=rounds, nfold=3, stratified=False, seed=1,
                            callbacks=[callback])
            records.update(result)
        else:
            valid = lgb.Dataset(x_valid, y_valid, reference=train)
            lgb.train(params, train, num_boost_round=rounds, valid_sets=[valid], valid_names=["valid_0"],
                      callbacks=[callback, lgb.record_evaluation(records)])
        return 0.0

    return objective


def test_lightgbm_reports_each_round_and_prunes():
    lgb = pytest.importorskip("lightgbm")
    records = {}
    trial = run_one(lightgbm_objective(lgb, ["binary_logloss"], records), pruner=NopPruner())
    assert trial.state == TrialState.COMPLETE
    logloss = records["valid_0"]["binary_logloss"]
    assert trial.intermediate_values == {i: pytest.approx(v) for i, v in enumerate(logloss)}

    trial = run_one(lightgbm_objective(lgb, ["binary_logloss"], {}), pruner=ThresholdPruner(upper=0.0))
    assert trial.state == TrialState.PRUNED
    assert list(trial.intermediate_values) == [0]

    # auc is higher-is-better: fine in a maximized study, pruned by a lower threshold
    trial = run_one(lightgbm_objective(lgb, ["auc"], {}), pruner=ThresholdPruner(lower=1.1), direction="maximize")
    assert trial.state == TrialState.PRUNED


def test_lightgbm_cv_reports_the_fold_mean():
    lgb = pytest.importorskip("lightgbm")
    records = {}
    trial = run_one(lightgbm_objective(lgb, ["binary_logloss"], records, cv=True), pruner=NopPruner())
    mean_key = next(k for k in records if k.endswith("binary_logloss-mean"))
    assert trial.intermediate_values == {i: pytest.approx(v) for i, v in enumerate(records[mean_key])}


def test_lightgbm_wrong_metric_or_direction_fails_the_trial_clearly():
    lgb = pytest.importorskip("lightgbm")
    study = hyperscout.create_study()
    with pytest.raises(ValueError, match="no metric 'l1' for validation set 'valid_0'"):
        study.optimize(lightgbm_objective(lgb, ["l1"], {}), n_trials=1)
    study = hyperscout.create_study(direction="minimize")
    with pytest.raises(ValueError, match="direction='maximize'"):
        study.optimize(lightgbm_objective(lgb, ["auc"], {}), n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


# ---- XGBoost ----

def xgboost_objective(xgb, key, records, *, cv=False, rounds=8):
    x_train, y_train, x_valid, y_valid = classification_data()
    params = {"objective": "binary:logistic", "eval_metric": "logloss", "nthread": 1, "seed": 1}

    def objective(trial):
        from hyperscout.integration import XGBoostPruningCallback

        callback = XGBoostPruningCallback(trial, key)
        dtrain = xgb.DMatrix(x_train, label=y_train)
        if cv:
            records["cv"] = xgb.cv(params, dtrain, num_boost_round=rounds, nfold=3, seed=1, callbacks=[callback],
                                   as_pandas=False)
        else:
            dvalid = xgb.DMatrix(x_valid, label=y_valid)
            xgb.train(params, dtrain, num_boost_round=rounds, evals=[(dvalid, "validation")],
                      callbacks=[callback], evals_result=records, verbose_eval=False)
        return 0.0

    return objective


def test_xgboost_reports_each_round_and_prunes():
    xgb = pytest.importorskip("xgboost")
    records = {}
    trial = run_one(xgboost_objective(xgb, "validation-logloss", records), pruner=NopPruner())
    assert trial.state == TrialState.COMPLETE
    logloss = records["validation"]["logloss"]
    assert len(logloss) == 8
    assert trial.intermediate_values == {i: pytest.approx(v) for i, v in enumerate(logloss)}

    trial = run_one(xgboost_objective(xgb, "validation-logloss", {}), pruner=ThresholdPruner(upper=0.0))
    assert trial.state == TrialState.PRUNED
    assert list(trial.intermediate_values) == [0]


def test_xgboost_cv_reports_the_fold_mean():
    xgb = pytest.importorskip("xgboost")
    records = {}
    trial = run_one(xgboost_objective(xgb, "test-logloss", records, cv=True), pruner=NopPruner())
    means = records["cv"]["test-logloss-mean"]
    assert trial.intermediate_values == {i: pytest.approx(v) for i, v in enumerate(means)}


def test_xgboost_bad_observation_key_is_clear():
    xgb = pytest.importorskip("xgboost")
    with pytest.raises(ValueError, match="<evals name>-<metric>"):
        hyperscout.integration.XGBoostPruningCallback(None, "logloss")
    study = hyperscout.create_study()
    with pytest.raises(ValueError, match="reported no 'validation-auc'.*validation-logloss"):
        study.optimize(xgboost_objective(xgb, "validation-auc", {}), n_trials=1)


# ---- PyTorch Lightning ----

def test_pytorch_lightning_prunes_after_validation():
    torch = pytest.importorskip("torch")
    try:
        import lightning.pytorch as pl
    except ImportError:
        pl = pytest.importorskip("pytorch_lightning")
    from hyperscout.integration import PyTorchLightningPruningCallback

    class Model(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(4, 1)

        def training_step(self, batch, batch_idx):
            x, y = batch
            return torch.nn.functional.mse_loss(self.layer(x), y)

        def validation_step(self, batch, batch_idx):
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.05)

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=gen)
    y = x.sum(dim=1, keepdim=True)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)

    def objective(trial):
        trainer = pl.Trainer(max_epochs=4, callbacks=[PyTorchLightningPruningCallback(trial, monitor="val_loss")],
                             logger=False, enable_checkpointing=False, enable_progress_bar=False,
                             enable_model_summary=False, accelerator="cpu", num_sanity_val_steps=0)
        trainer.fit(Model(), loader, loader)
        return float(trainer.callback_metrics["val_loss"])

    trial = run_one(objective, pruner=NopPruner())
    assert trial.state == TrialState.COMPLETE
    assert sorted(trial.intermediate_values) == [0, 1, 2, 3]
    assert trial.value == pytest.approx(trial.intermediate_values[3])

    trial = run_one(objective, pruner=ThresholdPruner(upper=0.0))
    assert trial.state == TrialState.PRUNED
    assert list(trial.intermediate_values) == [0]
