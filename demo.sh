#!/usr/bin/env bash
# The main job: set up, then run the demo (see README.md).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
.venv/bin/tinygrad-rnn render -o john.svg "$@"
