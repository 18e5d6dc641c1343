/*
 * page_funcs.c
 *	  SQL-callable page functions: keyset_page, keyset_connection(_json),
 *	  keyset_explain, keyset_check, keyset_count_estimate,
 *	  keyset_offset_page.  Argument handling only; the work is in page.c
 *	  (pages), connection.c (the Relay documents) and offset.c (estimates,
 *	  numbered pages, duplicate counts).
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include <stdlib.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "compat.h"
#include "connection.h"
#include "keyset_pagination.h"
#include "page.h"

PG_FUNCTION_INFO_V1(keyset_page);
PG_FUNCTION_INFO_V1(keyset_connection);
PG_FUNCTION_INFO_V1(keyset_connection_json);
PG_FUNCTION_INFO_V1(keyset_explain);
PG_FUNCTION_INFO_V1(keyset_check);
PG_FUNCTION_INFO_V1(keyset_count_estimate);
PG_FUNCTION_INFO_V1(keyset_offset_page);

/* Optional text argument as a C string (NULL when SQL NULL) */
static char *
opt_cstring(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * A page size argument: at least min (first and last may ask for no rows,
 * page_size may not), at most keyset_pagination.max_page_size.  The one
 * place the limit is enforced, with one message for every function.
 */
static void
check_page_size(const char *fname, const char *name, int32 v, int32 min)
{
	if (v < min && min == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must not be negative", fname, name)));
	if (v < min)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must be at least %d", fname, name, min)));
	if (v > kp_max_page_size)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s is %d, over keyset_pagination.max_page_size (%d)",
						fname, name, v, kp_max_page_size),
				 errhint("Ask for a smaller page, or raise keyset_pagination.max_page_size.")));
}

/*
 * The shared argument list: (rowtype, order_by, first, after, last,
 * before, filter, args), from the call's values.  The one place they are
 * read and checked, for the function (page_args) and the planner path
 * (scan.c), so both raise the same errors.
 */
void
kp_page_args(KpPageArgs *a, const char *fname, Oid rowtype,
			 const Datum *values, const bool *nulls)
{
	memset(a, 0, sizeof(*a));
	a->fname = fname;
	a->rowtype = rowtype;
	a->order_by = nulls[1] ? NULL : TextDatumGetCString(values[1]);
	a->first = nulls[2] ? -1 : DatumGetInt32(values[2]);
	a->after = nulls[3] ? NULL : DatumGetTextPP(values[3]);
	a->last = nulls[4] ? -1 : DatumGetInt32(values[4]);
	a->before = nulls[5] ? NULL : DatumGetTextPP(values[5]);
	a->filter = nulls[6] ? NULL : TextDatumGetCString(values[6]);
	a->args = nulls[7] ? NULL : DatumGetArrayTypeP(values[7]);
	if (!nulls[2])
		check_page_size(fname, "first", a->first, 0);
	if (!nulls[4])
		check_page_size(fname, "last", a->last, 0);
}

/* The same, from a call of one of the SQL functions */
static void
page_args(FunctionCallInfo fcinfo, KpPageArgs *a, const char *fname)
{
	Datum		values[KP_PAGE_NARGS];
	bool		nulls[KP_PAGE_NARGS];
	int			i;

	for (i = 0; i < KP_PAGE_NARGS; i++)
	{
		values[i] = PG_GETARG_DATUM(i);
		nulls[i] = PG_ARGISNULL(i);
	}
	kp_page_args(a, fname, get_fn_expr_argtype(fcinfo->flinfo, 0), values, nulls);
}

/*
 * keyset_page(rowtype, order_by, first, after, last, before, filter, args)
 * RETURNS TABLE(node anyelement, cursor text, has_previous_page boolean,
 *               has_next_page boolean)
 */
Datum
keyset_page(PG_FUNCTION_ARGS)
{
	KpPageArgs	a;
	KpPage		page;
	TupleDesc	desc;
	TupleDesc	rowdesc = NULL;
	Tuplestorestate *ts;
	int			i;

	page_args(fcinfo, &a, "keyset_page");
	kp_page_run(&a, &page, false, false);
	ts = kp_materialize_srf(fcinfo, &desc);
	/* each node formed from the row's columns (the seek returns columns) */
	if (page.nrows > 0)
		rowdesc = lookup_rowtype_tupdesc(page.rowtype, -1);
	for (i = 0; i < page.nrows; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = kp_page_node(&page, i, rowdesc);
		values[1] = PointerGetDatum(page.cursors[i]);
		values[2] = BoolGetDatum(page.has_previous);
		values[3] = BoolGetDatum(page.has_next);
		tuplestore_putvalues(ts, desc, values, nulls);
	}
	if (rowdesc)
		ReleaseTupleDesc(rowdesc);
	return (Datum) 0;
}

/*
 * The json_numbers argument (0.2.0; absent under the 0.1.0 signature, which
 * the same library serves): false for 'number' (to_jsonb's numbers, the
 * 0.1.0 shape and the default), true for 'string'.
 */
static bool
json_numbers_as_strings(FunctionCallInfo fcinfo, int argno, const char *fname)
{
	char	   *mode;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return false;
	mode = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(mode, "number") == 0)
		return false;
	if (strcmp(mode, "string") == 0)
		return true;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: json_numbers must be 'number' or 'string'", fname),
			 errdetail("'string' emits bigint and numeric columns as JSON strings, which JavaScript reads exactly.")));
	return false;				/* keep compiler quiet */
}

/* The arguments of keyset_connection and keyset_connection_json */
static Datum
connection_call(FunctionCallInfo fcinfo, const char *fname, bool as_text)
{
	KpPageArgs	a;
	bool		as_strings = json_numbers_as_strings(fcinfo, 8, fname);

	page_args(fcinfo, &a, fname);
	return kp_connection(&a, as_strings, as_text);
}

/*
 * keyset_connection(...same..., json_numbers text DEFAULT 'number') RETURNS
 * jsonb: a Relay connection, each node what to_jsonb gives for the row
 * (connection.c builds it).
 */
Datum
keyset_connection(PG_FUNCTION_ARGS)
{
	return connection_call(fcinfo, "keyset_connection", false);
}

/*
 * keyset_connection_json(...same...) RETURNS json: the same connection as
 * JSON text built in one pass, keys in Relay's order (0.2.0).
 */
Datum
keyset_connection_json(PG_FUNCTION_ARGS)
{
	return connection_call(fcinfo, "keyset_connection_json", true);
}

/*
 * keyset_explain(...same..., analyze boolean DEFAULT false) RETURNS SETOF
 * text: the plan of every seek the call runs, as the plan cache holds it.
 */
Datum
keyset_explain(PG_FUNCTION_ARGS)
{
	KpPageArgs	a;
	KpPage		page;
	TupleDesc	desc;
	Tuplestorestate *ts;
	bool		analyze = !PG_ARGISNULL(8) && PG_GETARG_BOOL(8);
	ListCell   *lc;

	page_args(fcinfo, &a, "keyset_explain");
	kp_page_run(&a, &page, true, analyze);
	ts = kp_materialize_srf(fcinfo, &desc);
	foreach(lc, page.explain)
	{
		Datum		v = CStringGetTextDatum((char *) lfirst(lc));
		bool		n = false;

		tuplestore_putvalues(ts, desc, &v, &n);
	}
	return (Datum) 0;
}

/*
 * keyset_check(rowtype, order_by[, verify]) RETURNS TABLE(sort_key text,
 * tiebreaker text, is_unique boolean, unique_by text, index text,
 * create_index text[, advice text, duplicates bigint]): the advisor.  The
 * 0.1.0 signature has neither verify nor the last two columns; one library
 * serves both.
 */
Datum
keyset_check(PG_FUNCTION_ARGS)
{
	Oid			relid = kp_rowtype_relid(get_fn_expr_argtype(fcinfo->flinfo, 0), "keyset_check");
	char	   *order_by = opt_cstring(fcinfo, 1);
	bool		verify = PG_NARGS() > 2 && !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	KpSortSpec *spec;
	TupleDesc	desc;
	Tuplestorestate *ts;
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, true, true, true};
	StringInfoData tb;
	char	   *index;
	char	   *ddl;
	int			i;

	/* held to the end: the sort key and the duplicate count read it */
	LockRelationOid(relid, AccessShareLock);
	spec = kp_sortspec_build(relid, order_by, false);
	index = kp_sortspec_find_index(spec);
	ts = kp_materialize_srf(fcinfo, &desc);
	initStringInfo(&tb);
	for (i = spec->nuser; i < spec->ncols; i++)
		appendStringInfo(&tb, "%s%s", i > spec->nuser ? ", " : "",
						 quote_identifier(spec->cols[i].attname));
	values[0] = CStringGetTextDatum(spec->canonical);
	values[1] = CStringGetTextDatum(tb.data);
	nulls[1] = tb.len == 0;
	values[2] = BoolGetDatum(spec->unique);
	nulls[3] = spec->proof == NULL;
	if (spec->proof)
		values[3] = CStringGetTextDatum(spec->proof);
	nulls[4] = index == NULL;
	if (index)
		values[4] = CStringGetTextDatum(index);
	ddl = index ? NULL : kp_sortspec_index_ddl(spec);
	nulls[5] = ddl == NULL;
	if (ddl)
		values[5] = CStringGetTextDatum(ddl);
	if (desc->natts >= 8)
	{
		nulls[6] = spec->advice == NULL;
		if (spec->advice)
			values[6] = CStringGetTextDatum(spec->advice);
		nulls[7] = !verify;
		if (verify)
			values[7] = Int64GetDatum(kp_count_duplicates(spec));
	}
	tuplestore_putvalues(ts, desc, values, nulls);
	return (Datum) 0;
}

/*
 * keyset_count_estimate(rowtype, filter, args) RETURNS bigint: the
 * planner's estimate, never a scan.
 */
Datum
keyset_count_estimate(PG_FUNCTION_ARGS)
{
	Oid			relid = kp_rowtype_relid(get_fn_expr_argtype(fcinfo->flinfo, 0),
										 "keyset_count_estimate");

	PG_RETURN_INT64(kp_count_estimate(relid, opt_cstring(fcinfo, 1),
									  PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2)));
}

/*
 * keyset_offset_page(rowtype, order_by, page, page_size, filter, args)
 * RETURNS TABLE(node anyelement, page integer, page_count bigint,
 *               total_count bigint): numbered pages for bounded tables,
 * with the same sort key, tiebreaker and filter handling as keyset_page.
 */
Datum
keyset_offset_page(PG_FUNCTION_ARGS)
{
	Oid			relid = kp_rowtype_relid(get_fn_expr_argtype(fcinfo->flinfo, 0),
										 "keyset_offset_page");
	char	   *order_by = opt_cstring(fcinfo, 1);
	char	   *filter = opt_cstring(fcinfo, 4);
	ArrayType  *args = PG_ARGISNULL(5) ? NULL : PG_GETARG_ARRAYTYPE_P(5);
	int32		pageno;
	int32		size;
	int64		offset;
	int64		total;
	Datum	   *nodes;
	TupleDesc	desc;
	Tuplestorestate *ts;
	int			n;
	int			i;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("keyset_offset_page: page and page_size are required")));
	pageno = PG_GETARG_INT32(2);
	size = PG_GETARG_INT32(3);
	if (pageno < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keyset_offset_page: page must be at least 1"),
				 errdetail("Pages are numbered from 1.")));
	check_page_size("keyset_offset_page", "page_size", size, 1);
	offset = (int64) (pageno - 1) * size;
	if (offset > kp_max_offset)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("keyset_offset_page: page %d skips " INT64_FORMAT " rows, over keyset_pagination.max_offset (%d)",
						pageno, offset, kp_max_offset),
				 errdetail("An offset reads and discards every skipped row."),
				 errhint("Page deep into large tables with keyset_page, which seeks instead of skipping.")));

	nodes = palloc(sizeof(Datum) * size);
	n = kp_offset_page(relid, order_by, filter, args, offset, size, nodes, &total);
	ts = kp_materialize_srf(fcinfo, &desc);
	for (i = 0; i < n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = nodes[i];
		nulls[0] = nodes[i] == (Datum) 0;
		values[1] = Int32GetDatum(pageno);
		values[2] = Int64GetDatum((total + size - 1) / size);
		values[3] = Int64GetDatum(total);
		tuplestore_putvalues(ts, desc, values, nulls);
	}
	return (Datum) 0;
}
