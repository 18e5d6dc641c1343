/*
 * page_funcs.c
 *	  SQL-callable page functions: keyset_page, keyset_connection,
 *	  keyset_explain, keyset_check, keyset_count_estimate,
 *	  keyset_offset_page.  Argument handling only; the work is in page.c
 *	  (pages) and offset.c (estimates, numbered pages, duplicate counts).
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
#include "keyset_pagination.h"
#include "page.h"

PG_FUNCTION_INFO_V1(keyset_page);
PG_FUNCTION_INFO_V1(keyset_connection);
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
 * before, filter, args).
 */
static void
page_args(FunctionCallInfo fcinfo, KpPageArgs *a, const char *fname)
{
	memset(a, 0, sizeof(*a));
	a->fname = fname;
	a->rowtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	a->order_by = opt_cstring(fcinfo, 1);
	a->first = PG_ARGISNULL(2) ? -1 : PG_GETARG_INT32(2);
	a->after = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);
	a->last = PG_ARGISNULL(4) ? -1 : PG_GETARG_INT32(4);
	a->before = PG_ARGISNULL(5) ? NULL : PG_GETARG_TEXT_PP(5);
	a->filter = opt_cstring(fcinfo, 6);
	a->args = PG_ARGISNULL(7) ? NULL : PG_GETARG_ARRAYTYPE_P(7);
	if (!PG_ARGISNULL(2))
		check_page_size(fname, "first", a->first, 0);
	if (!PG_ARGISNULL(4))
		check_page_size(fname, "last", a->last, 0);
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
	Tuplestorestate *ts;
	int			i;

	page_args(fcinfo, &a, "keyset_page");
	kp_page_run(&a, &page, false, false);
	ts = kp_materialize_srf(fcinfo, &desc);
	for (i = 0; i < page.nrows; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = page.rows[i].node;
		nulls[0] = page.rows[i].node == (Datum) 0;
		values[1] = PointerGetDatum(page.cursors[i]);
		values[2] = BoolGetDatum(page.has_previous);
		values[3] = BoolGetDatum(page.has_next);
		tuplestore_putvalues(ts, desc, values, nulls);
	}
	return (Datum) 0;
}

/* Pushes a key, or a string value (NULL: a JSON null) */
static void
push_string(JsonbParseState **st, JsonbIteratorToken tok, const char *str, int len)
{
	JsonbValue	v;

	if (str == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) str;
		v.val.string.len = len;
	}
	pushJsonbValue(st, tok, &v);
}

static void
push_key(JsonbParseState **st, const char *key)
{
	push_string(st, WJB_KEY, key, strlen(key));
}

static void
push_cursor(JsonbParseState **st, text *cursor)
{
	if (cursor == NULL)
		push_string(st, WJB_VALUE, NULL, 0);
	else
		push_string(st, WJB_VALUE, VARDATA_ANY(cursor), VARSIZE_ANY_EXHDR(cursor));
}

static void
push_bool(JsonbParseState **st, bool b)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = b;
	pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * to_jsonb for the row type, callable from C: to_jsonb reads its argument's
 * type from the call expression, so the call gets one.
 */
static void
to_jsonb_finfo(Oid rowtype, FmgrInfo *f)
{
	FuncExpr   *call;

	fmgr_info(F_TO_JSONB, f);
	call = makeFuncExpr(F_TO_JSONB, JSONBOID,
						list_make1(makeNullConst(rowtype, -1, InvalidOid)),
						InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	fmgr_info_set_expr((Node *) call, f);
}

/*
 * to_jsonb of one row, with its working memory (the columns' output
 * strings, the intermediate JsonbValue tree) freed before the next row and
 * only the result copied out.  Left in the call's context, that garbage was
 * several times the document and a large page paid for fresh memory pages
 * on every call.
 */
static Jsonb *
row_to_jsonb(FmgrInfo *tojsonb, Datum row, MemoryContext tmp)
{
	MemoryContext old = MemoryContextSwitchTo(tmp);
	Jsonb	   *j = DatumGetJsonbP(FunctionCall1(tojsonb, row));
	Jsonb	   *copy;

	MemoryContextSwitchTo(old);
	copy = palloc(VARSIZE(j));
	memcpy(copy, j, VARSIZE(j));
	MemoryContextReset(tmp);
	return copy;
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
 * The names of the row's columns whose numbers json_numbers => 'string'
 * turns into strings: bigint, numeric, and arrays of them (at any depth; all
 * numbers inside such an array are of the element type).  Composite and
 * json/jsonb columns are left as to_jsonb renders them.
 */
static List *
exact_number_columns(Oid rowtype)
{
	TupleDesc	desc = lookup_rowtype_tupdesc(rowtype, -1);
	List	   *names = NIL;
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Oid			elem;

		if (att->attisdropped)
			continue;
		elem = get_element_type(getBaseType(att->atttypid));
		if (exact_number_type(OidIsValid(elem) ? elem : att->atttypid))
			names = lappend(names, pstrdup(NameStr(att->attname)));
	}
	ReleaseTupleDesc(desc);
	return names;
}

/*
 * Pushes a node (to_jsonb of the row) token by token, with every number
 * under one of the top-level keys in exact_cols as a JSON string of its
 * exact decimal text (numeric_out: the digits and scale to_jsonb kept).
 */
static void
push_node_exact(JsonbParseState **st, Jsonb *node, List *exact_cols)
{
	JsonbIterator *it = JsonbIteratorInit(&node->root);
	JsonbIteratorToken tok;
	JsonbValue	jv;
	int			depth = 0;
	bool		exact = false;

	while ((tok = JsonbIteratorNext(&it, &jv, false)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_OBJECT || tok == WJB_BEGIN_ARRAY)
			depth++;
		else if (tok == WJB_END_OBJECT || tok == WJB_END_ARRAY)
			depth--;
		else if (tok == WJB_KEY && depth == 1)
		{
			ListCell   *lc;

			exact = false;
			foreach(lc, exact_cols)
			{
				const char *name = lfirst(lc);

				if (strlen(name) == jv.val.string.len &&
					memcmp(name, jv.val.string.val, jv.val.string.len) == 0)
					exact = true;
			}
		}
		else if (exact && jv.type == jbvNumeric)
		{
			char	   *digits = DatumGetCString(DirectFunctionCall1(numeric_out,
																	 NumericGetDatum(jv.val.numeric)));

			jv.type = jbvString;
			jv.val.string.val = digits;
			jv.val.string.len = strlen(digits);
		}
		pushJsonbValue(st, tok, tok < WJB_BEGIN_ARRAY ? &jv : NULL);
	}
}

/*
 * The json_numbers argument (0.2.0; absent under the 0.1.0 signature, which
 * the same library serves): false for 'number' (to_jsonb's numbers, the
 * 0.1.0 shape and the default), true for 'string'.
 */
static bool
json_numbers_as_strings(FunctionCallInfo fcinfo, int argno)
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
			 errmsg("keyset_connection: json_numbers must be 'number' or 'string'"),
			 errdetail("'string' emits bigint and numeric columns as JSON strings, which JavaScript reads exactly.")));
	return false;				/* keep compiler quiet */
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
	void	   *block;

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

/*
 * keyset_connection(...same..., json_numbers text DEFAULT 'number') RETURNS
 * jsonb: a Relay connection, built as one jsonb value; each node is to_jsonb
 * of the row.  (Building it with SQL jsonb functions re-serialized every
 * node at each nesting level and cost several times the page itself.)
 */
Datum
keyset_connection(PG_FUNCTION_ARGS)
{
	KpPageArgs	a;
	KpPage		page;
	int64		estimate;
	FmgrInfo	tojsonb;
	JsonbParseState *st = NULL;
	JsonbValue	v;
	JsonbValue *res;
	bool		as_strings = json_numbers_as_strings(fcinfo, 8);
	MemoryContext tmp;
	List	   *exact_cols = NIL;
	int			i;

	keep_heap_top();
	page_args(fcinfo, &a, "keyset_connection");
	kp_page_run(&a, &page, false, false);
	if (as_strings)
		exact_cols = exact_number_columns(a.rowtype);
	estimate = kp_count_estimate(kp_rowtype_relid(a.rowtype, a.fname), a.filter, a.args);
	to_jsonb_finfo(a.rowtype, &tojsonb);
	tmp = AllocSetContextCreate(CurrentMemoryContext, "keyset_connection node",
								ALLOCSET_DEFAULT_SIZES);

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	push_key(&st, "edges");
	pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < page.nrows; i++)
	{
		pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		push_key(&st, "cursor");
		push_cursor(&st, page.cursors[i]);
		push_key(&st, "node");
		if (page.rows[i].node == (Datum) 0)
			push_string(&st, WJB_VALUE, NULL, 0);
		else
		{
			Jsonb	   *node = row_to_jsonb(&tojsonb, page.rows[i].node, tmp);

			if (exact_cols != NIL)
				push_node_exact(&st, node, exact_cols);
			else
			{
				v.type = jbvBinary;
				v.val.binary.data = &node->root;
				v.val.binary.len = VARSIZE(node) - VARHDRSZ;
				pushJsonbValue(&st, WJB_VALUE, &v);
			}
		}
		pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	}
	pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	MemoryContextDelete(tmp);
	push_key(&st, "pageInfo");
	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	push_key(&st, "hasPreviousPage");
	push_bool(&st, page.has_previous);
	push_key(&st, "hasNextPage");
	push_bool(&st, page.has_next);
	push_key(&st, "startCursor");
	push_cursor(&st, page.nrows > 0 ? page.cursors[0] : NULL);
	push_key(&st, "endCursor");
	push_cursor(&st, page.nrows > 0 ? page.cursors[page.nrows - 1] : NULL);
	pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	push_key(&st, "estimatedTotalCount");
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(estimate);
	pushJsonbValue(&st, WJB_VALUE, &v);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);

	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
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
