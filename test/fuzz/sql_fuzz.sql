-- Signed-frame fuzzer at the SQL level (see doc/development.md).
-- Include after test/pgtap/lib/helpers.sql, inside a transaction, as the
-- superuser (it reads keyset_signing_key to sign).
--
-- Real cursors are minted (keyset_cursor_encode, keyset_page), their frames
-- taken apart per doc/design.md "The cursor format", mutated (bit flips,
-- member count/length/type-tag changes, truncation, huge and overlong
-- varints, payload replacement, NULL members, flags/version changes, a wrong
-- column definition list), re-signed with the live key so the MAC passes,
-- and fed to keyset_cursor_decode and keyset_page.  Each outcome lands in
-- fz_outcome: ok (and then checked for correctness) or the error's SQLSTATE.
-- fz_run(iterations, seed) is deterministic for a seed: setseed() drives
-- every choice.

-- the documented SQLSTATEs a cursor can end in (fz_allowed_outcome) (doc/reference.md, and the
-- errors of the types' own receive functions with their typmods)
CREATE TEMP TABLE fz_allowed (sqlstate text, why text, message_like text DEFAULT '%');
INSERT INTO fz_allowed VALUES
  ('22KP1', 'invalid cursor (every refusal by the codec)'),
  ('42804', 'member count or type differs from the column definition list'),
  ('08P01', 'a receive function ran out of bytes (insufficient data left in message)'),
  ('22P03', 'incorrect binary data format (trailing bytes, or a receive function''s own check)'),
  ('22021', 'text that is not valid in the server encoding'),
  ('22P02', 'receive function: invalid value (e.g. an enum label that does not exist)'),
  ('22003', 'receive function: numeric value out of range'),
  ('22008', 'receive function: date/time out of range'),
  ('22023', 'receive function: invalid parameter (e.g. array flags)'),
  ('22026', 'receive function: bit string length mismatch'),
  ('22001', 'typmod of the column list: value too long'),
  ('2200N', 'xml_recv: invalid XML'),
  ('54000', 'receive function: array too large'),
  ('22000', 'receive function: other data exception');
-- core's jsonb_recv refuses an unknown version byte with elog(ERROR), so an
-- internal-error SQLSTATE, for this one message only (core behaviour; any
-- binary-protocol client gets the same)
INSERT INTO fz_allowed VALUES
  ('XX000', 'jsonb_recv: unknown version byte (core uses elog)', 'unsupported jsonb version number %');

CREATE TEMP TABLE fz_outcome (api text, mutation text, outcome text, detail text);

-- an outcome is acceptable: a value (checked separately) or an allowed error
CREATE FUNCTION fz_allowed_outcome(outcome text, detail text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT outcome LIKE 'ok%'
      OR EXISTS (SELECT FROM fz_allowed a WHERE a.sqlstate = outcome AND detail LIKE a.message_like)
$$;

CREATE TYPE fz_mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE fz_pair AS (x int, y text);

-- value generators, one per column type a cursor may carry
CREATE TEMP TABLE fz_types (coltype text PRIMARY KEY, expr text);
INSERT INTO fz_types VALUES
  ('integer',      '(floor(random() * 4e9) - 2e9)::integer'),
  ('bigint',       '(floor(random() * 2e18) - 1e18)::bigint'),
  ('smallint',     '(floor(random() * 60000) - 30000)::smallint'),
  ('boolean',      'random() < 0.5'),
  ('text',         'repeat(md5(random()::text), 1 + (random() * 3)::int)'),
  ('varchar(5)',   'left(md5(random()::text), 5)::varchar(5)'),
  ('char(4)',      'left(md5(random()::text), 3)::char(4)'),
  ('name',         'md5(random()::text)::name'),
  ('numeric',      'round((random() * 1e9 - 5e8)::numeric, (random() * 6)::int)'),
  ('numeric(6,2)', 'round((random() * 9999)::numeric, 2)::numeric(6,2)'),
  ('float4',       '(random() * 1e6)::float4'),
  ('float8',       '(random() * 1e12 - 5e11)::float8'),
  ('timestamptz',  'now() - random() * interval ''9000 days'''),
  ('timestamp',    'localtimestamp - random() * interval ''9000 days'''),
  ('date',         'current_date - (random() * 9000)::int'),
  ('time',         '(random() * interval ''23 hours'')::time'),
  ('interval',     'random() * interval ''400 days'''),
  ('uuid',         'md5(random()::text)::uuid'),
  ('bytea',        'decode(md5(random()::text), ''hex'')'),
  ('int4[]',       'ARRAY[(random() * 100)::int, (random() * 100)::int]'),
  ('text[]',       'ARRAY[md5(random()::text), NULL]'),
  ('jsonb',        'jsonb_build_object(''k'', random(), ''a'', ARRAY[1, 2])'),
  ('inet',         '(''10.'' || (random() * 255)::int || ''.0.1/16'')::inet'),
  ('point',        'point(random(), random())'),
  ('varbit(8)',    '(''1011'' || (random() < 0.5)::int::text)::varbit(8)'),
  ('int4range',    'int4range((random() * 10)::int, 20 + (random() * 10)::int)'),
  ('xml',          'xmlelement(name e, md5(random()::text))'),
  ('fz_mood',      '(ARRAY[''sad'', ''ok'', ''happy''])[1 + (random() * 2)::int]::fz_mood'),
  ('fz_pair',      'ROW((random() * 100)::int, md5(random()::text))::fz_pair');

CREATE FUNCTION fz_int(lo bigint, hi bigint) RETURNS bigint
LANGUAGE sql VOLATILE AS $$ SELECT lo + floor(random() * (hi - lo + 1))::bigint $$;

CREATE FUNCTION fz_pick(a text[]) RETURNS text
LANGUAGE sql VOLATILE AS $$ SELECT a[1 + floor(random() * cardinality(a))::int] $$;

-- reads the varint at 0-based offset pos of b: (value, next offset); NULL
-- value if it runs off the end
CREATE FUNCTION fz_varint_at(b bytea, pos int, OUT v bigint, OUT next int)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  shift int := 0;
  byte int;
BEGIN
  v := 0;
  LOOP
    IF pos >= length(b) OR shift > 35 THEN v := NULL; next := pos; RETURN; END IF;
    byte := get_byte(b, pos); pos := pos + 1;
    v := v + ((byte & 127)::bigint << shift); shift := shift + 7;
    EXIT WHEN byte < 128;
  END LOOP;
  next := pos;
END $$;

-- a frame's parts: header length (version, flags, key id, issued_at) and
-- the body (nvalues and members), without the 16-byte tag
CREATE FUNCTION fz_split(cursor text, OUT head bytea, OUT body bytea)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  raw bytea := t_b64url_decode(cursor);
  frame bytea := substr(raw, 1, length(raw) - 16);
  k record;
  p int;
BEGIN
  k := fz_varint_at(frame, 2);
  p := k.next + CASE WHEN get_byte(frame, 1) & 1 = 1 THEN 4 ELSE 0 END;
  head := substr(frame, 1, p);
  body := substr(frame, p + 1);
END $$;

-- the members of a body: tags and payloads (NULL payload = NULL member);
-- NULL arrays if the body does not parse
CREATE FUNCTION fz_members(body bytea, OUT tags bigint[], OUT payloads bytea[])
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  n record; t record; l record;
  p int;
BEGIN
  n := fz_varint_at(body, 0);
  p := n.next;
  tags := '{}'; payloads := '{}';
  FOR i IN 1 .. coalesce(n.v, 0) LOOP
    t := fz_varint_at(body, p);
    l := fz_varint_at(body, t.next);
    IF t.v IS NULL OR l.v IS NULL OR t.next + l.v - 1 > length(body) THEN
      tags := NULL; payloads := NULL; RETURN;
    END IF;
    tags := tags || t.v;
    payloads := payloads || CASE WHEN l.v = 0 THEN NULL ELSE substr(body, l.next + 1, (l.v - 1)::int) END;
    p := l.next + greatest(l.v - 1, 0)::int;
  END LOOP;
END $$;

CREATE FUNCTION fz_body(tags bigint[], payloads bytea[]) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT t_varint(coalesce(cardinality(tags), 0))
         || coalesce(string_agg(t_member(t, p), '' ORDER BY i), '\x')
  FROM unnest(tags, payloads) WITH ORDINALITY AS u(t, p, i)
$$;

-- the same, with member i written as the raw bytes given
CREATE FUNCTION fz_body_with(tags bigint[], payloads bytea[], i int, raw bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT t_varint(cardinality(tags))
         || string_agg(CASE WHEN k = i THEN raw ELSE t_member(t, p) END, '' ORDER BY k)
  FROM unnest(tags, payloads) WITH ORDINALITY AS u(t, p, k)
$$;

-- random bytes
CREATE FUNCTION fz_bytes(n int) RETURNS bytea
LANGUAGE sql VOLATILE AS $$
  SELECT coalesce(string_agg(set_byte('\x00'::bytea, 0, floor(random() * 256)::int), '' ), '\x')
  FROM generate_series(1, n)
$$;

-- a varint nobody would mint: over 32 bits, overlong, or 6 bytes
CREATE FUNCTION fz_huge_varint() RETURNS bytea
LANGUAGE sql VOLATILE AS $$
  SELECT (ARRAY['\xffffffff0f'::bytea, '\xffffffff7f', '\x8080808000', '\x808080808001',
                '\xffffffffff01', '\x80', '\xff', t_varint(2147483647), t_varint(4294967295)])
         [1 + floor(random() * 9)::int]
$$;

-- a type tag: a built-in oid, a user type's hashed name, or junk
CREATE FUNCTION fz_tag() RETURNS bigint
LANGUAGE sql VOLATILE AS $$
  SELECT (ARRAY[0, 16, 20, 21, 23, 25, 1043, 1184, 1700, 2950, 3802, 1007, 17, 114, 142,
                t_type_tag('fz_mood'), t_type_tag('fz_pair'), 2147483648, 4294967295, 16384])
         [1 + floor(random() * 20)::int]
$$;

-- one mutation of a body (header mutations are done by fz_sign's flags and
-- version); returns the mutated body and the name of what was done
CREATE FUNCTION fz_mutate(body bytea, OUT mutated bytea, OUT what text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  m record;
  n int;
  i int;
  pos int;
  op int := fz_int(1, 12);
BEGIN
  m := fz_members(body);
  n := coalesce(cardinality(m.tags), 0);
  i := fz_int(1, greatest(n, 1));
  mutated := body;
  CASE op
  WHEN 1 THEN
    what := 'bit flips';
    FOR k IN 1 .. fz_int(1, 3) LOOP
      IF length(mutated) > 0 THEN
        pos := fz_int(0, length(mutated) - 1);
        mutated := set_byte(mutated, pos, get_byte(mutated, pos) # (1 << fz_int(0, 7)::int));
      END IF;
    END LOOP;
  WHEN 2 THEN
    what := 'member count';
    mutated := t_varint(greatest(n + fz_int(-2, 2), 0)) || substr(body, (fz_varint_at(body, 0)).next + 1);
  WHEN 3 THEN
    what := 'member count: huge varint';
    mutated := fz_huge_varint() || substr(body, (fz_varint_at(body, 0)).next + 1);
  WHEN 4 THEN
    what := 'member length';
    IF n = 0 THEN RETURN; END IF;
    -- a length field off by -3..+3, the bytes unchanged
    mutated := fz_body_with(m.tags, m.payloads, i,
                 t_varint(m.tags[i])
                 || t_varint(greatest(coalesce(length(m.payloads[i]) + 1, 0) + fz_int(-3, 3), 0))
                 || coalesce(m.payloads[i], '\x'));
  WHEN 5 THEN
    what := 'member length: huge varint';
    IF n = 0 THEN RETURN; END IF;
    mutated := fz_body_with(m.tags, m.payloads, i,
                 t_varint(m.tags[i]) || fz_huge_varint() || coalesce(m.payloads[i], '\x'));
  WHEN 6 THEN
    what := 'type tag';
    IF n = 0 THEN RETURN; END IF;
    m.tags[i] := fz_tag();
    mutated := fz_body(m.tags, m.payloads);
  WHEN 7 THEN
    what := 'type tag: huge varint';
    IF n = 0 THEN RETURN; END IF;
    mutated := fz_body_with(m.tags, m.payloads, i,
                 fz_huge_varint() || t_varint(coalesce(length(m.payloads[i]) + 1, 0))
                 || coalesce(m.payloads[i], '\x'));
  WHEN 8 THEN
    what := 'truncation';
    mutated := substr(body, 1, fz_int(0, greatest(length(body) - 1, 0))::int);
  WHEN 9 THEN
    what := 'payload: random bytes';
    IF n = 0 THEN RETURN; END IF;
    m.payloads[i] := fz_bytes(fz_int(0, 24)::int);
    mutated := fz_body(m.tags, m.payloads);
  WHEN 10 THEN
    what := 'payload: truncated or extended';
    IF n = 0 OR m.payloads[i] IS NULL THEN RETURN; END IF;
    IF random() < 0.5 THEN
      m.payloads[i] := substr(m.payloads[i], 1, fz_int(0, greatest(length(m.payloads[i]) - 1, 0))::int);
    ELSE
      m.payloads[i] := m.payloads[i] || fz_bytes(fz_int(1, 8)::int);
    END IF;
    mutated := fz_body(m.tags, m.payloads);
  WHEN 11 THEN
    what := 'NULL member';
    IF n = 0 THEN RETURN; END IF;
    m.payloads[i] := NULL;
    mutated := fz_body(m.tags, m.payloads);
  ELSE
    what := 'members swapped or duplicated';
    IF n = 0 THEN RETURN; END IF;
    m.tags := m.tags || m.tags[i];
    m.payloads := m.payloads || m.payloads[i];
    IF random() < 0.5 THEN
      m.tags := m.tags[2:]; m.payloads := m.payloads[2:];
    END IF;
    mutated := fz_body(m.tags, m.payloads);
  END CASE;
END $$;

-- signs head-less body with the newest live key: version, flags, key id,
-- issued_at (now) prepended, the 16-byte tag over frame || digest appended
CREATE FUNCTION fz_sign(body bytea, digest bytea, flags int DEFAULT 1, version int DEFAULT 1)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  k record;
  frame bytea;
BEGIN
  SELECT key_id, secret INTO k FROM keyset_signing_key WHERE secret IS NOT NULL
   ORDER BY key_id DESC LIMIT 1;
  frame := set_byte(set_byte('\x0000'::bytea, 0, version), 1, flags) || t_varint(k.key_id)
           || CASE WHEN flags & 1 = 1 THEN decode(lpad(to_hex(t_issued_at_secs(now())), 8, '0'), 'hex')
                   ELSE '\x'::bytea END
           || body;
  RETURN t_b64url_encode(frame || substr(t_hmac_sha256(k.secret, frame || digest), 1, 16));
END $$;

-- 4-byte little-endian length, as page.c writes it (x86-64, aarch64)
CREATE FUNCTION fz_le32(n int) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea,
           0, n & 255), 1, (n >> 8) & 255), 2, (n >> 16) & 255), 3, (n >> 24) & 255)
$$;

-- the page-domain context digest of keyset_page(rel, order_by) with no
-- filter and no args (src/page.c kp_page_context): qualified relation
-- name and canonical sort, length-prefixed, then 'N' and 0 args
CREATE FUNCTION fz_page_digest(rel regclass, order_by text) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
  relname bytea;
  canonical bytea;
BEGIN
  SELECT convert_to(quote_ident(n.nspname) || '.' || quote_ident(c.relname), 'UTF8')
    INTO relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel;
  EXECUTE format('SELECT convert_to(sort_key, ''UTF8'') FROM keyset_check(NULL::%s, $1)', rel)
    INTO canonical USING order_by;
  RETURN sha256(convert_to('keyset_pagination cursor context', 'UTF8') || '\x00'::bytea
                || convert_to('P', 'UTF8') || '\x01'::bytea
                || fz_le32(length(relname)) || relname
                || fz_le32(length(canonical)) || canonical
                || convert_to('N', 'UTF8') || fz_le32(0));
END $$;

-- a table to page, with three sorts (int, timestamptz DESC, text)
CREATE TABLE fz_page (id int PRIMARY KEY, a int NOT NULL, b text NOT NULL, c timestamptz NOT NULL);
INSERT INTO fz_page
  SELECT i, i % 7, md5((i % 13)::text), '2026-01-01'::timestamptz + (i % 5) * interval '1 hour'
  FROM generate_series(1, 60) i;
CREATE TEMP TABLE fz_sorts (order_by text, coldef text, cmp_after text, cmp_before text, ord text, rev text);
INSERT INTO fz_sorts VALUES
  ('a',      'a int, id int',         '(a, id) > ($1::int, $2)',         '(a, id) < ($1::int, $2)',         'a, id',           'a DESC, id DESC'),
  ('c DESC', 'c timestamptz, id int', '(c, id) < ($1::timestamptz, $2)', '(c, id) > ($1::timestamptz, $2)', 'c DESC, id DESC', 'c, id'),
  ('b',      'b text, id int',        '(b, id) > ($1::text, $2)',        '(b, id) < ($1::text, $2)',        'b, id',           'b DESC, id DESC');

-- One decode case: a value row of random types, its cursor, a mutation,
-- re-signed, decoded with the (possibly wrong) column list
CREATE FUNCTION fz_decode_case() RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  ncols int := fz_int(1, 4)::int;
  types text[];
  exprs text[];
  coldef text;
  ctx text := fz_pick(ARRAY[NULL, 'feed', '']);
  cursor text;
  parts record;
  mut record;
  flags int := 1;
  version int := 1;
  forged text;
  what text;
  r1 text;
  r2 text;
  st text;
  msg text;
  det text;
BEGIN
  SELECT array_agg(coltype), array_agg(expr) INTO types, exprs
  FROM (SELECT coltype, expr FROM fz_types ORDER BY random() LIMIT ncols) s;
  EXECUTE format('SELECT keyset_cursor_encode(ROW(%s), $1)',
                 (SELECT string_agg(format('(%s)::%s', e, t), ', ') FROM unnest(exprs, types) u(e, t)))
    INTO cursor USING ctx;
  parts := fz_split(cursor);
  IF random() < 0.1 THEN
    SELECT parts.body AS mutated, 'none' AS what INTO mut;
  ELSE
    mut := fz_mutate(parts.body);
  END IF;
  what := mut.what;
  IF random() < 0.05 THEN
    flags := fz_pick(ARRAY['0', '2', '3', '128'])::int;
    version := fz_pick(ARRAY['1', '1', '0', '2'])::int;
    what := what || format(' + flags %s version %s', flags, version);
  END IF;
  -- a wrong column list: one type replaced, or a column added or dropped
  IF random() < 0.2 THEN
    CASE fz_int(1, 3)
    WHEN 1 THEN types[fz_int(1, ncols)] := (SELECT coltype FROM fz_types ORDER BY random() LIMIT 1);
    WHEN 2 THEN types := types || (SELECT coltype FROM fz_types ORDER BY random() LIMIT 1);
    ELSE IF ncols > 1 THEN types := types[1:ncols - 1]; END IF;
    END CASE;
    what := what || ' + column list';
  END IF;
  SELECT string_agg(format('c%s %s', i, t), ', ' ORDER BY i) INTO coldef
  FROM unnest(types) WITH ORDINALITY u(t, i);
  forged := fz_sign(mut.mutated, t_context_digest(ctx, 'U'), flags, version);
  BEGIN
    EXECUTE format('SELECT k::text FROM keyset_cursor_decode($1, $2) AS k(%s)', coldef)
      INTO r1 USING forged, ctx;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    msg := msg || coalesce(': ' || det, '');
    INSERT INTO fz_outcome VALUES ('decode', what, st, msg);
    RETURN;
  END;
  -- a value came back: it must survive encode/decode unchanged
  BEGIN
    EXECUTE format('SELECT k::text FROM keyset_cursor_decode($1, $2) AS d(%1$s), '
                   'LATERAL keyset_cursor_decode(keyset_cursor_encode(ROW(%2$s), $2), $2) AS k(%1$s)',
                   coldef,
                   (SELECT string_agg(format('d.c%s', i), ', ') FROM generate_series(1, cardinality(types)) i))
      INTO r2 USING forged, ctx;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    r2 := 'error: ' || msg;
  END;
  INSERT INTO fz_outcome VALUES ('decode', what,
    CASE WHEN r1 IS NOT DISTINCT FROM r2 THEN 'ok' ELSE 'WRONG VALUE' END,
    CASE WHEN r1 IS NOT DISTINCT FROM r2 THEN NULL ELSE r1 || ' re-decoded as ' || coalesce(r2, 'NULL') END);
END $$;

-- One keyset_page case: a real page cursor, mutated, re-signed for the
-- page context; a page that comes back must be the rows after (or before)
-- the position the cursor carries
CREATE FUNCTION fz_page_case() RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  s record;
  cursor text;
  parts record;
  mut record;
  forged text;
  backward boolean := random() < 0.3;
  got int[];
  want int[];
  pos record;
  st text;
  msg text;
  det text;
BEGIN
  SELECT * INTO s FROM fz_sorts ORDER BY random() LIMIT 1;
  SELECT p.cursor INTO cursor FROM keyset_page(NULL::fz_page, s.order_by, first => 60) p
  ORDER BY random() LIMIT 1;
  parts := fz_split(cursor);
  mut := fz_mutate(parts.body);
  forged := fz_sign(mut.mutated, fz_page_digest('fz_page', s.order_by));
  BEGIN
    IF backward THEN
      SELECT array_agg((p.node).id ORDER BY ord) INTO got
      FROM keyset_page(NULL::fz_page, s.order_by, last => 5, before => forged) WITH ORDINALITY AS p(node, cursor, hp, hn, ord);
    ELSE
      SELECT array_agg((p.node).id ORDER BY ord) INTO got
      FROM keyset_page(NULL::fz_page, s.order_by, first => 5, after => forged) WITH ORDINALITY AS p(node, cursor, hp, hn, ord);
    END IF;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    msg := msg || coalesce(': ' || det, '');
    INSERT INTO fz_outcome VALUES ('page', mut.what, st, msg);
    RETURN;
  END;
  -- the position, read back through the user domain with the same body
  BEGIN
    EXECUTE format('SELECT k.* FROM keyset_cursor_decode($1) AS k(%s)', s.coldef)
      INTO pos USING fz_sign(mut.mutated, t_context_digest(NULL, 'U'));
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    INSERT INTO fz_outcome VALUES ('page', mut.what, 'WRONG VALUE', 'page accepted a cursor decode refuses: ' || msg);
    RETURN;
  END;
  IF jsonb_path_exists(to_jsonb(pos), '$.* ? (@ == null)') THEN
    INSERT INTO fz_outcome VALUES ('page', mut.what, 'ok (NULL in position, not compared)', NULL);
    RETURN;
  END IF;
  -- the rows nearest the position on the paged side, in sort order
  EXECUTE format('SELECT array_agg(id ORDER BY %s) FROM (SELECT * FROM fz_page WHERE %s ORDER BY %s LIMIT 5) x',
                 s.ord, CASE WHEN backward THEN s.cmp_before ELSE s.cmp_after END,
                 CASE WHEN backward THEN s.rev ELSE s.ord END)
    INTO want USING (to_jsonb(pos) ->> (split_part(s.coldef, ' ', 1))), (to_jsonb(pos) ->> 'id')::int;
  INSERT INTO fz_outcome VALUES ('page', mut.what,
    CASE WHEN coalesce(got, '{}') = coalesce(want, '{}') THEN 'ok' ELSE 'WRONG VALUE' END,
    CASE WHEN coalesce(got, '{}') = coalesce(want, '{}') THEN NULL
         ELSE format('%s %s: got %s, want %s', CASE WHEN backward THEN 'before' ELSE 'after' END, to_jsonb(pos), got, want) END);
END $$;

-- n cases (three decode cases to one page case), deterministic for seed
CREATE FUNCTION fz_run(n int, seed float8) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM setseed(seed);
  FOR i IN 1 .. n LOOP
    IF i % 4 = 0 THEN PERFORM fz_page_case(); ELSE PERFORM fz_decode_case(); END IF;
  END LOOP;
END $$;
