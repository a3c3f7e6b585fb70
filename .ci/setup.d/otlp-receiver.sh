#!/usr/bin/env bash
# Builds the OTLP receiver the tracing end-to-end tests send spans to
# (.ci/otlp-receiver: the OpenTelemetry Collector's otlpreceiver writing
# OTLP JSON to a file) from the Go module proxy into
# /usr/local/bin/supportkit-otlp-receiver. Idempotent: it rebuilds only
# when the receiver's source changed (about a minute on 2 cores when cold).
set -euo pipefail
src="$(cd "$(dirname "$0")/../otlp-receiver" && pwd)"
bin=/usr/local/bin/supportkit-otlp-receiver
stamp="$bin.sha256"
sum=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -d' ' -f1)
if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
	echo "otlp-receiver: up to date ($bin)"
	exit 0
fi
start=$(date +%s)
(cd "$src" && go build -trimpath -o "$bin.tmp" .)
mv "$bin.tmp" "$bin"
echo "$sum" >"$stamp"
echo "otlp-receiver: built $bin in $(($(date +%s) - start))s"
