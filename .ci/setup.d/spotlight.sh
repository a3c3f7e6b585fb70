#!/usr/bin/env bash
# Installs Sentry's Spotlight sidecar, the Sentry-side receiver of the
# reporting end-to-end test (reporting/e2e_spotlight_test.go), into
# /opt/supportkit-spotlight (SUPPORTKIT_SPOTLIGHT_DIR overrides it).
# Idempotent: it installs only when the wanted version is not there.
#
# Version 1.12.0, because it is the newest that takes sentry-go's
# envelopes: 2.x answers 500 to every event whose "exception" is a JSON
# array (sentry-go's form), 404 on the /api/<project>/envelope/ path with
# its trailing slash, and fails every request with the hono releases npm
# resolves today.
#
# The sidecar makes no outbound connection of its own: it imports
# @sentry/node for its own tracing but never initialises it, so nothing is
# sent to Sentry. It listens on every interface and has no option to bind
# one; the test starts it through a wrapper that binds 127.0.0.1.
set -euo pipefail
version=1.12.0
dir="${SUPPORTKIT_SPOTLIGHT_DIR:-/opt/supportkit-spotlight}"
pkg="$dir/node_modules/@spotlightjs/sidecar/package.json"
installed() { node -p "require('$pkg').version" 2>/dev/null || true; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
		apt-get install -y -qq nodejs npm >/dev/null
	else
		echo "spotlight: node and npm are needed" >&2
		exit 1
	fi
fi
if [ "$(installed)" = "$version" ]; then
	echo "spotlight: @spotlightjs/sidecar $version already in $dir (node $(node --version))"
	exit 0
fi
mkdir -p "$dir"
# Its fast-moving dependencies pinned to the releases it was tested with
# (it imports the MCP SDK at start-up), so that a new release of one of
# them does not break it as hono's releases broke 2.x.
cat >"$dir/package.json" <<JSON
{
  "private": true,
  "dependencies": { "@spotlightjs/sidecar": "$version" },
  "overrides": {
    "@modelcontextprotocol/sdk": "1.32.2",
    "@sentry/node": "8.55.2",
    "zod": "3.25.76"
  }
}
JSON
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
got=$(installed)
if [ "$got" != "$version" ]; then
	echo "spotlight: installed version is '$got', want $version" >&2
	exit 1
fi
echo "spotlight: installed @spotlightjs/sidecar $got in $dir (node $(node --version))"
