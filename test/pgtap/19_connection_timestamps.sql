-- Issue 15: keyset_connection and keyset_connection_json write a
-- timestamptz without pg_localtime when the session's time zone has one UTC
-- offset for all time (src/connection.c, encode_datetime); other zones take
-- PostgreSQL's own path.  Either way the text must be what to_jsonb writes,
-- in every zone, for BC and far-future values, fractional seconds with and
-- without trailing zeros, infinities and NULL, and after SET TIME ZONE
-- between calls of one session (the zone's offset is remembered per zone).
BEGIN;
SELECT no_plan();

CREATE TABLE ts_t (id int PRIMARY KEY, tz timestamptz, ts timestamp, d date);
INSERT INTO ts_t VALUES
  (1, '2025-06-12 13:45:12.123456+00', '2025-06-12 13:45:12.123456', '2025-06-12'),
  (2, '2025-01-01 00:00:00+00', '2025-01-01 00:00:00', '2025-01-01'),
  (3, '2024-02-29 23:59:59.5+00', '2024-02-29 23:59:59.5', '2024-02-29'),
  (4, '1999-12-31 23:59:59.000001+00', '1999-12-31 23:59:59.000001', '1999-12-31'),
  (5, '1970-01-01 00:00:00+00', '1970-01-01 00:00:00', '1970-01-01'),
  (6, '1901-12-13 20:45:52+00', '1901-12-13 20:45:52', '1901-12-13'),
  (7, '0001-01-01 00:00:00+00', '0001-01-01 00:00:00', '0001-01-01'),
  (8, '0044-03-15 12:00:00.1+00 BC', '0044-03-15 12:00:00.1 BC', '0044-03-15 BC'),
  (9, '4713-11-25 00:00:00+00 BC', '4713-11-25 00:00:00 BC', '4713-11-25 BC'),
  (10, '294276-12-31 00:00:00+00', '294276-12-31 23:59:59.999999', '294276-12-31'),
  (11, '9999-12-31 23:59:59.99+00', '9999-12-31 23:59:59.99', '9999-12-31'),
  (12, '10000-01-01 00:00:00+00', '10000-01-01 00:00:00', '10000-01-01'),
  (13, 'infinity', 'infinity', 'infinity'),
  (14, '-infinity', '-infinity', '-infinity'),
  (15, NULL, NULL, NULL),
  (16, '2038-01-19 03:14:08+00', '2038-01-19 03:14:08', '2038-01-19'),
  (17, '2025-03-30 01:30:00+00', '2025-03-30 01:30:00', '2025-03-30'),
  (18, '2025-10-26 00:59:59.9+00', '2025-10-26 00:59:59.9', '2025-10-26');

-- every node of the page against to_jsonb of the table's rows
CREATE FUNCTION pg_temp.ts_check(zone text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
  want jsonb;
BEGIN
  EXECUTE format('SET LOCAL TIME ZONE %s', zone);
  want := (SELECT jsonb_agg(to_jsonb(t) ORDER BY id) FROM ts_t t);
  RETURN NEXT is((SELECT jsonb_agg(e -> 'node' ORDER BY (e -> 'node' ->> 'id')::int)
                  FROM jsonb_array_elements(keyset_connection(NULL::ts_t, 'id', first => 100) -> 'edges') e),
                 want, format('time zone %s: keyset_connection writes what to_jsonb writes', zone));
  RETURN NEXT is((SELECT jsonb_agg(e -> 'node' ORDER BY (e -> 'node' ->> 'id')::int)
                  FROM jsonb_array_elements(keyset_connection_json(NULL::ts_t, 'id', first => 100)::jsonb -> 'edges') e),
                 want, format('time zone %s: keyset_connection_json writes what to_jsonb writes', zone));
  -- a backward page takes the same path
  RETURN NEXT is((SELECT jsonb_agg(e -> 'node' ORDER BY (e -> 'node' ->> 'id')::int)
                  FROM jsonb_array_elements(keyset_connection(NULL::ts_t, 'tz DESC NULLS LAST', last => 100) -> 'edges') e),
                 want, format('time zone %s: a backward page sorted by the timestamptz too', zone));
END
$f$;

-- one offset for all time: UTC, the Etc zones, POSIX strings and intervals
-- without a rule, offsets with minutes and the farthest there are
SELECT pg_temp.ts_check(z) FROM unnest(ARRAY[
  $$'UTC'$$, $$'Etc/GMT-14'$$, $$'Etc/GMT+12'$$, $$'<+0545>-5:45'$$, $$'UTC+3'$$,
  $$INTERVAL '-08:00' HOUR TO MINUTE$$, $$INTERVAL '+05:30' HOUR TO MINUTE$$,
  -- zones whose offset changed (and pg_localtime's path): DST, history,
  -- a quarter-hour zone with DST, one whose LMT offset has seconds
  $$'America/New_York'$$, $$'Europe/Moscow'$$, $$'Pacific/Chatham'$$,
  $$'America/St_Johns'$$, $$'Africa/Monrovia'$$, $$'Asia/Kolkata'$$,
  -- back to a fixed zone after others in the same session
  $$'UTC'$$, $$'Etc/GMT-14'$$]) z;

-- the zone is read when the document is made, not cached across SET
SET LOCAL TIME ZONE 'UTC';
SELECT is(keyset_connection(NULL::ts_t, 'id', first => 1) -> 'edges' -> 0 -> 'node' ->> 'tz',
          '2025-06-12T13:45:12.123456+00:00', 'UTC: the value with +00:00');
SET LOCAL TIME ZONE 'Etc/GMT-14';
SELECT is(keyset_connection(NULL::ts_t, 'id', first => 1) -> 'edges' -> 0 -> 'node' ->> 'tz',
          '2025-06-13T03:45:12.123456+14:00', 'Etc/GMT-14 right after: the value at +14:00');
SET LOCAL TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE;
SELECT is(keyset_connection_json(NULL::ts_t, 'id', first => 1)::jsonb -> 'edges' -> 0 -> 'node' ->> 'tz',
          '2025-06-12T05:45:12.123456-08:00', 'an interval zone: the value at -08:00');
SET LOCAL TIME ZONE 'America/New_York';
SELECT is(keyset_connection(NULL::ts_t, 'id', first => 1) -> 'edges' -> 0 -> 'node' ->> 'tz',
          '2025-06-12T09:45:12.123456-04:00', 'America/New_York in summer: -04:00');

SELECT * FROM finish();
ROLLBACK;
