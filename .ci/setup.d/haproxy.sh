#!/usr/bin/env bash
# Installs Debian's HAProxy for the health end-to-end test
# (health/e2e_test.go), which runs its own haproxy process on 127.0.0.1
# with its own configuration. The system service is neither started nor
# enabled. Idempotent: does nothing when haproxy is already installed.
set -euo pipefail

if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then
	echo "haproxy already installed: $(/usr/sbin/haproxy -v 2>/dev/null | head -1 || haproxy -v | head -1)"
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

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl disable --now haproxy >/dev/null 2>&1 || true
fi
# sed reads the whole output: head would close the pipe early and haproxy
# would die of SIGPIPE, which pipefail turns into a failed install.
/usr/sbin/haproxy -v | sed -n 1p
