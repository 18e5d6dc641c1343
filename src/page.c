/*
 * page.c
 *	  Page execution.
 *
 * A call resolves (relation, order_by, filter) to a cached KpQuery: the
 * effective sort key, the checked filter and its parameter types, the key's
 * binary I/O, and one prepared plan (SPI_prepare + SPI_keepplan) per seek
 * shape.  Entries die with relcache invalidations of the relations they
 * depend on (ALTER TABLE, CREATE/DROP INDEX, CREATE OR REPLACE VIEW), and
 * the plans themselves are revalidated by the plan cache.
 *
 * A page is: decode and verify the cursors (before any scan), run the
 * position's ordered ranges one seek at a time until n+1 rows, stop early
 * at the other cursor's bound, probe once in the other direction for the
 * opposite flag, then mint one cursor per row.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "lib/stringinfo.h"
#include "nodes/params.h"
#include "catalog/objectaddress.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "access/xact.h"
#include "port/pg_bitutils.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "common/hashfn.h"

#include "compat.h"
#include "keyset_pagination.h"
#include "page.h"

#define KP_BUCKETS 64

/*
 * Cache bounds.  A backend keeps query entries (one per relation, sort and
 * filter text) up to keyset_pagination.query_cache_size bytes, counting
 * each entry's own memory and its plans' (plan source, query trees and
 * generic plan), and at most KP_MAX_QUERIES of them; each entry keeps at
 * most KP_MAX_PLANS plans.  Beyond that the least recently used goes.  Page
 * sizes are rounded up to a power of two in the seek SQL, so sizes 1..1000
 * share 11 plans per shape.
 */
#define KP_MAX_QUERIES 256
#define KP_MAX_PLANS 48

/* One prepared seek (or count/offset) plan */
typedef struct KpPlan
{
	struct KpPlan *next;
	char	   *shape;
	char	   *sql;
	SPIPlanPtr	plan;
	int			np;				/* position parameters after the filter's */
	Oid		   *ptypes;
	int		   *posidx;			/* key column each position parameter carries */
} KpPlan;

struct KpQuery
{
	KpQuery    *next;
	uint32		hash;
	bool		valid;
	MemoryContext mcxt;
	Oid			relid;
	Oid			reltype;		/* its row type: the seek's first column */
	Oid		   *restypes;		/* the key columns' types in the seek's result */
	char	   *order_by;
	char	   *filter;
	int			nargs;
	bool		require_unique;
	KpSortSpec *spec;
	KpFilter   *finfo;
	char	   *alias;
	Oid		   *ftypes;			/* inferred types of the filter's $n */
	FmgrInfo   *finput;
	Oid		   *fioparam;
	KpTypeIO   *keyio;
	int32	   *keytypmods;
	int16	   *keylen;
	bool	   *keybyval;
	KpPlan	   *plans;			/* most recently used first */
	int			nplans;
	uint64		last_used;
};

/* State of one page call */
typedef struct KpRun
{
	KpQuery    *q;
	Datum	   *fvals;
	char	   *fnulls;
	MemoryContext outcxt;
	bool		explain;
	bool		analyze;
	List	   *lines;
	int			seekno;
} KpRun;

static KpQuery *buckets[KP_BUCKETS];
static int	kp_nqueries = 0;
static uint64 kp_use_clock = 0;
static bool kp_cache_grew = false;	/* entry or plan added since the last size check */
static MemoryContext kp_cache_cxt = NULL;

/*
 * Calls that hold a query entry (kp_query_get .. kp_query_release).  A
 * filter may call a function that pages again, so a call can nest inside
 * another's seek; entries and plans are only freed when no call (for
 * entries) or only the current one (for plans, between its seeks) holds
 * them.  Entries found stale while others are held wait in kp_stale.  Every
 * entry point releases in a PG_FINALLY, so an error (caught by a plpgsql
 * EXCEPTION block, say) releases its hold too; the reset at the end of the
 * transaction is only a safety net.
 */
static int	kp_active_calls = 0;
static KpQuery *kp_stale = NULL;

/* Marks entries depending on relid stale; freed once no call holds them */
static void
kp_page_relcache_cb(Datum arg, Oid relid)
{
	int			b;

	for (b = 0; b < KP_BUCKETS; b++)
	{
		KpQuery    *q;

		for (q = buckets[b]; q; q = q->next)
			if (relid == InvalidOid || list_member_oid(q->spec->depends, relid))
				q->valid = false;
	}
}

/*
 * A schema renamed (or a collation or operator changed) can make the
 * qualified names in an entry's SQL mean other objects without any
 * relcache invalidation of the relations it depends on: drop every entry.
 * Such DDL is rare; a rebuild costs one catalog walk per query.
 */
static void
kp_page_syscache_cb(Datum arg, int cacheid, uint32 hashvalue)
{
	kp_page_relcache_cb(arg, InvalidOid);
}

/* No call holds an entry once the transaction is over */
static void
kp_page_xact_cb(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		kp_active_calls = 0;
}

void
kp_page_init(void)
{
	CacheRegisterRelcacheCallback(kp_page_relcache_cb, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, kp_page_syscache_cb, (Datum) 0);
	CacheRegisterSyscacheCallback(COLLOID, kp_page_syscache_cb, (Datum) 0);
	CacheRegisterSyscacheCallback(OPEROID, kp_page_syscache_cb, (Datum) 0);
	RegisterXactCallback(kp_page_xact_cb, NULL);
}

static void
kp_query_free(KpQuery *q)
{
	KpPlan	   *p;

	for (p = q->plans; p; p = p->next)
		if (p->plan)
			SPI_freeplan(p->plan);
	MemoryContextDelete(q->mcxt);
}

static uint32
kp_query_hash(Oid relid, const char *order_by, const char *filter, int nargs,
			  bool require_unique)
{
	uint32		h = hash_bytes_uint32(relid);

	h = hash_combine(h, hash_bytes_uint32((uint32) nargs * 2 + require_unique));
	if (order_by)
		h = hash_combine(h, hash_bytes((const unsigned char *) order_by, strlen(order_by)));
	if (filter)
		h = hash_combine(h, hash_bytes((const unsigned char *) filter, strlen(filter)) ^ 0x5bd1e995);
	return h;
}

static inline bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/*
 * Plans the filter alone once: this reports unknown columns and type errors
 * in the filter up front, and infers the types of its $n from context.
 * Parameters that stay unknown travel as text.
 */
typedef struct KpParamSetup
{
	Oid		   *types;
	int			ntypes;
} KpParamSetup;

static void
kp_parser_setup(struct ParseState *pstate, void *arg)
{
	KpParamSetup *s = (KpParamSetup *) arg;

	kp_setup_variable_parameters(pstate, &s->types, &s->ntypes);
}

static void
kp_infer_filter_types(KpQuery *q)
{
	char	   *prefix = psprintf("SELECT FROM %s %s WHERE (\n", q->spec->relname, q->alias);
	char	   *sql = psprintf("%s%s\n)", prefix, q->finfo->text);
	KpParamSetup s;
	KpFragmentScope fs;
	List	   *raw;
	int			i;

	s.ntypes = q->nargs;
	s.types = palloc0(sizeof(Oid) * Max(q->nargs, 1));
	kp_fragment_begin(&fs, prefix, q->finfo->text, "filter argument");
	raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1)
		elog(ERROR, "filter statement did not parse as one statement");
	(void) kp_parse_analyze_withcb(linitial_node(RawStmt, raw), sql,
								   kp_parser_setup, &s);
	kp_fragment_end(&fs);
	for (i = 0; i < q->nargs; i++)
	{
		Oid			t = i < s.ntypes ? s.types[i] : InvalidOid;

		q->ftypes[i] = (t == InvalidOid || t == UNKNOWNOID) ? TEXTOID : t;
	}
}

/*
 * Builds a query entry in its own memory context; on error the context is
 * dropped, so a failed build leaves nothing behind.  (Kept apart from
 * kp_query_get so its locals are not live across the setjmp.)
 */
static KpQuery *
kp_query_build(uint32 h, Oid relid, const char *order_by, const char *filter,
			   int nargs, bool require_unique)
{
	MemoryContext mcxt,
				old;
	KpQuery    *volatile q = NULL;
	int			i;

	mcxt = AllocSetContextCreate(kp_cache_cxt, "keyset_pagination query",
								 ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(mcxt);
	PG_TRY();
	{
		q = palloc0(sizeof(KpQuery));
		q->mcxt = mcxt;
		q->hash = h;
		q->relid = relid;
		q->reltype = get_rel_type_id(relid);
		q->order_by = order_by ? pstrdup(order_by) : NULL;
		q->filter = filter ? pstrdup(filter) : NULL;
		q->nargs = nargs;
		q->require_unique = require_unique;
		q->spec = kp_sortspec_build(relid, order_by, require_unique);
		q->finfo = kp_filter_check(filter, nargs);
		q->alias = kp_choose_alias(relid);
		q->ftypes = palloc0(sizeof(Oid) * Max(nargs, 1));
		q->finput = palloc0(sizeof(FmgrInfo) * Max(nargs, 1));
		q->fioparam = palloc0(sizeof(Oid) * Max(nargs, 1));
		if (q->finfo)
			kp_infer_filter_types(q);
		for (i = 0; i < nargs; i++)
		{
			Oid			infunc;

			getTypeInputInfo(q->ftypes[i], &infunc, &q->fioparam[i]);
			fmgr_info_cxt(infunc, &q->finput[i], mcxt);
		}
		q->keyio = palloc0(sizeof(KpTypeIO) * q->spec->ncols);
		q->keytypmods = palloc(sizeof(int32) * q->spec->ncols);
		q->keylen = palloc(sizeof(int16) * q->spec->ncols);
		q->keybyval = palloc(sizeof(bool) * q->spec->ncols);
		q->restypes = palloc(sizeof(Oid) * q->spec->ncols);
		for (i = 0; i < q->spec->ncols; i++)
		{
			q->restypes[i] = get_atttype(relid, q->spec->cols[i].attnum);
			kp_typeio_init(&q->keyio[i], q->spec->cols[i].typid, true, true, mcxt);
			q->keytypmods[i] = q->spec->cols[i].typmod;
			get_typlenbyval(q->spec->cols[i].typid, &q->keylen[i], &q->keybyval[i]);
		}
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(mcxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);

	return q;
}

/* Unlinks an entry from its bucket */
static void
kp_query_unlink(KpQuery *q)
{
	KpQuery   **link = &buckets[q->hash % KP_BUCKETS];

	while (*link && *link != q)
		link = &(*link)->next;
	if (*link)
	{
		*link = q->next;
		kp_nqueries--;
	}
}

/*
 * Memory one plan holds: its plan source (with the query trees under it)
 * and its generic plan, which the plan cache keeps in contexts of their
 * own under CacheMemoryContext.
 */
static Size
kp_plan_bytes(const KpPlan *p)
{
	Size		n = 0;
	ListCell   *lc;

	if (p->plan == NULL)
		return 0;
	foreach(lc, SPI_plan_get_plan_sources(p->plan))
	{
		CachedPlanSource *src = (CachedPlanSource *) lfirst(lc);

		n += MemoryContextMemAllocated(src->context, true);
		if (src->gplan)
			n += MemoryContextMemAllocated(src->gplan->context, true);
	}
	return n;
}

/* Memory one query entry holds, its plans included */
static Size
kp_query_bytes(const KpQuery *q)
{
	Size		n = MemoryContextMemAllocated(q->mcxt, true);
	const KpPlan *p;

	for (p = q->plans; p; p = p->next)
		n += kp_plan_bytes(p);
	return n;
}

/*
 * Frees stale entries and, while over either bound, the least recently used
 * entry other than keep.  Only called when no call holds an entry.  Sizes
 * are measured afresh, and only when an entry or a plan was added since the
 * last time (generic plans appear at a plan's first execution, so they are
 * counted from the next call on).
 */
static void
kp_query_evict(const KpQuery *keep)
{
	Size		budget = (Size) kp_query_cache_size * 1024;
	Size		total = 0;
	int			b;

	while (kp_stale)
	{
		KpQuery    *q = kp_stale;

		kp_stale = q->next;
		kp_query_free(q);
	}
	if (!kp_cache_grew && kp_nqueries < KP_MAX_QUERIES)
		return;
	kp_cache_grew = false;
	for (b = 0; b < KP_BUCKETS; b++)
	{
		KpQuery    *q;

		for (q = buckets[b]; q; q = q->next)
			total += kp_query_bytes(q);
	}
	while (kp_nqueries >= KP_MAX_QUERIES || total > budget)
	{
		KpQuery    *oldest = NULL;

		for (b = 0; b < KP_BUCKETS; b++)
		{
			KpQuery    *q;

			for (q = buckets[b]; q; q = q->next)
				if (q != keep && (oldest == NULL || q->last_used < oldest->last_used))
					oldest = q;
		}
		if (oldest == NULL)
			break;
		total -= Min(total, kp_query_bytes(oldest));
		kp_query_unlink(oldest);
		kp_query_free(oldest);
	}
}

/*
 * The cached query for (relation, order_by, filter); built on first use.
 * Errors while building leave nothing behind.  The caller holds the entry
 * until kp_query_release(), which it must reach on error too (PG_FINALLY).
 */
KpQuery *
kp_query_get(Oid relid, const char *order_by, const char *filter, int nargs,
			 bool require_unique)
{
	uint32		h;
	KpQuery    *q;

	/* a filter is kept in every plan's text: bound it before anything */
	if (filter && strlen(filter) > (size_t) kp_max_filter_length)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("filter is %zu bytes long, over keyset_pagination.max_filter_length (%d)",
						strlen(filter), kp_max_filter_length),
				 errhint("Pass values as args instead of writing them into the filter.")));
	h = kp_query_hash(relid, order_by, filter, nargs, require_unique);
	if (kp_cache_cxt == NULL)
		kp_cache_cxt = AllocSetContextCreate(CacheMemoryContext,
											 "keyset_pagination cache",
											 ALLOCSET_DEFAULT_SIZES);
	for (q = buckets[h % KP_BUCKETS]; q; q = q->next)
	{
		if (q->hash == h && q->relid == relid && q->nargs == nargs &&
			q->require_unique == require_unique &&
			str_eq(q->order_by, order_by) && str_eq(q->filter, filter))
		{
			/* COMMENT ON (a declared key) sends no invalidation */
			if (q->valid && !kp_sortspec_current(q->spec))
				q->valid = false;
			if (q->valid)
			{
				q->last_used = ++kp_use_clock;
				if (kp_active_calls == 0 && (kp_cache_grew || kp_stale))
					kp_query_evict(q);
				kp_active_calls++;
				return q;
			}
			/* stale: an outer call may still be using it, so free it later */
			kp_query_unlink(q);
			q->next = kp_stale;
			kp_stale = q;
			break;
		}
	}
	if (kp_active_calls == 0)
		kp_query_evict(NULL);

	q = kp_query_build(h, relid, order_by, filter, nargs, require_unique);
	q->valid = true;
	q->last_used = ++kp_use_clock;
	q->next = buckets[h % KP_BUCKETS];
	buckets[h % KP_BUCKETS] = q;
	kp_nqueries++;
	kp_cache_grew = true;
	kp_active_calls++;
	return q;
}

/* Ends a call's hold on its query entry */
void
kp_query_release(KpQuery *q)
{
	if (kp_active_calls > 0)
		kp_active_calls--;
}

/* The plan with this shape key, moved to the front; NULL if none */
static KpPlan *
kp_plan_find(KpQuery *q, const char *shape)
{
	KpPlan	  **link;

	for (link = &q->plans; *link; link = &(*link)->next)
	{
		KpPlan	   *p = *link;

		if (strcmp(p->shape, shape) == 0)
		{
			*link = p->next;
			p->next = q->plans;
			q->plans = p;
			return p;
		}
	}
	return NULL;
}

/*
 * Makes room for one more plan by dropping the least recently used, but
 * only when the current call is the only one holding the entry: then none
 * of its plans is running.
 */
static void
kp_plan_trim(KpQuery *q)
{
	KpPlan	  **link;
	KpPlan	   *last;

	if (q->nplans < KP_MAX_PLANS || kp_active_calls != 1)
		return;
	link = &q->plans;
	while ((*link)->next)
		link = &(*link)->next;
	last = *link;
	*link = NULL;
	q->nplans--;
	if (last->plan)
		SPI_freeplan(last->plan);
	pfree(last->shape);
	pfree(last->sql);
	pfree(last->ptypes);
	pfree(last->posidx);
	pfree(last);
}

/*
 * Rethrows the error being handled without the internal SQL: SPI's context
 * line ('SQL statement "..."', which quotes the seek's text, newlines and
 * all) and an internal query position would show it to API clients.  That
 * line becomes one naming the relation; the lines of functions the filter
 * called (before it) and of our callers (after it) stay.
 */
static void
kp_rethrow_clean(const KpQuery *q, const char *sql, MemoryContext cxt)
{
	ErrorData  *ed;
	StringInfoData ctx;
	char	   *at;

	MemoryContextSwitchTo(cxt);
	ed = CopyErrorData();
	FlushErrorState();
	initStringInfo(&ctx);
	at = (ed->context && sql) ? strstr(ed->context, sql) : NULL;
	if (at)
	{
		char	   *start = at;
		char	   *end = strchr(at + strlen(sql), '\n');

		while (start > ed->context && start[-1] != '\n')
			start--;
		appendBinaryStringInfo(&ctx, ed->context, start - ed->context);
		appendStringInfo(&ctx, "keyset_pagination query on relation %s", q->spec->relname);
		if (end)
			appendStringInfoString(&ctx, end);
	}
	else
	{
		/* raised outside SPI (planning the estimate, say): ours comes first */
		appendStringInfo(&ctx, "keyset_pagination query on relation %s", q->spec->relname);
		if (ed->context)
			appendStringInfo(&ctx, "\n%s", ed->context);
	}
	ed->context = ctx.data;
	if (ed->internalquery && sql && strcmp(ed->internalquery, sql) == 0)
	{
		ed->internalquery = NULL;
		ed->internalpos = 0;
	}
	ReThrowError(ed);
}

/* SPI_execute_plan_extended(), with errors rethrown by kp_rethrow_clean() */
static int
kp_spi_execute(const KpQuery *q, const KpPlan *p, const SPIExecuteOptions *opts)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile int rc = 0;

	PG_TRY();
	{
		rc = SPI_execute_plan_extended(p->plan, opts);
	}
	PG_CATCH();
	{
		kp_rethrow_clean(q, p->sql, cxt);
	}
	PG_END_TRY();
	return rc;
}

/*
 * Refuses a result that is not the shape the entry was built for: first
 * column the relation's row type, then the key columns' types.  The seek
 * names the relation by its qualified name; should the plan cache re-parse
 * it after DDL that re-pointed the name (a schema renamed in another
 * session, say), the row type gives the other relation away before any of
 * its rows is read.
 */
static void
kp_check_result(KpQuery *q, TupleDesc desc, int nkeys)
{
	bool		ok = desc != NULL && desc->natts == nkeys + 1 &&
		TupleDescAttr(desc, 0)->atttypid == q->reltype;
	int			i;

	for (i = 0; ok && i < nkeys; i++)
		ok = TupleDescAttr(desc, i + 1)->atttypid == q->restypes[i];
	if (!ok)
	{
		/* the retry builds the entry afresh */
		q->valid = false;
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"%s\" changed while its query was cached",
						get_rel_name(q->relid)),
				 errdetail("The cached query no longer reads the relation it was built for."),
				 errhint("Retry the call.")));
	}
}

/*
 * Prepares (once) and returns a plan for sql under the given shape key.
 * A seek's comparisons with position values are checked against the sort
 * key's btree operators (is_seek); the offset query's LIMIT/OFFSET
 * parameters are position parameters too, but compare nothing.
 */
static KpPlan *
kp_plan_for(KpQuery *q, const char *shape, const char *sql, int np,
			const Oid *ptypes, const int *posidx, int cursor_options, bool is_seek)
{
	KpPlan	   *p;
	MemoryContext old;
	Oid		   *argtypes;
	SPIPlanPtr	plan;

	p = kp_plan_find(q, shape);
	if (p)
		return p;
	kp_plan_trim(q);

	argtypes = palloc(sizeof(Oid) * Max(q->nargs + np, 1));
	memcpy(argtypes, q->ftypes, sizeof(Oid) * q->nargs);
	if (np > 0)
		memcpy(argtypes + q->nargs, ptypes, sizeof(Oid) * np);
	{
		MemoryContext cxt = CurrentMemoryContext;

		PG_TRY();
		{
			plan = SPI_prepare_cursor(sql, q->nargs + np, argtypes, cursor_options);
		}
		PG_CATCH();
		{
			kp_rethrow_clean(q, sql, cxt);
		}
		PG_END_TRY();
	}
	if (plan == NULL)
		elog(ERROR, "could not prepare seek: %s", SPI_result_code_string(SPI_result));
	if (is_seek)
		kp_seek_verify(q->spec, plan, q->nargs, np, posidx);
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep seek plan");

	old = MemoryContextSwitchTo(q->mcxt);
	p = palloc0(sizeof(KpPlan));
	p->shape = pstrdup(shape);
	p->sql = pstrdup(sql);
	p->plan = plan;
	p->np = np;
	p->ptypes = palloc(sizeof(Oid) * Max(np, 1));
	p->posidx = palloc(sizeof(int) * Max(np, 1));
	if (np > 0)
	{
		memcpy(p->ptypes, ptypes, sizeof(Oid) * np);
		if (posidx)
			memcpy(p->posidx, posidx, sizeof(int) * np);
	}
	p->next = q->plans;
	q->plans = p;
	q->nplans++;
	kp_cache_grew = true;
	MemoryContextSwitchTo(old);
	return p;
}

/*
 * The plan of one seek range.  Its LIMIT is the rows wanted rounded up to a
 * power of two (the executor is asked for exactly the rows wanted, and an
 * index scan reads no further), so page sizes share plans; keyset_explain
 * gets the exact LIMIT, because EXPLAIN ANALYZE runs a plan to its end.
 * Always the generic plan: a seek's best plan does not depend on the
 * position's values, and a custom plan would be planned on every call.
 */
static KpPlan *
kp_seek_plan(KpQuery *q, const KpRange *r, const bool *posnulls, bool backward,
			 int limit, bool exact)
{
	int			ncols = q->spec->ncols;
	int			planlimit = exact ? limit : (int) Min(pg_nextpower2_32((uint32) Max(limit, 1)),
												   (uint32) PG_INT32_MAX);
	char	   *shape = psprintf("%c%c%d:%s", backward ? 'B' : 'F', exact ? 'X' : 'P',
								 planlimit, kp_range_shape(r, posnulls));
	KpPlan	   *p;
	Oid		   *ptypes;
	int		   *posidx;
	int			np;
	char	   *sql;

	p = kp_plan_find(q, shape);
	if (p)
		return p;
	ptypes = palloc(sizeof(Oid) * (ncols + 1));
	posidx = palloc(sizeof(int) * (ncols + 1));
	sql = kp_seek_sql(q->spec, q->finfo, q->alias, r, posnulls, backward, planlimit,
					  ptypes, posidx, &np);
	return kp_plan_for(q, shape, sql, np, ptypes, posidx, CURSOR_OPT_GENERIC_PLAN, true);
}

/*
 * The parameters of a plan of the query entry: the filter's values, then,
 * for a seek, the position's (pos may be NULL for plans without any).
 * NULL when there are none, so the plan cache need not plan a custom plan.
 */
static ParamListInfo
kp_params(KpRun *run, KpPlan *p, const Datum *pos)
{
	int			nf = run->q->nargs;
	ParamListInfo params;
	int			i;

	if (nf + p->np == 0)
		return NULL;
	params = makeParamList(nf + p->np);
	for (i = 0; i < nf + p->np; i++)
	{
		ParamExternData *prm = &params->params[i];

		if (i < nf)
		{
			prm->value = run->fvals[i];
			prm->isnull = run->fnulls[i] == 'n';
			prm->ptype = run->q->ftypes[i];
		}
		else
		{
			prm->value = pos[p->posidx[i - nf]];
			prm->isnull = false;
			prm->ptype = p->ptypes[i - nf];
		}
		prm->pflags = PARAM_FLAG_CONST;
	}
	return params;
}

/*
 * EXPLAIN of the very plan the cache holds (the generic plan), with
 * ANALYZE when asked: what keyset_explain() shows a DBA.
 */
static void
kp_explain_plan(KpRun *run, KpPlan *p, ParamListInfo params,
				const char *label)
{
	CachedPlan *cplan = SPI_plan_get_cached_plan(p->plan);
	PlannedStmt *stmt;
	ExplainState *es = NewExplainState();
	char	   *line;
	char	   *save;
	MemoryContext old;

	if (cplan == NULL || list_length(cplan->stmt_list) != 1)
		elog(ERROR, "could not get the cached plan of a seek");
	stmt = linitial_node(PlannedStmt, cplan->stmt_list);
	es->costs = false;
	es->analyze = run->analyze;
	es->timing = false;
	es->summary = false;
	es->format = EXPLAIN_FORMAT_TEXT;
	ExplainBeginOutput(es);
	kp_explain_one_plan(stmt, es, p->sql, params);
	ExplainEndOutput(es);
	ReleaseCachedPlan(cplan, CurrentResourceOwner);

	old = MemoryContextSwitchTo(run->outcxt);
	run->lines = lappend(run->lines, psprintf("%s", label));
	for (line = strtok_r(es->str->data, "\n", &save); line;
		 line = strtok_r(NULL, "\n", &save))
		run->lines = lappend(run->lines, psprintf("  %s", line));
	MemoryContextSwitchTo(old);
}

/*
 * Where a seek's rows go: straight from the executor into the page, with no
 * SPI tuple table in between.  Stops the executor at the other cursor.
 */
typedef struct KpSeekReceiver
{
	DestReceiver pub;
	KpRun	   *run;
	bool		backward;
	const Datum *bound;
	const bool *boundnulls;
	KpPageRow  *out;			/* NULL: only count */
	int			got;			/* rows taken into the page, all seeks */
	int			consumed;		/* rows this seek delivered, the bound's included */
	bool		hit_bound;
	Datum	   *key;
	bool	   *keynull;
} KpSeekReceiver;

static bool
kp_seek_receive(TupleTableSlot *slot, DestReceiver *self)
{
	KpSeekReceiver *r = (KpSeekReceiver *) self;
	KpQuery    *q = r->run->q;
	int			ncols = q->spec->ncols;
	KpPageRow  *row;
	MemoryContext old;
	int			c;

	slot_getsomeattrs(slot, ncols + 1);
	r->consumed++;
	for (c = 0; c < ncols; c++)
	{
		r->key[c] = slot->tts_values[c + 1];
		r->keynull[c] = slot->tts_isnull[c + 1];
	}
	if (r->bound)
	{
		int			cmp = kp_sortspec_compare(q->spec, r->key, r->keynull,
											  r->bound, r->boundnulls);

		if (r->backward ? cmp <= 0 : cmp >= 0)
		{
			r->hit_bound = true;
			return false;
		}
	}
	if (r->out == NULL)
	{
		r->got++;
		return true;
	}
	row = &r->out[r->got++];
	old = MemoryContextSwitchTo(r->run->outcxt);
	row->node = slot->tts_isnull[0] ? (Datum) 0 : datumCopy(slot->tts_values[0], false, -1);
	/* the key and its null flags in one allocation: this runs per row */
	row->key = palloc(MAXALIGN(sizeof(Datum) * ncols) + sizeof(bool) * ncols);
	row->keynull = (bool *) ((char *) row->key + MAXALIGN(sizeof(Datum) * ncols));
	for (c = 0; c < ncols; c++)
	{
		row->keynull[c] = r->keynull[c];
		row->key[c] = r->keynull[c] ? (Datum) 0
			: q->keybyval[c] ? r->key[c]
			: datumCopy(r->key[c], false, q->keylen[c]);
	}
	MemoryContextSwitchTo(old);
	return true;
}

/* Every seek's result shape is checked before its first row */
static void
kp_seek_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	KpSeekReceiver *r = (KpSeekReceiver *) self;

	kp_check_result(r->run->q, typeinfo, r->run->q->spec->ncols);
}

static void
kp_seek_noop(DestReceiver *self)
{
}

/*
 * Runs the ranges after (or at-or-after) a position in one direction, in
 * order, until want rows; a row at or beyond bound (the other cursor) stops
 * the scan and sets *hit_bound.  Rows are copied to the caller's context.
 */
static int
kp_scan(KpRun *run, bool backward, const Datum *pos, const bool *posnulls,
		bool inclusive, int want, const Datum *bound, const bool *boundnulls,
		KpPageRow *out, bool *hit_bound, const char *what)
{
	KpQuery    *q = run->q;
	int			ncols = q->spec->ncols;
	KpRange    *ranges = palloc(sizeof(KpRange) * (2 * ncols + 1));
	int			nranges = kp_build_ranges(q->spec, posnulls, backward, inclusive, ranges);
	KpSeekReceiver r;
	int			ri;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = kp_seek_receive;
	r.pub.rStartup = kp_seek_startup;
	r.pub.rShutdown = kp_seek_noop;
	r.pub.rDestroy = kp_seek_noop;
	/* SPI treats DestNone as "discard" and DestSPI as its own tuple table */
	r.pub.mydest = DestTuplestore;
	r.run = run;
	r.backward = backward;
	r.bound = bound;
	r.boundnulls = boundnulls;
	r.out = out;
	r.key = palloc(sizeof(Datum) * ncols);
	r.keynull = palloc(sizeof(bool) * ncols);

	for (ri = 0; ri < nranges && r.got < want && !r.hit_bound; ri++)
	{
		/* the plan's LIMIT is what this seek may still return */
		int			limit = want - r.got;
		KpPlan	   *p = kp_seek_plan(q, &ranges[ri], posnulls, backward, limit,
									 run->explain);
		SPIExecuteOptions opts;
		int			rc;

		memset(&opts, 0, sizeof(opts));
		opts.params = kp_params(run, p, pos);
		opts.read_only = true;
		opts.tcount = limit;
		opts.dest = &r.pub;
		r.consumed = 0;
		rc = kp_spi_execute(q, p, &opts);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "seek failed: %s", SPI_result_code_string(rc));
		if (run->explain)
		{
			/*
			 * EXPLAIN ANALYZE runs a plan to its LIMIT, so explain the seek
			 * with a LIMIT of the rows it really consumed here (a window
			 * stops at the other cursor's row, which counts as read).
			 */
			KpPlan	   *ep = (r.consumed > 0 && r.consumed < limit)
				? kp_seek_plan(q, &ranges[ri], posnulls, backward, r.consumed, true) : p;

			kp_explain_plan(run, ep, kp_params(run, ep, pos),
							psprintf("seek %d: %s, %s, range %d of %d", ++run->seekno, what,
									 backward ? "backward" : "forward", ri + 1, nranges));
		}
	}
	*hit_bound = r.hit_bound;
	return r.got;
}

/*
 * The context page cursors are bound to: the relation's qualified name, the
 * effective sort, the filter and its args, each length-prefixed.  A cursor
 * from any other query fails its MAC.
 */
static void
kp_page_context(KpQuery *q, ArrayType *args, KpContext *ctx)
{
	StringInfoData buf;
	Datum	   *elems = NULL;
	bool	   *enulls = NULL;
	int			n = 0;
	int			i;

	initStringInfo(&buf);
#define PUT_STR(s) \
	do { uint32 l_ = strlen(s); kp_put_le32(&buf, l_); \
		 appendBinaryStringInfo(&buf, (s), l_); } while (0)
	PUT_STR(q->spec->ctxname);
	PUT_STR(q->spec->canonical);
	if (q->filter)
	{
		appendStringInfoChar(&buf, 'F');
		PUT_STR(q->filter);
	}
	else
		appendStringInfoChar(&buf, 'N');
	if (args)
		deconstruct_array(args, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
	kp_put_le32(&buf, (uint32) n);
	for (i = 0; i < n; i++)
	{
		if (enulls[i])
			appendStringInfoChar(&buf, 'N');
		else
		{
			text	   *t = DatumGetTextPP(elems[i]);
			int32		l = VARSIZE_ANY_EXHDR(t);

			appendStringInfoChar(&buf, 'V');
			kp_put_le32(&buf, (uint32) l);
			appendBinaryStringInfo(&buf, VARDATA_ANY(t), l);
		}
	}
#undef PUT_STR
	kp_context_init(ctx, KP_DOMAIN_PAGE, buf.data, buf.len, false);
	pfree(buf.data);
}

/* Verifies a page cursor and returns its key values; any fault is 22KP1 */
static void
kp_decode_position(KpQuery *q, text *cursor, const KpContext *ctx,
				   Datum **vals, bool **nulls)
{
	KpCursor	cur;
	KpCursorStatus st;
	int			ncols = q->spec->ncols;

	st = kp_cursor_open(VARDATA_ANY(cursor), VARSIZE_ANY_EXHDR(cursor), ctx, &cur);
	if (st != KP_CURSOR_OK)
		kp_cursor_raise(st);
	if (cur.nvalues != ncols)
		kp_cursor_raise(KP_CURSOR_STALE);
	*vals = palloc(sizeof(Datum) * ncols);
	*nulls = palloc(sizeof(bool) * ncols);
	if (kp_cursor_receive(&cur, ncols, q->keyio, q->keytypmods, *vals, *nulls) >= 0)
		kp_cursor_raise(KP_CURSOR_STALE);
}

/* Text args to the filter's inferred types, once per call */
static void
kp_convert_args(KpRun *run, ArrayType *args)
{
	KpQuery    *q = run->q;
	Datum	   *elems;
	bool	   *enulls;
	int			n;
	int			i;

	run->fvals = palloc(sizeof(Datum) * Max(q->nargs, 1));
	run->fnulls = palloc(sizeof(char) * Max(q->nargs, 1));
	if (q->nargs == 0)
		return;
	deconstruct_array(args, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
	for (i = 0; i < q->nargs; i++)
	{
		if (enulls[i])
		{
			run->fvals[i] = (Datum) 0;
			run->fnulls[i] = 'n';
		}
		else
		{
			run->fvals[i] = InputFunctionCall(&q->finput[i], TextDatumGetCString(elems[i]),
											  q->fioparam[i], -1);
			run->fnulls[i] = ' ';
		}
	}
}

/*
 * Starts a call's work on a query entry: results go to the caller's memory
 * context, SPI is connected, and the filter's args are converted once.  The
 * caller ends it with SPI_finish().
 */
static void
kp_run_begin(KpRun *run, KpQuery *q, ArrayType *args)
{
	memset(run, 0, sizeof(*run));
	run->q = q;
	run->outcxt = CurrentMemoryContext;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	kp_convert_args(run, args);
}

/* Number of elements of a text[] argument; it must be one-dimensional */
static int
kp_args_count(ArrayType *args)
{
	if (args == NULL)
		return 0;
	if (ARR_NDIM(args) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("args must be a one-dimensional text array")));
	return ArrayGetNItems(ARR_NDIM(args), ARR_DIMS(args));
}

/* first/last: not negative, not over the page size limit */
static void
kp_check_size(const char *name, int32 v, const char *fname)
{
	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must not be negative", fname, name)));
	if (v > kp_max_page_size)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s is %d, over keyset_pagination.max_page_size (%d)",
						fname, name, v, kp_max_page_size),
				 errhint("Ask for a smaller page, or raise keyset_pagination.max_page_size.")));
}

/*
 * One page, by the Relay Cursor Connections rules.  first/after page
 * forward, last/before backward; both cursors bound a window.  The flag in
 * the paging direction comes from the n+1 probe (or from meeting the other
 * cursor); the opposite flag from one probe at or beyond the cursor we
 * started from.
 */
static void kp_page_run_held(const KpPageArgs *a, KpQuery *q, KpPage *page,
							 bool explain, bool analyze);

void
kp_page_run(const KpPageArgs *a, KpPage *page, bool explain, bool analyze)
{
	Oid			relid = kp_rowtype_relid(a->rowtype, a->fname);
	int			nargs = kp_args_count(a->args);
	KpQuery    *q;

	memset(page, 0, sizeof(*page));
	if (a->first >= 0)
		kp_check_size("first", a->first, a->fname);
	if (a->last >= 0)
		kp_check_size("last", a->last, a->fname);

	/* lock first: this processes pending invalidations before the cache is trusted */
	LockRelationOid(relid, AccessShareLock);
	q = kp_query_get(relid, a->order_by, a->filter, nargs, true);
	PG_TRY();
	{
		kp_page_run_held(a, q, page, explain, analyze);
	}
	PG_FINALLY();
	{
		kp_query_release(q);
	}
	PG_END_TRY();
}

/* The page itself, while the call holds its query entry */
static void
kp_page_run_held(const KpPageArgs *a, KpQuery *q, KpPage *page, bool explain,
				 bool analyze)
{
	KpContext	ctx;
	Datum	   *afterv = NULL,
			   *beforev = NULL;
	bool	   *aftern = NULL,
			   *beforen = NULL;
	KpRun		run;
	bool		forward;
	int			count;
	int			got;
	int			n;
	bool		hit;
	KpPageRow  *rows;
	TimestampTz now;
	KpMinter	minter;
	int			i;

	kp_page_context(q, a->args, &ctx);

	/* every cursor is verified before anything is scanned */
	if (a->after)
		kp_decode_position(q, a->after, &ctx, &afterv, &aftern);
	if (a->before)
		kp_decode_position(q, a->before, &ctx, &beforev, &beforen);

	forward = a->last < 0 || a->first >= 0;
	/* the default never exceeds the limit the DBA set */
	count = forward ? (a->first >= 0 ? a->first : Min(kp_default_page_size, kp_max_page_size))
		: a->last;
	/* n+1, plus the starting cursor's own row (see below) */
	rows = palloc(sizeof(KpPageRow) * (count + 2));

	kp_run_begin(&run, q, a->args);
	run.explain = explain;
	run.analyze = analyze;

	{
		/* forward starts at after and stops at before; backward the reverse */
		Datum	   *startv = forward ? afterv : beforev;
		bool	   *startn = forward ? aftern : beforen;
		bool		more;
		bool		behind = false;

		/*
		 * The seek starts at the cursor, inclusive: while the cursor's own
		 * row still exists it comes back first, is dropped, and proves a row
		 * behind the page, so the opposite flag costs no second seek.  Only
		 * when that row is gone (deleted, or no longer matching the filter)
		 * does one bounded probe at or behind the cursor decide it.
		 */
		got = kp_scan(&run, !forward, startv, startn, startv != NULL,
					  count + (startv ? 2 : 1),
					  forward ? beforev : afterv, forward ? beforen : aftern,
					  rows, &hit, "page");
		if (startv && got > 0 &&
			kp_sortspec_compare(q->spec, rows[0].key, rows[0].keynull,
								startv, startn) == 0)
		{
			behind = true;
			got--;
			memmove(rows, rows + 1, sizeof(KpPageRow) * got);
		}
		else if (startv)
		{
			bool		dummy;

			behind = kp_scan(&run, forward, startv, startn, true, 1,
							 NULL, NULL, NULL, &dummy,
							 forward ? "has_previous_page probe" : "has_next_page probe") > 0;
		}
		n = Min(got, count);
		more = got > count || hit;
		page->has_next = forward ? more : behind;
		page->has_previous = forward ? behind : more;
	}
	if (!forward)
	{
		/* a backward page comes back in the sort order */
		for (i = 0; i < n / 2; i++)
		{
			KpPageRow	tmp = rows[i];

			rows[i] = rows[n - 1 - i];
			rows[n - 1 - i] = tmp;
		}
	}
	else if (a->first >= 0 && a->last >= 0 && n > a->last)
	{
		/* Relay: first, then the last `last` of those */
		memmove(rows, rows + (n - a->last), sizeof(KpPageRow) * a->last);
		n = a->last;
		page->has_previous = true;
	}
	SPI_finish();

	page->nrows = n;
	page->rows = rows;
	page->explain = run.lines;
	page->cursors = palloc(sizeof(text *) * Max(n, 1));
	now = GetCurrentTimestamp();
	kp_minter_init(&minter, q->spec->ncols, q->keyio, &ctx, now);
	for (i = 0; i < n; i++)
		page->cursors[i] = kp_minter_mint(&minter, rows[i].key, rows[i].keynull);
	kp_minter_end(&minter);
}

/* A plan of the query entry that is not a seek: estimate, count, offset */
static KpPlan *
kp_aux_plan(KpQuery *q, const char *shape, const char *sql, int np,
			const Oid *ptypes, int cursor_options)
{
	return kp_plan_for(q, shape, sql, np, ptypes, NULL, cursor_options, false);
}

/*
 * The planner's row estimate for the (filtered) relation: what replaces
 * COUNT(*).  Planned with the actual argument values (a custom plan) so a
 * selective filter value is estimated as such; nothing is scanned.
 */
static int64 kp_count_estimate_held(KpQuery *q, ArrayType *args);

int64
kp_count_estimate(Oid relid, const char *filter, ArrayType *args)
{
	int			nargs = kp_args_count(args);
	KpQuery    *q;
	int64		rows = 0;

	LockRelationOid(relid, AccessShareLock);
	/*
	 * Without SELECT on the table (or some column of it) even building the
	 * entry would tell something; the planned statement is checked in full
	 * below.
	 */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
		pg_attribute_aclcheck_all(relid, GetUserId(), ACL_SELECT, ACLMASK_ANY) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
	q = kp_query_get(relid, NULL, filter, nargs, false);
	PG_TRY();
	{
		rows = kp_count_estimate_held(q, args);
	}
	PG_FINALLY();
	{
		kp_query_release(q);
	}
	PG_END_TRY();
	return rows;
}

/*
 * Planning checks no privilege and the estimate is never executed, so the
 * planned statement is checked here as the executor would check it: every
 * column the filter reads, on every relation it reads (a view's base
 * tables as its owner).  And it must read the entry's relation: the plan
 * cache may have re-parsed the name after DDL elsewhere.
 */
static void
kp_check_planned(KpQuery *q, PlannedStmt *stmt)
{
	ListCell   *lc;
	bool		found = false;

	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		/* a view's entry stays (an RTE_SUBQUERY with its relid on 16+) */
		if (rte->relid == q->relid)
			found = true;
	}
	if (!found)
		kp_check_result(q, NULL, 0);
	kp_check_stmt_permissions(stmt);
}

/* The estimate, while the call holds its query entry */
static int64
kp_count_estimate_held(KpQuery *q, ArrayType *args)
{
	KpRun		run;
	KpPlan	   *p;
	CachedPlanSource *src;
	CachedPlan *cplan;
	ParamListInfo params;
	double		rows;
	MemoryContext cxt;

	kp_run_begin(&run, q, args);
	p = kp_aux_plan(q, "estimate",
					psprintf("SELECT FROM %s %s WHERE %s", q->spec->relname, q->alias,
							 kp_where_sql(q->finfo)), 0, NULL,
					CURSOR_OPT_CUSTOM_PLAN);
	/*
	 * Prepared for custom plans, so the estimate sees the argument values.
	 * Without arguments there is nothing to see: no parameter list, and the
	 * plan cache keeps one plan (replanned when the statistics change).
	 */
	params = kp_params(&run, p, NULL);
	src = linitial(SPI_plan_get_plan_sources(p->plan));
	cxt = CurrentMemoryContext;
	/* held by the resource owner, so that an error releases it too */
	PG_TRY();
	{
		cplan = GetCachedPlan(src, params, CurrentResourceOwner, NULL);
	}
	PG_CATCH();
	{
		kp_rethrow_clean(q, p->sql, cxt);
	}
	PG_END_TRY();
	kp_check_planned(q, linitial_node(PlannedStmt, cplan->stmt_list));
	rows = linitial_node(PlannedStmt, cplan->stmt_list)->planTree->plan_rows;
	ReleaseCachedPlan(cplan, CurrentResourceOwner);
	SPI_finish();
	return (int64) rows;
}

/* The exact number of rows matching the filter (keyset_offset_page) */
int64
kp_count_exact(KpQuery *q, ArrayType *args)
{
	KpRun		run;
	KpPlan	   *p;
	bool		isnull;
	int64		n;

	kp_run_begin(&run, q, args);
	p = kp_aux_plan(q, "count",
					psprintf("SELECT pg_catalog.count(*) FROM %s %s WHERE %s",
							 q->spec->relname, q->alias, kp_where_sql(q->finfo)),
					0, NULL, 0);
	{
		SPIExecuteOptions opts;

		memset(&opts, 0, sizeof(opts));
		opts.params = kp_params(&run, p, NULL);
		opts.read_only = true;
		opts.tcount = 1;
		if (kp_spi_execute(q, p, &opts) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "count failed");
	}
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return n;
}

/*
 * Rows offset+1 .. offset+limit in the effective sort order, for
 * keyset_offset_page; nodes receives up to limit row datums.
 */
int
kp_offset_rows(KpQuery *q, ArrayType *args, int64 offset, int limit, Datum *nodes)
{
	KpRun		run;
	KpPlan	   *p;
	Oid			ptypes[2] = {INT8OID, INT8OID};
	int			posidx[2] = {0, 1};
	Datum		pos[2];
	SPIExecuteOptions opts;
	uint64		i;
	int			n;

	kp_run_begin(&run, q, args);
	p = kp_plan_for(q, "offset", kp_offset_sql(q->spec, q->finfo, q->alias), 2,
					ptypes, posidx, 0, false);
	pos[0] = Int64GetDatum((int64) limit);
	pos[1] = Int64GetDatum(offset);
	memset(&opts, 0, sizeof(opts));
	opts.params = kp_params(&run, p, pos);
	opts.read_only = true;
	opts.tcount = limit;
	if (kp_spi_execute(q, p, &opts) != SPI_OK_SELECT)
		elog(ERROR, "offset page failed");
	/* nothing of the result is used before its shape is known to be ours */
	kp_check_result(q, SPI_tuptable->tupdesc, q->spec->ncols);
	n = (int) SPI_processed;
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext old = MemoryContextSwitchTo(run.outcxt);

		nodes[i] = isnull ? (Datum) 0 : datumCopy(d, false, -1);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return n;
}
