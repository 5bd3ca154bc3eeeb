#!/usr/bin/env bash
# The layering rules (docs/design.md, "Layers"), checked on every #include of the sources.
# Usage: scripts/check_layers.sh [root]   (root: the tree to check, default the repository)
# Prints each violation as "file: includes X (rule)" and fails when there is one that is not
# in KNOWN below; known ones are listed too, so that they stay in sight until fixed.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || { echo "check-layers: no tree at $root"; exit 1; }

# Who may not include what. One rule a line: the files it covers (a folder), the includes
# it forbids (an extended regex over the include as written, a quoted one resolved against
# the including file's folder first), and why. SYSTEM means every header that is not one
# of the allowed ones below (C standard, compiler intrinsics, lwIP, mbedTLS, cJSON, port/,
# app/).
RULES='
app/      SYSTEM                              app/ talks to the world only through app/board.h and lwIP
app/gen/  ^app/(http|ws|api|jobs|stream|sio)/ the generator knows nothing of the network, jobs or API
app/jobs/ ^app/(http|ws|api|stream|sio|telemetry)/ jobs never learn about a transport (nor telemetry: it observes them)
app/http/ ^app/(api|stream|sio)/              the server is handed its handler, it does not call the API
app/net/  ^app/(http|ws|api|jobs|stream|sio)/ the connection core knows no protocol above it
app/ws/   ^app/(api|jobs|stream|sio)/         the framer knows nothing above it
app/stream/ ^app/(api|sio)/                   transports carry events; handlers live in app/api
drivers/  ^app/                               drivers see only the board interface (and the log)
'
# Includes a rule's regex matches that the rule still allows.
EXCEPT_drivers='^app/(board|log)\.h$'

# Violations that exist and are being fixed elsewhere: "file include" pairs. A new violation
# of the same rule still fails.
KNOWN='
'

# The headers SYSTEM allows: C11 standard headers, the compilers' SIMD intrinsics (the
# generator's kernels), and the third-party and own trees.
STD_RE='^(assert|complex|ctype|errno|fenv|float|inttypes|iso646|limits|locale|math|setjmp|signal|stdalign|stdarg|stdatomic|stdbool|stddef|stdint|stdio|stdlib|stdnoreturn|string|tgmath|threads|time|uchar|wchar|wctype)\.h$'
INTRIN_RE='^(emmintrin|arm_acle)\.h$'
TREE_RE='^(app|port)/|^(lwip|netif|arch|mbedtls)/|^cJSON\.h$'

# "file<TAB>include" for every include of the .c and .h files under $1, quoted includes
# resolved against the file's folder when that file exists there.
includes() {
  find "$1" -name '*.[ch]' 2>/dev/null | sort | while read -r f; do
    sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"])([^>"]+)[>"].*/\1\2/p' "$f" |
      while read -r inc; do
        kind=${inc:0:1} name=${inc:1}
        if [ "$kind" = '"' ] && [ -f "$(dirname "$f")/$name" ] && [ ! -f "$name" ]; then
          name=$(realpath -m --relative-to=. "$(dirname "$f")/$name")
        fi
        printf '%s\t%s\n' "$f" "$name"
      done
  done
}

bad=0 known=0 seen=0
while read -r dir pattern why; do
  [ -z "$dir" ] && continue
  [ -d "$dir" ] || continue
  key=${dir%/}
  except_var="EXCEPT_${key//[^a-zA-Z0-9]/_}"
  except=${!except_var:-}
  while IFS=$'\t' read -r f inc; do
    seen=$((seen + 1))
    if [ "$pattern" = SYSTEM ]; then
      [[ $inc =~ $STD_RE || $inc =~ $INTRIN_RE || $inc =~ $TREE_RE ]] && continue
    else
      [[ $inc =~ $pattern ]] || continue
    fi
    [ -n "$except" ] && [[ $inc =~ $except ]] && continue
    if printf '%s\n' "$KNOWN" | awk -v f="$f" -v i="$inc" '$1 == f && $2 == i {k = 1} END {exit !k}'; then
      echo "check-layers: known: $f: includes $inc ($why)"
      known=$((known + 1))
    else
      echo "check-layers: $f: includes $inc ($why)"
      bad=$((bad + 1))
    fi
  done < <(includes "$dir")
done <<<"$RULES"

if [ "$seen" -eq 0 ]; then
  echo "check-layers: no includes found under $root (wrong tree?)"
  exit 1
fi
if [ "$bad" -gt 0 ]; then
  echo "check-layers: FAIL, $bad forbidden include(s)"
  exit 1
fi
echo "check-layers: $seen include checks under $(echo "$RULES" | awk 'NF {print $1}' | tr '\n' ' ')passed ($known known, listed above)"
