#!/usr/bin/env bash
# make deps: fetch third-party sources from Debian source packages and install the
# Debian packages the build and tests need. Idempotent: a second run takes seconds.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tp="$top/third_party"
mkdir -p "$tp"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Debian packages the build and the tests use (see README "Dependencies").
PKGS=(build-essential dpkg-dev clang lld llvm libclang-rt-14-dev libcmocka-dev zlib1g-dev
      gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi qemu-system-arm
      iproute2 iputils-ping socat curl wrk pngcheck python3-pil python3-numpy
      python3-websockets python3-socketio python3-aiohttp valgrind
      python3-torch python3-pytest python3-matplotlib nginx)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# A deb-src entry derived from the machine's own apt sources (deb822 or one-line form).
src_list=/etc/apt/sources.list.d/edgeartist-deb-src.sources
need_update=0
if [ ! -f "$src_list" ]; then
  tmp=$(mktemp)
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    [ "$f" = "$src_list" ] && continue
    # Only Debian's own archive: other vendors carry no source packages we need.
    grep -qE '^URIs:.*debian' "$f" || continue
    awk 'BEGIN{RS="";ORS="\n\n"} /URIs:[^\n]*debian/ { sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" >>"$tmp"
  done
  if [ -f /etc/apt/sources.list ]; then
    grep -E '^deb [^#]*debian' /etc/apt/sources.list | sed 's/^deb /deb-src /' >"$tmp.list" || true
    [ -s "$tmp.list" ] && $SUDO cp "$tmp.list" /etc/apt/sources.list.d/edgeartist-deb-src.list
    rm -f "$tmp.list"
  fi
  [ -s "$tmp" ] && $SUDO cp "$tmp" "$src_list"
  rm -f "$tmp"
  need_update=1
fi

have_src() { ls -d "$tp"/$1-*/ >/dev/null 2>&1; }
if ! have_src lwip || ! have_src mbedtls || ! have_src cjson; then need_update=1; fi
if [ ${#missing[@]} -gt 0 ] || [ $need_update -eq 1 ]; then
  $SUDO apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cd "$tp"
for pkg in lwip mbedtls cjson; do
  if ! have_src "$pkg"; then
    echo "deps: apt-get source $pkg"
    apt-get source -qq "$pkg" >/dev/null 2>&1 || apt-get source "$pkg"
    rm -f "$pkg"_*.dsc "$pkg"_*.tar.* "$pkg"_*.debian.tar.* 2>/dev/null || true
  fi
done
# Stable names for the Makefile, whatever the version directory is called.
for pkg in lwip mbedtls cjson; do
  d=$(ls -d "$pkg"-*/ | sort -V | tail -n 1)
  ln -sfn "${d%/}" "$pkg"
done
{
  echo "# third_party sources fetched by 'make deps' (Debian source packages, patches applied)"
  for pkg in lwip mbedtls cjson; do
    v=$(dpkg-parsechangelog -l "$pkg/debian/changelog" -S Version 2>/dev/null || echo unknown)
    echo "$pkg $v"
  done
} >VERSIONS.new
if ! cmp -s VERSIONS.new VERSIONS 2>/dev/null; then mv VERSIONS.new VERSIONS; else rm -f VERSIONS.new; fi

# Node packages for the end-to-end tests (pinned by tests/e2e/package-lock.json).
if [ -f "$top/tests/e2e/package-lock.json" ] && [ ! -d "$top/tests/e2e/node_modules" ]; then
  (cd "$top/tests/e2e" && npm ci --no-audit --no-fund --silent)
fi
echo "deps: ok ($(tr '\n' ' ' <VERSIONS | sed 's/^# [^)]*) //'))"
