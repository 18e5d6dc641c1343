#!/usr/bin/env bash
# src/mac.c has two implementations: OpenSSL's SHA256_CTX with the key pads
# absorbed once per key (what Debian's PostgreSQL, built with OpenSSL, uses),
# and PostgreSQL's pg_hmac for servers built without OpenSSL (or with an
# OpenSSL that lacks the low-level API).  The suites only run the first, so
# this compiles the fallback too, with the CI warning flags, so it cannot rot.
. "$(dirname "$0")/lib/common.bash"

pgc=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
kp_workdir tmp
for variant in openssl fallback; do
  defs=()
  [ "$variant" = fallback ] && defs=(-DKP_FORCE_PG_HMAC)
  # shellcheck disable=SC2046
  if out=$(${CC:-gcc} $($pgc --cflags_sl) -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
             "${defs[@]}" -I"$KP_ROOT/src" -I"$($pgc --includedir-server)" \
             -c "$KP_ROOT/src/mac.c" -o "$tmp/mac_$variant.o" 2>&1); then
    kp_ok t "src/mac.c builds with -Werror: $variant"
  else
    kp_ok f "src/mac.c builds with -Werror: $variant"
    sed 's/^/    # /' <<<"$out"
  fi
done
# the two are really different code: only the OpenSSL one calls SHA256_Update
if nm "$tmp/mac_openssl.o" | grep -q 'U SHA256_Update' && ! nm "$tmp/mac_fallback.o" | grep -q 'SHA256_Update' &&
   nm "$tmp/mac_fallback.o" | grep -q 'U pg_hmac_create'; then
  kp_ok t "the OpenSSL build calls SHA256_Update, the fallback pg_hmac_create"
else
  kp_ok f "the OpenSSL build calls SHA256_Update, the fallback pg_hmac_create"
fi
kp_done
