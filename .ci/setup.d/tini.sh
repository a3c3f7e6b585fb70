#!/usr/bin/env bash
# Installs Debian's tini for the crash monitor's container-like end-to-end
# test (reporting/crash/e2e_container_test.go), which runs
# `unshare --pid --fork --mount-proc tini -s -- <program>` so that tini is
# PID 1 of a new PID namespace, as with `docker run --init`. Idempotent:
# does nothing when tini is already installed.
set -euo pipefail

if command -v tini >/dev/null 2>&1; then
	echo "tini already installed: $(tini --version 2>/dev/null | head -1)"
	exit 0
fi

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tini >/dev/null
tini --version | head -1
