#!/usr/bin/env bash
# Installs the Debian packages xep65's demo, tests and benchmarks use, when they are missing:
# prosody (private test server with mod_proxy65), socat (benchmark baseline), openssl (test CA),
# python3-slixmpp (interop peer); libervia-backend and libervia-cli (Libervia 0.9, the Jingle
# interop peer), python3-progressbar (only recommended by libervia-cli, but its `file send|receive`
# never exit without it), dbus-daemon (each backend's private session bus) and iproute2 (`ip` for
# the loopback-only network namespace; unshare/nsenter come with util-linux, which is essential).
set -euo pipefail
packages=(prosody socat openssl python3-slixmpp libervia-backend libervia-cli python3-progressbar dbus-daemon iproute2)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0
echo "installing system packages: ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
