#!/usr/bin/env bash
# Installs what Debian must provide (software WebGPU adapters, headless Chromium, the
# Fashion-MNIST files, the photographs of mate-backgrounds that the tests of --images use), then
# the npm packages. Run as root, or with sudo available.
set -euo pipefail
packages=(chromium libvulkan1 libegl1 libgles2 libgl1-mesa-dri dataset-fashion-mnist mate-backgrounds)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
npm ci --no-audit --no-fund
npm run build
