#!/usr/bin/env bash
# Exact round trips across sessions with different settings: every value of
# test/fixtures/roundtrip_fixture.sql is minted in one psql session and
# decoded in another, separate session whose TimeZone, DateStyle,
# IntervalStyle, extra_float_digits, client_encoding and bytea_output all
# differ -- in both directions.  (test/pgtap/01_roundtrip_types.sql does the
# same within one transaction with SET LOCAL.)
. "$(dirname "$0")/lib/common.bash"

db=kp_sh_roundtrip
# UTF8 database (the fixture holds characters outside LATIN1)
kp_fresh_db "$db" -T template0 -E UTF8 --locale=C
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION keyset_pagination" >/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$KP_ROOT/test/fixtures/roundtrip_fixture.sql" >/dev/null || exit 1
kp_tap_functions "$db"

settings_a="SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres';
            SET extra_float_digits = -15; SET client_encoding = 'UTF8'; SET bytea_output = 'hex';"
settings_b="SET TimeZone = 'Asia/Kathmandu'; SET DateStyle = 'SQL, DMY'; SET IntervalStyle = 'iso_8601';
            SET extra_float_digits = 3; SET client_encoding = 'LATIN1'; SET bytea_output = 'escape';"
settings_b2="SET TimeZone = 'Asia/Kathmandu'; SET DateStyle = 'German'; SET IntervalStyle = 'sql_standard';
             SET extra_float_digits = 1; SET client_encoding = 'LATIN1';"

# mint NAME SETTINGS : one session mints every fixture cursor
mint() {
  kp_sql "$db" <<SQL
$2
SELECT tap_ok(rt_mint() = (SELECT count(*) * ((SELECT count(*) FROM rt_columns) + 2) FROM rt_fixture),
              'session $1 minted every fixture cursor under ' || current_setting('TimeZone') || ', '
              || current_setting('DateStyle') || ', ' || current_setting('IntervalStyle') || ', efd '
              || current_setting('extra_float_digits') || ', ' || current_setting('client_encoding'));
SQL
}

# check NAME SETTINGS : another session decodes and compares
check() {
  kp_sql "$db" <<SQL
$2
SELECT tap_ok(current_setting('client_encoding') = 'LATIN1' AND current_setting('TimeZone') = 'Asia/Kathmandu'
              OR current_setting('client_encoding') = 'UTF8' AND current_setting('TimeZone') = 'UTC',
              'session $1 runs with the intended settings (' || current_setting('TimeZone') || ', '
              || current_setting('DateStyle') || ', ' || current_setting('IntervalStyle') || ', efd '
              || current_setting('extra_float_digits') || ', ' || current_setting('client_encoding') || ')');
SELECT tap_ok(verifies AND same_value AND same_text,
              format('session $1: %s / %s decoded exactly', case_name, col)
              || CASE WHEN verifies AND same_value AND same_text THEN ''
                      ELSE format(' (verifies=%s same_value=%s same_text=%s)', verifies, same_value, same_text) END)
FROM rt_check();
SELECT tap_ok(ok IS TRUE, 'session $1: exact: ' || check_name) FROM rt_exact();
SQL
}

echo "# A (UTC, ISO MDY, postgres, efd -15, UTF8) mints; B (Kathmandu, SQL DMY, iso_8601, efd 3, LATIN1) decodes"
mint A "$settings_a"
check B "$settings_b"
echo "# B2 (Kathmandu, German, sql_standard, efd 1, LATIN1) mints; A (UTC, ISO MDY, postgres, efd -15, UTF8) decodes"
mint B2 "$settings_b2"
check A "$settings_a"

kp_done
