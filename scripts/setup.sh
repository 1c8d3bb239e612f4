#!/usr/bin/env bash
# Set up everything on a fresh Debian machine (as root, or with sudo): Graphviz's `dot`,
# a virtual environment in .venv, and the package with its test extras. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {  # Debian packages, as root or through sudo
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

if ! command -v dot >/dev/null 2>&1; then
    echo "setup: installing Graphviz (Debian package 'graphviz') for the 'dot' program" >&2
    apt_install graphviz
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
        # Debian's own python3 ships venv separately (package python3-venv)
        echo "setup: installing Debian's python3-venv" >&2
        rm -rf .venv
        apt_install python3-venv
        "$PYTHON" -m venv .venv
    fi
fi
# Reinstall only when the package's requirements changed.
stamp=".venv/.installed-$(cksum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ]; then
    echo "setup: installing tinygrad-rnn and its test tools into .venv (log: .venv/setup.log)" >&2
    if ! { .venv/bin/python -m pip install --upgrade pip &&
           .venv/bin/python -m pip install -e '.[test]'; } >.venv/setup.log 2>&1; then
        tail -n 30 .venv/setup.log >&2
        echo "setup: pip install failed; the whole log is in .venv/setup.log" >&2
        exit 1
    fi
    rm -f .venv/.installed-*
    touch "$stamp"
fi
