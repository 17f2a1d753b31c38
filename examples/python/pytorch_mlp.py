"""Tune a PyTorch MLP on scikit-learn's digits (bundled with scikit-learn, so nothing is downloaded),
pruning trials whose validation accuracy lags after an epoch.

Needs torch and scikit-learn (pip install torch scikit-learn). Run:
    python examples/python/pytorch_mlp.py --n-trials 30 --epochs 10
"""
import argparse

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import hyperscout


def load_data(seed):
    x, y = load_digits(return_X_y=True)
    x = x / 16.0  # pixel values are 0..16
    x_train, x_valid, y_train, y_valid = train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y)
    as_tensors = lambda a, b: (torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.long))  # noqa: E731
    return as_tensors(x_train, y_train), as_tensors(x_valid, y_valid)


def build_model(trial: hyperscout.Trial) -> torch.nn.Module:
    layers = []
    width_in = 64
    for i in range(trial.suggest_int("n_layers", 1, 3)):
        width = trial.suggest_int(f"units_{i}", 16, 256, log=True)
        layers += [torch.nn.Linear(width_in, width), torch.nn.ReLU(),
                   torch.nn.Dropout(trial.suggest_float(f"dropout_{i}", 0.0, 0.5))]
        width_in = width
    layers.append(torch.nn.Linear(width_in, 10))
    return torch.nn.Sequential(*layers)


def make_objective(train, valid, epochs, seed):
    (x_train, y_train), (x_valid, y_valid) = train, valid

    def objective(trial: hyperscout.Trial) -> float:
        torch.manual_seed(seed + trial.number)
        model = build_model(trial)
        optimizer_name = trial.suggest_categorical("optimizer", ["adam", "sgd"])
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        optimizer_class = torch.optim.Adam if optimizer_name == "adam" else torch.optim.SGD
        optimizer = optimizer_class(model.parameters(), lr=lr)
        batch_size = trial.suggest_categorical("batch_size", [32, 64, 128])
        accuracy = 0.0
        for epoch in range(epochs):
            model.train()
            order = torch.randperm(len(x_train))
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                optimizer.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(x_train[batch]), y_train[batch])
                loss.backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                accuracy = (model(x_valid).argmax(dim=1) == y_valid).float().mean().item()
            trial.report(accuracy, epoch)
            if trial.should_prune():
                raise hyperscout.TrialPruned()
        return accuracy

    return objective


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--storage", default=None, help="e.g. sqlite:///mlp.db (default: in memory)")
    args = parser.parse_args()

    torch.set_num_threads(1)  # small model: threads cost more than they give
    train, valid = load_data(args.seed)
    study = hyperscout.create_study(
        study_name="pytorch-mlp",
        storage=args.storage,
        load_if_exists=True,
        direction="maximize",
        sampler=hyperscout.samplers.TPESampler(seed=args.seed),
        pruner=hyperscout.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2),
    )
    study.optimize(make_objective(train, valid, args.epochs, args.seed), n_trials=args.n_trials)
    pruned = len(study.get_trials(states=[hyperscout.TrialState.PRUNED]))
    print(f"{len(study.trials)} trials ({pruned} pruned); best validation accuracy {study.best_value:.4f}")
    print(f"best parameters: {study.best_params}")


if __name__ == "__main__":
    main()
