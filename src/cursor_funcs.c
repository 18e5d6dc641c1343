/*
 * cursor_funcs.c
 *	  SQL-callable cursor functions: keyset_cursor_encode, _decode, _verify.
 *
 * These use the user context domain; keyset_page mints and reads its own
 * cursors through the same codec in the page domain.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "codec.h"
#include "keyset_pagination.h"

PG_FUNCTION_INFO_V1(keyset_cursor_encode);
PG_FUNCTION_INFO_V1(keyset_cursor_decode);
PG_FUNCTION_INFO_V1(keyset_cursor_verify);

/*
 * Per-call-site cache in fn_extra: the row type's I/O functions and the
 * last context's digest, so a loop over many rows does the catalog work and
 * the context hashing once.
 */
typedef struct CursorFnCache
{
	Oid			tuptype;
	int			natts;			/* live (non-dropped) attributes */
	int		   *attnums;		/* 0-based indexes of the live attributes */
	KpTypeIO   *io;
	int32	   *typmods;
	bool		ctx_valid;
	bool		ctx_isnull;
	text	   *ctx_text;
	KpContext	ctx;
} CursorFnCache;

static CursorFnCache *
get_cache(FunctionCallInfo fcinfo)
{
	CursorFnCache *c = (CursorFnCache *) fcinfo->flinfo->fn_extra;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CursorFnCache));
		c->tuptype = InvalidOid;
		fcinfo->flinfo->fn_extra = c;
	}
	return c;
}

/* (Re)builds the per-type I/O when the row type differs from last call's */
static void
cache_rowtype(FunctionCallInfo fcinfo, CursorFnCache *c, TupleDesc tupdesc,
			  bool for_send)
{
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	int			i,
				n = 0;

	if (c->io != NULL && c->tuptype == tupdesc->tdtypeid)
	{
		bool		same = true;

		/* anonymous records share RECORDOID: compare the live columns */
		for (i = 0; i < tupdesc->natts && same; i++)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, i);

			if (att->attisdropped)
				continue;
			if (n >= c->natts || c->attnums[n] != i ||
				c->io[n].typid != att->atttypid ||
				c->typmods[n] != att->atttypmod ||
				(for_send ? !c->io[n].have_send : !c->io[n].have_recv))
				same = false;
			n++;
		}
		if (same && n == c->natts)
			return;
		n = 0;
	}
	if (c->io)
	{
		pfree(c->io);
		pfree(c->attnums);
		pfree(c->typmods);
	}
	c->io = MemoryContextAllocZero(mcxt, sizeof(KpTypeIO) * Max(tupdesc->natts, 1));
	c->attnums = MemoryContextAlloc(mcxt, sizeof(int) * Max(tupdesc->natts, 1));
	c->typmods = MemoryContextAlloc(mcxt, sizeof(int32) * Max(tupdesc->natts, 1));
	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (att->attisdropped)
			continue;
		kp_typeio_init(&c->io[n], att->atttypid, for_send, !for_send, mcxt);
		c->attnums[n] = i;
		c->typmods[n] = att->atttypmod;
		n++;
	}
	c->natts = n;
	c->tuptype = tupdesc->tdtypeid;
}

/* The user-domain context digest for argument argno, cached by value */
static const KpContext *
user_context(FunctionCallInfo fcinfo, CursorFnCache *c, int argno)
{
	bool		isnull = PG_ARGISNULL(argno);
	text	   *t = isnull ? NULL : PG_GETARG_TEXT_PP(argno);

	if (c->ctx_valid && c->ctx_isnull == isnull &&
		(isnull ||
		 (VARSIZE_ANY_EXHDR(t) == VARSIZE_ANY_EXHDR(c->ctx_text) &&
		  memcmp(VARDATA_ANY(t), VARDATA_ANY(c->ctx_text), VARSIZE_ANY_EXHDR(t)) == 0)))
		return &c->ctx;

	if (c->ctx_text)
		pfree(c->ctx_text);
	c->ctx_text = NULL;
	c->ctx_isnull = isnull;
	if (!isnull)
	{
		c->ctx_text = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(t));
		memcpy(c->ctx_text, t, VARSIZE_ANY(t));
	}
	kp_context_init(&c->ctx, KP_DOMAIN_USER,
					isnull ? NULL : VARDATA_ANY(t),
					isnull ? 0 : VARSIZE_ANY_EXHDR(t), isnull);
	c->ctx_valid = true;
	return &c->ctx;
}

/*
 * keyset_cursor_encode(key record, context text DEFAULT NULL) RETURNS text
 */
Datum
keyset_cursor_encode(PG_FUNCTION_ARGS)
{
	CursorFnCache *c = get_cache(fcinfo);
	HeapTupleHeader rec;
	HeapTupleData tuple;
	TupleDesc	tupdesc;
	Datum	   *all_values;
	bool	   *all_nulls;
	Datum	   *values;
	bool	   *nulls;
	const KpContext *ctx;
	text	   *result;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	rec = PG_GETARG_HEAPTUPLEHEADER(0);
	tupdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(rec),
									 HeapTupleHeaderGetTypMod(rec));
	cache_rowtype(fcinfo, c, tupdesc, true);
	if (c->natts == 0)
	{
		ReleaseTupleDesc(tupdesc);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keyset_cursor_encode: key must have at least one member")));
	}

	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&(tuple.t_self));
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	all_values = palloc(sizeof(Datum) * tupdesc->natts);
	all_nulls = palloc(sizeof(bool) * tupdesc->natts);
	heap_deform_tuple(&tuple, tupdesc, all_values, all_nulls);
	ReleaseTupleDesc(tupdesc);

	values = palloc(sizeof(Datum) * c->natts);
	nulls = palloc(sizeof(bool) * c->natts);
	for (i = 0; i < c->natts; i++)
	{
		values[i] = all_values[c->attnums[i]];
		nulls[i] = all_nulls[c->attnums[i]];
	}
	ctx = user_context(fcinfo, c, 1);
	result = kp_cursor_mint(c->natts, c->io, values, nulls, ctx,
							GetCurrentTimestamp());
	PG_RETURN_TEXT_P(result);
}

/* Names a cursor member's type for an error message */
static char *
tag_type_name(uint32 tag)
{
	if (tag < FirstNormalObjectId)
		return format_type_extended((Oid) tag, -1, FORMAT_TYPE_ALLOW_INVALID);
	return pstrdup("a user-defined type");
}

/*
 * keyset_cursor_decode(cursor text, context text DEFAULT NULL) RETURNS record
 * typed by the caller's column definition list.
 */
Datum
keyset_cursor_decode(PG_FUNCTION_ARGS)
{
	CursorFnCache *c = get_cache(fcinfo);
	TupleDesc	tupdesc;
	text	   *cursor;
	KpCursor	cur;
	KpCursorStatus st;
	Datum	   *values;
	bool	   *nulls;
	Datum	   *all_values;
	bool	   *all_nulls;
	int			bad;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("keyset_cursor_decode must be called with a column definition list"),
				 errhint("Write SELECT * FROM keyset_cursor_decode($1) AS k(created_at timestamptz, id bigint).")));
	tupdesc = BlessTupleDesc(tupdesc);

	cursor = PG_GETARG_TEXT_PP(0);
	st = kp_cursor_open(VARDATA_ANY(cursor), VARSIZE_ANY_EXHDR(cursor),
						user_context(fcinfo, c, 1), &cur);
	if (st != KP_CURSOR_OK)
		kp_cursor_raise(st);

	cache_rowtype(fcinfo, c, tupdesc, false);
	if (cur.nvalues != c->natts)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cursor has %d members but the column definition list has %d",
						cur.nvalues, c->natts)));

	values = palloc(sizeof(Datum) * Max(c->natts, 1));
	nulls = palloc(sizeof(bool) * Max(c->natts, 1));
	bad = kp_cursor_receive(&cur, c->natts, c->io, c->typmods, values, nulls);
	if (bad >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cursor member %d has type %s, but the column definition list says %s",
						bad + 1, tag_type_name(cur.values[bad].tag),
						format_type_be(c->io[bad].typid))));

	all_values = palloc0(sizeof(Datum) * Max(tupdesc->natts, 1));
	all_nulls = palloc(sizeof(bool) * Max(tupdesc->natts, 1));
	for (i = 0; i < tupdesc->natts; i++)
		all_nulls[i] = true;
	for (i = 0; i < c->natts; i++)
	{
		all_values[c->attnums[i]] = values[i];
		all_nulls[c->attnums[i]] = nulls[i];
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, all_values, all_nulls)));
}

/*
 * keyset_cursor_verify(cursor text, context text DEFAULT NULL) RETURNS boolean
 * True only for a well-formed, authentic, unexpired cursor for that context;
 * false, never an error, for any bad cursor.
 */
Datum
keyset_cursor_verify(PG_FUNCTION_ARGS)
{
	CursorFnCache *c = get_cache(fcinfo);
	text	   *cursor;
	KpCursor	cur;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	cursor = PG_GETARG_TEXT_PP(0);
	PG_RETURN_BOOL(kp_cursor_open(VARDATA_ANY(cursor), VARSIZE_ANY_EXHDR(cursor),
								  user_context(fcinfo, c, 1), &cur) == KP_CURSOR_OK);
}
