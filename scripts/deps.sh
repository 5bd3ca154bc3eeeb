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
      python3-torch python3-pytest python3-matplotlib
      chromium # chromium: the Playwright page tests (tests/e2e/pages_*.mjs)
      vde2 vdeplug vde-wirefilter hping3 # the fault lab: sim/link.sh, tests/faults
      nginx mosquitto mosquitto-clients # the fleet tier, bench/download_bench.sh, bench/tls_bench.sh
      openssl testssl.sh libnss3-tools) # make certs, the TLS tests (NSS for Chromium's CA)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

need_update=0

# Debian 13 (trixie) carries the maintained lines: lwIP 2.2.1 and mbedTLS 3.6 LTS (2.28,
# which bookworm ships, reached its end of life at the end of 2024). Its entry is deb-src
# only, derived from the machine's own Debian mirrors, and pinned to -1 as well, so that no
# binary package can ever come from it: nothing installed changes.
new_suite=trixie
new_list=/etc/apt/sources.list.d/edgeartist-$new_suite-src.sources
new_pin=/etc/apt/preferences.d/edgeartist-$new_suite
tmp=$(mktemp)
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  case "$f" in */edgeartist-*) continue ;; esac
  grep -qE '^URIs:.*debian' "$f" || continue
  awk -v s="$new_suite" 'BEGIN{RS="";ORS="\n\n"} /URIs:[^\n]*debian/ {
      sub(/Types:[^\n]*/, "Types: deb-src")
      if ($0 ~ /URIs:[^\n]*debian-security/) sub(/Suites:[^\n]*/, "Suites: " s "-security")
      else sub(/Suites:[^\n]*/, "Suites: " s " " s "-updates")
      print }' "$f" >>"$tmp"
done
# The one-line form (/etc/apt/sources.list) gets a one-line file of its own.
if [ -f /etc/apt/sources.list ]; then
  grep -E '^deb [^#]*debian' /etc/apt/sources.list | awk -v s="$new_suite" '{
      $1 = "deb-src"
      for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+(-security|-updates)?$/ && $(i-1) ~ /:\/\//) {
        sub(/^[a-z]+/, s, $i); break }
      print }' >"$tmp.list" || true
  if [ -s "$tmp.list" ] && ! cmp -s "$tmp.list" "${new_list%.sources}.list"; then
    $SUDO cp "$tmp.list" "${new_list%.sources}.list"
    need_update=1
  fi
  rm -f "$tmp.list"
  [ -s "$tmp" ] || cp /dev/null "$tmp"
fi
if [ ! -s "$tmp" ] && [ ! -f "${new_list%.sources}.list" ]; then
  echo "deps: no Debian mirror found in /etc/apt to derive a deb-src entry from" >&2
  exit 1
fi
if [ -s "$tmp" ] && ! cmp -s "$tmp" "$new_list" 2>/dev/null; then
  $SUDO cp "$tmp" "$new_list"
  $SUDO chmod 644 "$new_list"
  need_update=1
fi
rm -f "$tmp"
pin="Package: *
Pin: release n=$new_suite
Pin-Priority: -1"
if [ "$(cat "$new_pin" 2>/dev/null)" != "$pin" ]; then
  printf '%s\n' "$pin" | $SUDO tee "$new_pin" >/dev/null
fi

# Wanted lines: each package's newest source version starting with this prefix ("" = the
# newest there is, for cJSON: trixie's if it is newer).
declare -A WANT=([lwip]="2.2." [mbedtls]="3.6." [cjson]="")
upstream() { # Debian version -> the upstream part that names apt-get source's directory
  local v=${1#*:}
  v=${v%-*}
  echo "$v"
}
have_want() { # is a directory of the wanted line there?
  local d
  for d in "$tp/$1"-"${WANT[$1]}"*/; do [ -d "$d" ] && return 0; done
  return 1
}
for pkg in lwip mbedtls cjson; do have_want "$pkg" || need_update=1; done
# cJSON has no fixed line: once per day at most, ask whether a newer one appeared.
if [ $need_update -eq 0 ] && [ -n "$(find "$tp/VERSIONS" -mtime +0 2>/dev/null)" ]; then
  need_update=1
fi
if [ ${#missing[@]} -gt 0 ] || [ $need_update -eq 1 ]; then
  $SUDO apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Nothing binary may come from the new suite: no index of it, nothing to upgrade from it.
if apt-cache policy 2>/dev/null | grep -qE "n=$new_suite[,-]|n=$new_suite\$"; then
  echo "deps: binary packages of $new_suite are visible to apt; refusing to go on" >&2
  exit 1
fi

cd "$tp"
for pkg in lwip mbedtls cjson; do
  want=${WANT[$pkg]}
  v=$(apt-cache showsrc "$pkg" 2>/dev/null | awk '/^Version:/ {print $2}' |
    while read -r x; do case "$(upstream "$x")" in "$want"*) echo "$x" ;; esac; done |
    sort -V | tail -n 1)
  if [ -z "$v" ]; then
    have_want "$pkg" || { echo "deps: no source of $pkg $want* in apt's lists" >&2; exit 1; }
    v=$(dpkg-parsechangelog -l "$pkg/debian/changelog" -S Version)
  fi
  dir="$pkg-$(upstream "$v")"
  if [ ! -d "$dir" ] || [ "$(dpkg-parsechangelog -l "$dir/debian/changelog" -S Version 2>/dev/null)" != "$v" ]; then
    echo "deps: apt-get source $pkg=$v"
    rm -rf "$dir"
    apt-get source -qq "$pkg=$v" >/dev/null 2>&1 || apt-get source "$pkg=$v"
    rm -f "$pkg"_*.dsc "$pkg"_*.tar.* 2>/dev/null || true
    # The tarballs keep their release dates: newer than every object built from an older
    # version, so that make rebuilds what depends on them.
    find "$dir" -type f -exec touch {} +
  fi
  # The stable name the Makefile uses points at this version; older ones (an earlier
  # make deps: lwip 2.1.3, mbedTLS 2.28) go.
  ln -sfn "$dir" "$pkg"
  for old in "$pkg"-*/; do
    [ "${old%/}" = "$dir" ] || rm -rf "${old%/}"
  done
done
{
  echo "# third_party sources fetched by 'make deps' (Debian source packages, patches applied)"
  for pkg in lwip mbedtls cjson; do
    v=$(dpkg-parsechangelog -l "$pkg/debian/changelog" -S Version 2>/dev/null || echo unknown)
    echo "$pkg $v"
  done
} >VERSIONS.new
if ! cmp -s VERSIONS.new VERSIONS 2>/dev/null; then mv VERSIONS.new VERSIONS; else rm -f VERSIONS.new; touch VERSIONS; fi

# Node packages for the end-to-end tests (pinned by tests/e2e/package-lock.json).
if [ -f "$top/tests/e2e/package-lock.json" ] && [ ! -d "$top/tests/e2e/node_modules" ]; then
  (cd "$top/tests/e2e" && npm ci --no-audit --no-fund --silent)
fi
echo "deps: ok ($(tr '\n' ' ' <VERSIONS | sed 's/^# [^)]*) //'))"
