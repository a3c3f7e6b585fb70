#!/usr/bin/env bash
# Installs Debian's Prometheus (2.42) for the metrics end-to-end test
# (metrics/e2e_test.go), which runs its own prometheus process on 127.0.0.1
# with a temporary configuration and data directory. The system service
# (which would listen on every interface) is neither started nor enabled,
# and no exporters are pulled in as recommendations. Idempotent: does
# nothing when prometheus is already installed.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1; then
	echo "prometheus already installed: $(prometheus --version 2>&1 | sed -n 1p)"
	exit 0
fi

# Keep the package's maintainer scripts from starting the service.
policy=/usr/sbin/policy-rc.d
created=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	created=1
fi
cleanup() { if [ "$created" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
# sed reads the whole output: head would close the pipe early.
prometheus --version 2>&1 | sed -n 1p
