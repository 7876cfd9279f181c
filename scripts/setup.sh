#!/usr/bin/env bash
# Install everything pasidsim needs on a Debian 12 machine. Idempotent: a
# package that is already installed is not fetched again.
set -euo pipefail

pkgs=(
	build-essential cmake ninja-build pkg-config
	clang llvm lld libclang-rt-14-dev
	libsqlite3-dev sqlite3 libcriterion-dev
	afl++ gcovr lcov zip time
	linux-headers-amd64 linux-source-6.1 xz-utils
	perl python3 valgrind patch
	chromium
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#pkgs[@]} packages present"
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
