# bench/callgrind_sum.awk: reads one callgrind output file (event Ir) and
# prints "total libcrypto": the program's total instructions and the self
# instructions of code in libcrypto (OpenSSL).  Self cost lines follow fn=
# under the current ob=; the line after calls= is a call's inclusive cost
# and is skipped.
# ob= and cob= both define compressed names: "(id) name", later "(id)"
/^c?ob=/ {
  spec = substr($0, index($0, "=") + 1)
  if (match(spec, /^\([0-9]+\)/)) {
    id = substr(spec, RSTART, RLENGTH); rest = substr(spec, RLENGTH + 1); sub(/^ /, "", rest)
    if (rest != "") name[id] = rest
    spec = name[id]
  }
  if (substr($0, 1, 1) == "o") ob = spec
  next
}
/^calls=/ { skip = 1; next }
/^totals:/ { total = $2; next }
/^[0-9+*-]/ {
  if (skip) { skip = 0; next }
  if (ob ~ /libcrypto/) crypto += $2
  next
}
END { printf "%d %d\n", total, crypto }
