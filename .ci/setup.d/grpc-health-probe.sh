#!/usr/bin/env bash
# Installs grpc-health-probe v0.4.x (what Kubernetes users run against a
# gRPC health server) into /usr/local/bin for the gRPC health end-to-end
# test (health/grpchealth/e2e_test.go), built with go install through the
# Go module proxy. Idempotent: does nothing when a v0.4.x probe is already
# installed there.
set -euo pipefail

bin=/usr/local/bin/grpc-health-probe
if [ -x "$bin" ] && "$bin" -version 2>&1 | grep -q '^v\?0\.4\.'; then
	echo "grpc-health-probe already installed: $("$bin" -version 2>&1 | head -1)"
	exit 0
fi
# "@v0.4" is a module query: the highest v0.4.x release.
GOBIN=/usr/local/bin go install github.com/grpc-ecosystem/grpc-health-probe@v0.4
"$bin" -version 2>&1 | head -1
