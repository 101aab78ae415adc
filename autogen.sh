#!/bin/sh
# Regenerates the build system: run once after a fresh checkout.
set -e
cd "$(dirname "$0")"
autoreconf -fi
