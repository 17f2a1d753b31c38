#!/usr/bin/env python3
"""A stand-in for a training program: takes hyperparameters as flags, prints one JSON line per
epoch ({"step": n, "value": loss}) so a pruner can stop it early, and prints the final validation
loss as its last line. Any program that follows this protocol can be tuned by `hyperscout optimize`."""
import argparse
import json
import math

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--layers", type=int, required=True)
parser.add_argument("--optimizer", choices=["adam", "sgd"], required=True)
parser.add_argument("--momentum", type=str, default="")  # empty when inactive (optimizer != sgd)
parser.add_argument("--epochs", type=int, default=10)
args = parser.parse_args()

momentum = float(args.momentum) if args.momentum else 0.0
# A smooth synthetic loss surface: best near lr=3e-3, 3 layers, sgd with momentum 0.9.
best_lr = 3e-3 if args.optimizer == "adam" else 1e-2
floor = 0.05 * (args.layers - 3) ** 2 + (math.log10(args.lr) - math.log10(best_lr)) ** 2
if args.optimizer == "sgd":
    floor += 2.0 * (momentum - 0.9) ** 2 - 0.02
loss = 0.0
for epoch in range(args.epochs):
    loss = floor + 2.0 * math.exp(-0.5 * (epoch + 1))
    print(json.dumps({"step": epoch, "value": loss}), flush=True)
print(loss)
