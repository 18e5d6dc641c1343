/*
 * connection.c
 *	  The Relay connection document of keyset_connection (jsonb) and
 *	  keyset_connection_json (json text).
 *
 * Each node is what to_jsonb gives for the row, but built without calling
 * to_jsonb per row: the row type's columns are classified once (a per-
 * backend cache, checked against the type cache's descriptor identifier on
 * every call and flushed when a cast changes), and each value is encoded by
 * its class.  Values whose JSON to_jsonb derives from other catalog objects
 * (arrays, composites, json columns under jsonb, types with a cast to json)
 * still go through to_jsonb, value by value, so they stay exactly its result.
 * The jsonb document is written in its binary form directly (jsonbw.c).
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include <stdlib.h>

#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "pgtime.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "connection.h"
#include "jsonbw.h"
#include "keyset_pagination.h"
#include "sortspec.h"

/* How a column's values become JSON */
typedef enum KpEncKind
{
	KP_ENC_BOOL,				/* true/false */
	KP_ENC_INT2,				/* JSON numbers from the integer itself */
	KP_ENC_INT4,
	KP_ENC_INT8,
	KP_ENC_FLOAT,				/* output text; a number unless NaN/Infinity */
	KP_ENC_NUMERIC,				/* the numeric itself; NaN/Infinity strings */
	KP_ENC_DATETIME,			/* date, timestamp(tz): as JsonEncodeDateTime */
	KP_ENC_JSON,				/* json: its text (json) or to_jsonb (jsonb) */
	KP_ENC_JSONB,				/* jsonb: embedded */
	KP_ENC_TEXT,				/* text, varchar, char: the string in place */
	KP_ENC_STRING,				/* output function, a JSON string */
	KP_ENC_TO_JSONB				/* anything else: to_jsonb of the value */
} KpEncKind;

typedef struct KpColEnc
{
	int			attno;			/* index in the row's descriptor */
	KpEncKind	kind;
	Oid			typid;			/* the column's type, domains looked through */
	bool		exact;			/* a json_numbers => 'string' column */
	char	   *name;
	int			namelen;
	char	   *jkey;			/* "name": as JSON text */
	int			jkeylen;
	FmgrInfo	out;			/* output function (FLOAT, STRING) */
	FmgrInfo	tojsonb;		/* to_jsonb with the column's type (TO_JSONB,
								 * JSON) */
} KpColEnc;

/* The classified columns of one row type */
typedef struct KpRowEnc
{
	struct KpRowEnc *next;
	Oid			rowtype;
	uint32		type_hash;		/* of rowtype in the TYPEOID syscache */
	uint64		tupdesc_id;		/* typcache's identifier of the descriptor */
	bool		valid;			/* false: a cast or the type changed */
	int			pins;			/* calls using it right now */
	MemoryContext cxt;			/* everything of the entry */
	TupleDesc	desc;
	int			ncols;			/* live (not dropped) columns */
	KpColEnc   *cols;			/* in column order */
	int		   *keyorder;		/* cols indexes in jsonb's key order */
	KpJbwKeys	keys;			/* a node's keys as jsonb stores them */
	int			doc_bytes;		/* the last jsonb document's size */
} KpRowEnc;

/*
 * Entries kept at most: the list is in order of last use, and past this many
 * the least recently used ones no call is using are freed.  An entry is a
 * few kB (its columns' names and lookups), so the cache stays well under a
 * megabyte however many row types a backend pages (schema-per-tenant
 * applications page thousands), and a lookup walks a short list.
 */
#define KP_MAX_ROW_ENCODERS 64

static KpRowEnc *row_encoders = NULL;
static bool callbacks_registered = false;

/*
 * A cast to json created or dropped changes what to_jsonb does with a type
 * of its source, so every classification is dropped; a row type changed or
 * dropped (a dropped table, a temporary table at the end of its session)
 * drops its own, so a backend paging many short-lived tables does not keep
 * them all.  Entries in use are freed when their last call unpins them.
 */
static void
encoders_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	KpRowEnc   *e;

	for (e = row_encoders; e != NULL; e = e->next)
		if (cacheid != TYPEOID || hashvalue == 0 || e->type_hash == hashvalue)
			e->valid = false;
}

/*
 * Frees the entries no call uses and no call will find again, and the least
 * recently used unpinned ones beyond KP_MAX_ROW_ENCODERS (the list is in
 * order of use, so those are the ones after the first KP_MAX_ROW_ENCODERS
 * kept).
 */
static void
free_stale_encoders(void)
{
	KpRowEnc  **link = &row_encoders;
	int			kept = 0;

	while (*link != NULL)
	{
		KpRowEnc   *e = *link;

		if (e->pins == 0 && (!e->valid || kept >= KP_MAX_ROW_ENCODERS))
		{
			*link = e->next;
			MemoryContextDelete(e->cxt);
		}
		else
		{
			kept++;
			link = &e->next;
		}
	}
}

/* Unpins an entry when its call's memory goes, by return or by error */
static void
unpin_encoder(void *arg)
{
	KpRowEnc   *e = (KpRowEnc *) arg;

	e->pins--;
}

/* Bytes that JSON strings escape: control characters, quote, backslash */
static const bool json_escaped[256] = {
	[0x00] = true, [0x01] = true, [0x02] = true, [0x03] = true,
	[0x04] = true, [0x05] = true, [0x06] = true, [0x07] = true,
	[0x08] = true, [0x09] = true, [0x0a] = true, [0x0b] = true,
	[0x0c] = true, [0x0d] = true, [0x0e] = true, [0x0f] = true,
	[0x10] = true, [0x11] = true, [0x12] = true, [0x13] = true,
	[0x14] = true, [0x15] = true, [0x16] = true, [0x17] = true,
	[0x18] = true, [0x19] = true, [0x1a] = true, [0x1b] = true,
	[0x1c] = true, [0x1d] = true, [0x1e] = true, [0x1f] = true,
	['"'] = true, ['\\'] = true,
};

/*
 * Appends str as a JSON string.  Runs without escapes are copied whole, one
 * table lookup a byte; escape_json() appends one character at a time.
 */
static void
append_json_string(StringInfo buf, const char *str, int len)
{
	const char *run = str;
	const char *end = str + len;
	const char *p;

	enlargeStringInfo(buf, len + 2);
	appendStringInfoCharMacro(buf, '"');
	for (p = str; p < end; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (!json_escaped[c])
			continue;
		if (p > run)
			appendBinaryStringInfo(buf, run, p - run);
		run = p + 1;
		{
			char		esc[2] = {'\\', c == '"' ? '"' : c == '\\' ? '\\' :
				c == '\b' ? 'b' : c == '\f' ? 'f' : c == '\n' ? 'n' :
				c == '\r' ? 'r' : c == '\t' ? 't' : 0};

			if (esc[1] != 0)
				appendBinaryStringInfo(buf, esc, 2);
			else
				appendStringInfo(buf, "\\u%04x", c);
		}
	}
	if (end > run)
		appendBinaryStringInfo(buf, run, end - run);
	appendStringInfoCharMacro(buf, '"');
}

/*
 * Whether values of this type are emitted as JSON strings under
 * json_numbers => 'string': bigint and numeric (and domains over them) can
 * hold integers beyond 2^53, which a JavaScript number rounds.  Smaller
 * integers and floats are exact as IEEE doubles and stay numbers.
 */
static bool
exact_number_type(Oid typid)
{
	typid = getBaseType(typid);
	return typid == INT8OID || typid == NUMERICOID;
}

/*
 * to_jsonb for one type, callable from C: to_jsonb reads its argument's type
 * from the call expression, so the call gets one (in the FmgrInfo's context).
 */
static void
to_jsonb_finfo(Oid typid, FmgrInfo *f, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	FuncExpr   *call;

	fmgr_info_cxt(F_TO_JSONB, f, cxt);
	call = makeFuncExpr(F_TO_JSONB, JSONBOID,
						list_make1(makeNullConst(typid, -1, InvalidOid)),
						InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	fmgr_info_set_expr((Node *) call, f);
	MemoryContextSwitchTo(old);
}

/*
 * Classifies one column as to_jsonb does (domains looked through; arrays and
 * composites; a cast to json of a type not built in), with the classes
 * whose JSON is a plain function of the value encoded here.
 */
static const struct
{
	Oid			typid;
	KpEncKind	kind;
}			builtin_classes[] =
{
	{BOOLOID, KP_ENC_BOOL},
	{INT2OID, KP_ENC_INT2},
	{INT4OID, KP_ENC_INT4},
	{INT8OID, KP_ENC_INT8},
	{FLOAT4OID, KP_ENC_FLOAT},
	{FLOAT8OID, KP_ENC_FLOAT},
	{NUMERICOID, KP_ENC_NUMERIC},
	{DATEOID, KP_ENC_DATETIME},
	{TIMESTAMPOID, KP_ENC_DATETIME},
	{TIMESTAMPTZOID, KP_ENC_DATETIME},
	{JSONOID, KP_ENC_JSON},
	{JSONBOID, KP_ENC_JSONB},
	/* their output functions copy the string out unchanged */
	{TEXTOID, KP_ENC_TEXT},
	{VARCHAROID, KP_ENC_TEXT},
	{BPCHAROID, KP_ENC_TEXT},
};

static void
classify_column(KpColEnc *col, Form_pg_attribute att, MemoryContext cxt)
{
	Oid			typid = getBaseType(att->atttypid);
	Oid			elem = get_element_type(typid);
	Oid			fn;
	bool		varlena;
	int			i;

	col->typid = typid;
	col->exact = exact_number_type(OidIsValid(elem) ? elem : typid);
	col->kind = KP_ENC_STRING;
	for (i = 0; i < lengthof(builtin_classes); i++)
		if (builtin_classes[i].typid == typid)
			col->kind = builtin_classes[i].kind;
	if (col->kind == KP_ENC_STRING &&
		(OidIsValid(elem) || type_is_rowtype(typid) ||
		 (typid >= FirstNormalObjectId &&
		  find_coercion_pathway(JSONOID, typid, COERCION_EXPLICIT,
								&fn) == COERCION_PATH_FUNC &&
		  OidIsValid(fn))))
		col->kind = KP_ENC_TO_JSONB;
	if (col->kind == KP_ENC_TO_JSONB || col->kind == KP_ENC_JSON)
		to_jsonb_finfo(att->atttypid, &col->tojsonb, cxt);
	if (col->kind == KP_ENC_FLOAT || col->kind == KP_ENC_STRING)
	{
		getTypeOutputInfo(typid, &fn, &varlena);
		fmgr_info_cxt(fn, &col->out, cxt);
	}
}

/* jsonb's key order: shorter first, then bytewise (lengthCompareJsonbStringValue) */
static const KpColEnc *sort_cols;

static int
key_order_cmp(const void *a, const void *b)
{
	const KpColEnc *x = &sort_cols[*(const int *) a];
	const KpColEnc *y = &sort_cols[*(const int *) b];

	if (x->namelen != y->namelen)
		return x->namelen < y->namelen ? -1 : 1;
	return memcmp(x->name, y->name, x->namelen);
}

/*
 * Builds the entry of a row type's current descriptor.  It is built in a
 * context under the call's and moved under CacheMemoryContext only when
 * complete, so an error during the catalog lookups frees it with the call
 * instead of leaving an unreachable context in the cache.
 */
static KpRowEnc *
build_encoder(Oid rowtype, TypeCacheEntry *tce)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "keyset_connection encoders",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	KpRowEnc   *e = palloc0(sizeof(KpRowEnc));
	int			i;

	e->cxt = cxt;
	e->rowtype = rowtype;
	e->type_hash = GetSysCacheHashValue1(TYPEOID, ObjectIdGetDatum(rowtype));
	e->tupdesc_id = tce->tupDesc_identifier;
	e->desc = CreateTupleDescCopy(tce->tupDesc);
	e->cols = palloc0(sizeof(KpColEnc) * Max(e->desc->natts, 1));
	e->keyorder = palloc(sizeof(int) * Max(e->desc->natts, 1));
	for (i = 0; i < e->desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(e->desc, i);
		KpColEnc   *col;
		StringInfoData key;

		if (att->attisdropped)
			continue;
		col = &e->cols[e->ncols];
		col->attno = i;
		col->name = pstrdup(NameStr(att->attname));
		col->namelen = strlen(col->name);
		initStringInfo(&key);
		append_json_string(&key, col->name, col->namelen);
		appendStringInfoChar(&key, ':');
		col->jkey = key.data;
		col->jkeylen = key.len;
		classify_column(col, att, cxt);
		e->keyorder[e->ncols] = e->ncols;
		e->ncols++;
	}
	sort_cols = e->cols;
	qsort(e->keyorder, e->ncols, sizeof(int), key_order_cmp);
	sort_cols = NULL;
	{
		const char **names = palloc(sizeof(char *) * Max(e->ncols, 1));
		int		   *lens = palloc(sizeof(int) * Max(e->ncols, 1));

		for (i = 0; i < e->ncols; i++)
		{
			names[i] = e->cols[e->keyorder[i]].name;
			lens[i] = e->cols[e->keyorder[i]].namelen;
		}
		kp_jbw_keys_prepare(&e->keys, names, lens, e->ncols);
		pfree(names);
		pfree(lens);
	}
	MemoryContextSwitchTo(old);
	MemoryContextSetParent(cxt, CacheMemoryContext);
	e->valid = true;
	return e;
}

/*
 * The encoder of a row type, pinned until the current memory context is
 * reset or deleted (the call's end, or its error).  An entry whose
 * descriptor identifier is not the type cache's current one (DDL on the
 * relation) is replaced.
 */
static KpRowEnc *
get_encoder(Oid rowtype)
{
	TypeCacheEntry *tce = lookup_type_cache(rowtype, TYPECACHE_TUPDESC);
	KpRowEnc   *e;
	KpRowEnc  **link;
	MemoryContextCallback *cb;

	/* a domain over the row type pages the row type (kp_rowtype_relid) */
	if (tce->tupDesc == NULL && tce->typtype == TYPTYPE_DOMAIN)
	{
		rowtype = getBaseType(rowtype);
		tce = lookup_type_cache(rowtype, TYPECACHE_TUPDESC);
	}
	if (tce->tupDesc == NULL)
		elog(ERROR, "type %u is not composite", rowtype);
	if (!callbacks_registered)
	{
		CacheRegisterSyscacheCallback(CASTSOURCETARGET, encoders_changed, (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, encoders_changed, (Datum) 0);
		callbacks_registered = true;
	}
	for (link = &row_encoders; *link != NULL; link = &(*link)->next)
	{
		e = *link;
		if (e->rowtype != rowtype || !e->valid)
			continue;
		if (e->tupdesc_id == tce->tupDesc_identifier)
			break;
		e->valid = false;
	}
	if (*link != NULL)
	{
		/* used now: to the front, so the list stays in order of use */
		e = *link;
		*link = e->next;
	}
	else
		e = build_encoder(rowtype, tce);
	e->next = row_encoders;
	row_encoders = e;
	/* e is first and counted as kept; pinned below before anything can run */
	free_stale_encoders();
	cb = palloc(sizeof(MemoryContextCallback));
	cb->func = unpin_encoder;
	cb->arg = e;
	e->pins++;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
	return e;
}

/*
 * The columns of row i, as the page holds them (by attnum - 1, dropped ones
 * NULL, laid out by the relation's descriptor when the page ran).  The
 * encoder's descriptor is looked up right after the page (get_encoder); a
 * page that does not fit it is a can't-happen error, never a misread.
 */
static void
row_columns(KpRowEnc *e, const KpPage *page, int i, Datum **values, bool **nulls)
{
	if (page->rowtype != e->rowtype || page->natts != e->desc->natts)
		elog(ERROR, "keyset_connection: row of type %u does not match its descriptor",
			 page->rowtype);
	*values = page->rows[i].values;
	*nulls = page->rows[i].nulls;
}

/* to_jsonb of one value through the column's prepared call */
static Jsonb *
value_to_jsonb(KpColEnc *col, Datum value)
{
	return DatumGetJsonbP(FunctionCall1(&col->tojsonb, value));
}

static void
set_string(JsonbValue *v, char *s)
{
	v->type = jbvString;
	v->val.string.val = s;
	v->val.string.len = strlen(s);
}

/* A numeric as a JSON string of numeric_out's text (exact digits and scale) */
static void
set_numeric_string(JsonbValue *v, Numeric n)
{
	set_string(v, DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n))));
}

/* An integer column's value, whatever its width */
static int64
int_value(const KpColEnc *col, Datum value)
{
	if (col->kind == KP_ENC_INT2)
		return DatumGetInt16(value);
	if (col->kind == KP_ENC_INT4)
		return DatumGetInt32(value);
	return DatumGetInt64(value);
}

/*
 * A jsonb container as a JsonbValue tree that JsonbValueToJsonb takes (it
 * does not take jbvBinary inside a tree), numbers as strings when exact.
 */
static void
container_to_value(JsonbContainer *c, bool exact, JsonbValue *out)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbParseState *st = NULL;
	JsonbValue	v;
	JsonbValue *res = NULL;

	if (JsonbExtractScalar(c, out))
	{
		if (exact && out->type == jbvNumeric)
			set_numeric_string(out, out->val.numeric);
		return;
	}
	it = JsonbIteratorInit(c);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (exact && v.type == jbvNumeric &&
			(tok == WJB_VALUE || tok == WJB_ELEM))
			set_numeric_string(&v, v.val.numeric);
		res = pushJsonbValue(&st, tok, tok < WJB_BEGIN_ARRAY ? &v : NULL);
	}
	*out = *res;
}

/* Whether a number's output text is not a JSON number (NaN, Infinity) */
static bool
not_a_json_number(const char *s)
{
	return strchr(s, 'N') != NULL || strchr(s, 'n') != NULL;
}

/*
 * A date, timestamp or timestamptz as to_jsonb writes it (JsonEncodeDateTime
 * in XSD style).  Half of that cost for a timestamptz is pg_localtime
 * finding the session time zone's offset at that instant; when the zone has
 * one offset for all time (UTC, Etc/GMT-5, a numeric zone), the local time
 * is the value shifted by that offset, which timestamp2tm turns into fields
 * without a zone, and the text is PostgreSQL's own EncodeDateTime.  Other
 * zones, infinities, dates, timestamps without time zone and whatever
 * timestamp2tm refuses take JsonEncodeDateTime.  The zone's offset is read
 * once per zone (a pg_tz is never changed; SET TIME ZONE points
 * session_timezone at another).
 */
static void
encode_datetime(char *s, Datum value, Oid typid)
{
	static const pg_tz *zone = NULL;
	static bool zone_fixed = false;
	static long int zone_offset = 0;

	if (typid == TIMESTAMPTZOID && session_timezone != NULL)
	{
		TimestampTz t = DatumGetTimestampTz(value);
		struct pg_tm tm;
		fsec_t		fsec;

		if (session_timezone != zone)
		{
			zone_fixed = pg_get_timezone_offset(session_timezone, &zone_offset);
			zone = session_timezone;
		}
		if (zone_fixed && !TIMESTAMP_NOT_FINITE(t) &&
			timestamp2tm(t + zone_offset * USECS_PER_SEC, NULL, &tm, &fsec,
						 NULL, NULL) == 0)
		{
			/* a zone's time, not one without (which EncodeDateTime omits) */
			tm.tm_isdst = 0;
			EncodeDateTime(&tm, fsec, true, (int) -zone_offset, NULL,
						   USE_XSD_DATES, s);
			return;
		}
	}
	JsonEncodeDateTime(s, value, typid, NULL);
}

/*
 * One non-null value written into the node c, what to_jsonb puts under its
 * key; exact: the call's json_numbers => 'string'.  Values PostgreSQL's own
 * conversion makes (to_jsonb, jsonb columns) are embedded as it made them.
 */
static void
encode_jsonb(KpColEnc *col, Datum value, StringInfo buf, KpJbwContainer *c,
			 bool exact)
{
	exact = exact && col->exact;
	switch (col->kind)
	{
		case KP_ENC_BOOL:
			kp_jbw_bool(buf, c, DatumGetBool(value));
			return;
		case KP_ENC_INT2:
		case KP_ENC_INT4:
		case KP_ENC_INT8:
			{
				int64		i = int_value(col, value);

				if (exact)
				{
					char		digits[MAXINT8LEN + 1];

					kp_jbw_string(buf, c, digits, pg_lltoa(i, digits));
				}
				else
					kp_jbw_int(buf, c, i);
				return;
			}
		case KP_ENC_FLOAT:
			{
				char	   *s = OutputFunctionCall(&col->out, value);

				if (not_a_json_number(s))
					kp_jbw_string(buf, c, s, strlen(s));
				else
					kp_jbw_numeric(buf, c, DirectFunctionCall3(numeric_in,
															   CStringGetDatum(s),
															   ObjectIdGetDatum(InvalidOid),
															   Int32GetDatum(-1)));
				return;
			}
		case KP_ENC_NUMERIC:
			if (exact || kp_jbw_numeric_is_special(value))
			{
				char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, value));

				kp_jbw_string(buf, c, s, strlen(s));
			}
			else
				kp_jbw_numeric(buf, c, value);
			return;
		case KP_ENC_DATETIME:
			{
				char		s[MAXDATELEN + 1];

				encode_datetime(s, value, col->typid);
				kp_jbw_string(buf, c, s, strlen(s));
				return;
			}
		case KP_ENC_TEXT:
			{
				text	   *t = DatumGetTextPP(value);

				kp_jbw_string(buf, c, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
				return;
			}
		case KP_ENC_STRING:
			{
				char	   *s = OutputFunctionCall(&col->out, value);

				kp_jbw_string(buf, c, s, strlen(s));
				return;
			}
		case KP_ENC_JSONB:
			kp_jbw_jsonb(buf, c, DatumGetJsonbP(value));
			return;
		case KP_ENC_JSON:
		case KP_ENC_TO_JSONB:
			{
				Jsonb	   *j = value_to_jsonb(col, value);

				if (exact)
				{
					JsonbValue	v;

					container_to_value(&j->root, true, &v);
					j = JsonbValueToJsonb(&v);
				}
				kp_jbw_jsonb(buf, c, j);
				return;
			}
	}
	elog(ERROR, "unknown column class %d", (int) col->kind);
}

/* One non-null value as JSON text, appended; exact as for encode_jsonb */
static void
encode_text(KpColEnc *col, Datum value, StringInfo buf, bool exact)
{
	exact = exact && col->exact;
	switch (col->kind)
	{
		case KP_ENC_BOOL:
			if (DatumGetBool(value))
				appendBinaryStringInfo(buf, "true", 4);
			else
				appendBinaryStringInfo(buf, "false", 5);
			return;
		case KP_ENC_INT2:
		case KP_ENC_INT4:
		case KP_ENC_INT8:
			{
				int64		i = int_value(col, value);
				char		digits[MAXINT8LEN + 3];
				int			len;

				if (exact)
				{
					digits[0] = '"';
					len = pg_lltoa(i, digits + 1) + 1;
					digits[len++] = '"';
				}
				else
					len = pg_lltoa(i, digits);
				appendBinaryStringInfo(buf, digits, len);
				return;
			}
		case KP_ENC_FLOAT:
			{
				char	   *s = OutputFunctionCall(&col->out, value);

				if (not_a_json_number(s))
					append_json_string(buf, s, strlen(s));
				else
					appendStringInfoString(buf, s);
				return;
			}
		case KP_ENC_NUMERIC:
			{
				Numeric		n = DatumGetNumeric(value);
				char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
																	NumericGetDatum(n)));

				if (exact || numeric_is_nan(n) || numeric_is_inf(n))
					append_json_string(buf, s, strlen(s));
				else
					appendStringInfoString(buf, s);
				return;
			}
		case KP_ENC_DATETIME:
			{
				char		s[MAXDATELEN + 1];

				encode_datetime(s, value, col->typid);
				append_json_string(buf, s, strlen(s));
				return;
			}
		case KP_ENC_TEXT:
			{
				text	   *t = DatumGetTextPP(value);

				append_json_string(buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
				return;
			}
		case KP_ENC_STRING:
			{
				char	   *s = OutputFunctionCall(&col->out, value);

				append_json_string(buf, s, strlen(s));
				return;
			}
		case KP_ENC_JSON:
			{
				text	   *t = DatumGetTextPP(value);

				appendBinaryStringInfo(buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
				return;
			}
		case KP_ENC_JSONB:
			{
				Jsonb	   *j = DatumGetJsonbP(value);

				JsonbToCString(buf, &j->root, VARSIZE(j));
				return;
			}
		case KP_ENC_TO_JSONB:
			{
				Jsonb	   *j = value_to_jsonb(col, value);

				if (exact)
				{
					JsonbValue	v;

					container_to_value(&j->root, true, &v);
					j = JsonbValueToJsonb(&v);
				}
				JsonbToCString(buf, &j->root, VARSIZE(j));
				return;
			}
	}
	elog(ERROR, "unknown column class %d", (int) col->kind);
}

/*
 * A connection's text is usually more than 8 kB, so printtup's output buffer
 * and jsonb_out's string are malloc'd blocks of their own, freed at the end
 * of every call.  With glibc's default thresholds that free gives the heap's
 * top back to the kernel (brk) and the next call takes it again: two
 * syscalls and a TLB shootdown on every CPU per call, which kept
 * keyset_connection from scaling with clients.  glibc raises its trim
 * threshold to twice the size of an mmap'd block when it frees one
 * (mallopt(3), M_MMAP_THRESHOLD), so freeing one 1 MB block once per backend
 * lets the heap keep up to 2 MB of free top, as it does in any backend that
 * once sorted in memory.  mallopt() itself would turn that dynamic
 * adjustment off for the whole backend; this keeps it.
 */
static void
keep_heap_top(void)
{
#ifdef __GLIBC__
	static bool done = false;

	/*
	 * volatile: GCC 14 and later delete a malloc whose block is only freed
	 * (the 17/18 builds from trixie and sid had no malloc call left)
	 */
	void	   *volatile block;

	if (done)
		return;
	done = true;
	block = malloc(1024 * 1024);
	if (block != NULL)
	{
		/* touch nothing: the block is mmap'd and only its free matters */
		free(block);
	}
#endif
}

static void
put_cursor(StringInfo buf, KpJbwContainer *c, text *cursor)
{
	if (cursor == NULL)
		kp_jbw_null(buf, c);
	else
		kp_jbw_string(buf, c, VARDATA_ANY(cursor), VARSIZE_ANY_EXHDR(cursor));
}

/*
 * The jsonb document, written directly in its binary form (jsonbw.c), every
 * object's keys in jsonb's order (length, then bytes): the nodes' by the
 * order sorted once per row type, the rest fixed here.  No JsonbValue tree,
 * parse state or key sort.  The document is built in the caller's context;
 * the values' working memory is in tmp, reset after every row.
 */
static Jsonb *
connection_jsonb(KpRowEnc *e, KpPage *page, int64 estimate, bool exact,
				 MemoryContext tmp)
{
	StringInfoData buf;
	KpJbwContainer top;
	KpJbwContainer edges;
	KpJbwContainer info;
	/* node (4), cursor (6) */
	static const char *const edge_names[] = {"node", "cursor"};
	static const int edge_lens[] = {4, 6};
	KpJbwKeys	edge_keys;
	Datum	   *values;
	bool	   *nulls;
	Jsonb	   *res;
	int			i;
	int			k;

	kp_jbw_keys_prepare(&edge_keys, edge_names, edge_lens, 2);
	kp_jbw_init(&buf, e->doc_bytes);
	/* edges (5), pageInfo (8), estimatedTotalCount (19) */
	kp_jbw_begin(&buf, &top, true, 3);
	kp_jbw_key(&buf, &top, "edges");
	kp_jbw_key(&buf, &top, "pageInfo");
	kp_jbw_key(&buf, &top, "estimatedTotalCount");
	kp_jbw_begin(&buf, &edges, false, page->nrows);
	for (i = 0; i < page->nrows; i++)
	{
		KpJbwContainer edge;
		KpJbwContainer node;
		MemoryContext old;

		kp_jbw_begin(&buf, &edge, true, 2);
		kp_jbw_keys(&buf, &edge, &edge_keys);
		row_columns(e, page, i, &values, &nulls);
		kp_jbw_begin(&buf, &node, true, e->ncols);
		kp_jbw_keys(&buf, &node, &e->keys);
		/* the values' garbage in tmp, the document (may grow) in buf's */
		old = MemoryContextSwitchTo(tmp);
		for (k = 0; k < e->ncols; k++)
		{
			KpColEnc   *col = &e->cols[e->keyorder[k]];

			if (nulls[col->attno])
				kp_jbw_null(&buf, &node);
			else
				encode_jsonb(col, values[col->attno], &buf, &node, exact);
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(tmp);
		kp_jbw_end(&buf, &edge, &node);
		put_cursor(&buf, &edge, page->cursors[i]);
		kp_jbw_end(&buf, &edges, &edge);
	}
	kp_jbw_end(&buf, &top, &edges);
	/* endCursor (9), hasNextPage (11), startCursor (11), hasPreviousPage (15) */
	kp_jbw_begin(&buf, &info, true, 4);
	kp_jbw_key(&buf, &info, "endCursor");
	kp_jbw_key(&buf, &info, "hasNextPage");
	kp_jbw_key(&buf, &info, "startCursor");
	kp_jbw_key(&buf, &info, "hasPreviousPage");
	put_cursor(&buf, &info, page->nrows > 0 ? page->cursors[page->nrows - 1] : NULL);
	kp_jbw_bool(&buf, &info, page->has_next);
	put_cursor(&buf, &info, page->nrows > 0 ? page->cursors[0] : NULL);
	kp_jbw_bool(&buf, &info, page->has_previous);
	kp_jbw_end(&buf, &top, &info);
	kp_jbw_int(&buf, &top, estimate);
	kp_jbw_end(&buf, NULL, &top);
	res = kp_jbw_finish(&buf);
	/* the next page's buffer at once (pages of one row type are alike) */
	e->doc_bytes = VARSIZE(res) + VARSIZE(res) / 8;
	return res;
}

static void
append_cursor(StringInfo buf, text *cursor)
{
	if (cursor == NULL)
		appendBinaryStringInfo(buf, "null", 4);
	else
		append_json_string(buf, VARDATA_ANY(cursor), VARSIZE_ANY_EXHDR(cursor));
}

/*
 * The json document as text in one pass, keys in Relay's order and the
 * nodes' in column order.  The text is built in place of the result (its
 * varlena header reserved at the front); the values' working memory is in
 * tmp, reset after every row.
 */
static text *
connection_text(KpRowEnc *e, KpPage *page, int64 estimate, bool exact,
				MemoryContext tmp)
{
	StringInfoData buf;
	Datum	   *values;
	bool	   *nulls;
	char		digits[MAXINT8LEN + 1];
	int			i;
	int			k;

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, "\0\0\0\0", VARHDRSZ);
	appendStringInfoString(&buf, "{\"edges\":[");
	for (i = 0; i < page->nrows; i++)
	{
		if (i > 0)
			appendStringInfoCharMacro(&buf, ',');
		appendStringInfoString(&buf, "{\"cursor\":");
		append_cursor(&buf, page->cursors[i]);
		appendStringInfoString(&buf, ",\"node\":");
		row_columns(e, page, i, &values, &nulls);
		appendStringInfoCharMacro(&buf, '{');
		for (k = 0; k < e->ncols; k++)
		{
			KpColEnc   *col = &e->cols[k];
			MemoryContext old;

			if (k > 0)
				appendStringInfoCharMacro(&buf, ',');
			appendBinaryStringInfo(&buf, col->jkey, col->jkeylen);
			if (nulls[col->attno])
			{
				appendBinaryStringInfo(&buf, "null", 4);
				continue;
			}
			/* the value's garbage in tmp, the text (may grow) in buf's */
			old = MemoryContextSwitchTo(tmp);
			encode_text(col, values[col->attno], &buf, exact);
			MemoryContextSwitchTo(old);
		}
		appendStringInfoString(&buf, "}}");
		MemoryContextReset(tmp);
	}
	appendStringInfoString(&buf, "],\"pageInfo\":{\"hasPreviousPage\":");
	appendStringInfoString(&buf, page->has_previous ? "true" : "false");
	appendStringInfoString(&buf, ",\"hasNextPage\":");
	appendStringInfoString(&buf, page->has_next ? "true" : "false");
	appendStringInfoString(&buf, ",\"startCursor\":");
	append_cursor(&buf, page->nrows > 0 ? page->cursors[0] : NULL);
	appendStringInfoString(&buf, ",\"endCursor\":");
	append_cursor(&buf, page->nrows > 0 ? page->cursors[page->nrows - 1] : NULL);
	appendStringInfoString(&buf, "},\"estimatedTotalCount\":");
	appendBinaryStringInfo(&buf, digits, pg_lltoa(estimate, digits));
	appendStringInfoCharMacro(&buf, '}');
	SET_VARSIZE(buf.data, buf.len);
	return (text *) buf.data;
}

/*
 * keyset_connection and keyset_connection_json after their arguments: the
 * page, the estimate, and the document.
 */
Datum
kp_connection(const KpPageArgs *a, bool exact_numbers, bool as_text)
{
	KpPage		page;
	KpRowEnc   *e;
	int64		estimate;
	MemoryContext call = CurrentMemoryContext;
	MemoryContext tmp;
	Datum		res;

	keep_heap_top();
	kp_page_run(a, &page, false, false);
	/* the descriptor the rows were formed with, before anything else runs */
	e = get_encoder(a->rowtype);
	estimate = kp_count_estimate(kp_rowtype_relid(a->rowtype, a->fname), a->filter, a->args);
	tmp = AllocSetContextCreate(call, "keyset_connection document",
								ALLOCSET_DEFAULT_SIZES);

	if (as_text)
		res = PointerGetDatum(connection_text(e, &page, estimate, exact_numbers, tmp));
	else
		res = PointerGetDatum(connection_jsonb(e, &page, estimate, exact_numbers, tmp));
	MemoryContextDelete(tmp);
	return res;
}
