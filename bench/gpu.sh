#!/usr/bin/env bash
# The train bench on a hardware GPU through Dawn's Vulkan backend: our WebGPU step next to
# tfjs-webgpu's on the same device, batch 256, bank N = 60,000, in well under 5 minutes.
# Run from a checkout: `bash bench/gpu.sh`; results in bench/results/train.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
node scripts/build.mjs bench/main.ts
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || true
exec timeout 280 node dist/scripts/main.js train --backend webgpu --adapters hardware --peers webgpu --reps 5 "$@"
