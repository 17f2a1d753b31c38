"""Pruning for PyTorch Lightning: ``PyTorchLightningPruningCallback`` (Optuna's name and arguments)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from hyperscout.integration._pruning import import_or_explain, report_and_prune

if TYPE_CHECKING:
    from hyperscout.trial import Trial

__all__ = ["PyTorchLightningPruningCallback"]


def _callback_base() -> Any:
    # Lightning ships as `lightning` (lightning.pytorch) and as the older `pytorch_lightning`.
    for module in ("lightning.pytorch", "pytorch_lightning"):
        try:
            return __import__(module, fromlist=["Callback"]).Callback
        except ImportError:
            continue
    return object


_Base = _callback_base()


class PyTorchLightningPruningCallback(_Base):  # type: ignore[misc, valid-type]
    """Reports a logged validation metric after each validation epoch and prunes unpromising trials::

        callback = PyTorchLightningPruningCallback(trial, monitor="val_loss")
        trainer = lightning.pytorch.Trainer(max_epochs=20, callbacks=[callback])
        trainer.fit(model, datamodule)

    ``monitor`` is a key the LightningModule logs (``self.log("val_loss", loss)``); the epoch number is
    the step. When the trial should stop, the callback raises ``hyperscout.TrialPruned`` out of
    ``trainer.fit``, which ends the trial as PRUNED. Single-process training only (no DDP).
    """

    def __init__(self, trial: "Trial", monitor: str) -> None:
        if _Base is object:
            import_or_explain("lightning.pytorch", "lightning", "PyTorchLightningPruningCallback")
        super().__init__()
        self._trial = trial
        self.monitor = monitor

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        if getattr(trainer, "sanity_checking", False):
            return
        score = trainer.callback_metrics.get(self.monitor)
        if score is None:
            warnings.warn(
                f"PyTorchLightningPruningCallback: the metric {self.monitor!r} was not logged in this epoch, so "
                f"epoch {trainer.current_epoch} is not reported; log it with self.log({self.monitor!r}, value)"
            )
            return
        epoch = trainer.current_epoch
        report_and_prune(self._trial, float(score), epoch, message=f"Trial was pruned at epoch {epoch}.")
