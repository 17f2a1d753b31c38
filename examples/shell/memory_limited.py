#!/usr/bin/env python3
"""A stand-in for a training program with a limit it can only check after the fact: a model's memory. It
prints its result as {"value": loss, "constraints": [memory - limit]}; `hyperscout optimize` stores the
constraint, the GP sampler steers towards configurations likely to fit, and `hyperscout best` shows the best
trial that did (feasible when every constraint value is <= 0)."""
import argparse
import json

parser = argparse.ArgumentParser()
parser.add_argument("--width", type=int, required=True)
parser.add_argument("--dropout", type=float, required=True)
parser.add_argument("--limit", type=float, default=600.0, help="memory limit in MiB")
args = parser.parse_args()

# Synthetic stand-ins: the loss keeps falling as the model widens past the limit (best near width 400).
loss = (args.width / 400.0 - 1.0) ** 2 + (args.dropout - 0.2) ** 2
memory = 2.0 * args.width
print(json.dumps({"value": loss, "constraints": [memory - args.limit]}))
