/*
 * querycache.c
 *	  The per-backend cache of resolved queries and their prepared plans.
 *
 * A call resolves (relation, order_by, filter) to a cached KpQuery: the
 * effective sort key, the checked filter and its parameter types, the key's
 * binary I/O, and one prepared plan (SPI_prepare + SPI_keepplan) per seek
 * shape.  Entries die with relcache invalidations of the relations they
 * depend on (ALTER TABLE, CREATE/DROP INDEX, CREATE OR REPLACE VIEW), and
 * the plans themselves are revalidated by the plan cache.  Seeks (page.c)
 * and the non-seek paths (offset.c) run their plans through the same
 * parameters, error cleaning and result check, here.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "nodes/params.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "compat.h"
#include "keyset_pagination.h"
#include "querycache.h"

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
kp_query_relcache_cb(Datum arg, Oid relid)
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
kp_query_syscache_cb(Datum arg, int cacheid, uint32 hashvalue)
{
	kp_query_relcache_cb(arg, InvalidOid);
}

/* No call holds an entry once the transaction is over */
static void
kp_query_xact_cb(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		kp_active_calls = 0;
}

/* Registers the invalidation callbacks; from _PG_init */
void
kp_query_cache_init(void)
{
	CacheRegisterRelcacheCallback(kp_query_relcache_cb, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, kp_query_syscache_cb, (Datum) 0);
	CacheRegisterSyscacheCallback(COLLOID, kp_query_syscache_cb, (Datum) 0);
	CacheRegisterSyscacheCallback(OPEROID, kp_query_syscache_cb, (Datum) 0);
	RegisterXactCallback(kp_query_xact_cb, NULL);
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
 * The seek's result columns: the relation's live columns in attnum order,
 * with what copying a row needs, and where the key columns are among them.
 */
static void
kp_query_columns(KpQuery *q)
{
	Relation	rel = relation_open(q->relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;
	int			c;

	q->natts = desc->natts;
	q->nlive = 0;
	q->colattnum = palloc(sizeof(AttrNumber) * Max(desc->natts, 1));
	q->coltypes = palloc(sizeof(Oid) * Max(desc->natts, 1));
	q->collen = palloc(sizeof(int16) * Max(desc->natts, 1));
	q->colbyval = palloc(sizeof(bool) * Max(desc->natts, 1));
	q->keycol = palloc(sizeof(int) * q->spec->ncols);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		q->colattnum[q->nlive] = att->attnum;
		q->coltypes[q->nlive] = att->atttypid;
		q->collen[q->nlive] = att->attlen;
		q->colbyval[q->nlive] = att->attbyval;
		for (c = 0; c < q->spec->ncols; c++)
			if (q->spec->cols[c].attnum == att->attnum)
				q->keycol[c] = q->nlive;
		q->nlive++;
	}
	q->select = kp_seek_select(q->spec, q->alias, desc);
	relation_close(rel, AccessShareLock);
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
		kp_query_columns(q);
		q->ftypes = palloc0(sizeof(Oid) * Max(nargs, 1));
		q->finput = palloc0(sizeof(FmgrInfo) * Max(nargs, 1));
		q->fioparam = palloc0(sizeof(Oid) * Max(nargs, 1));
		if (q->finfo)
			kp_filter_infer_types(q->spec->relname, q->alias, q->finfo->text,
								  nargs, q->ftypes);
		for (i = 0; i < nargs; i++)
		{
			Oid			infunc;

			getTypeInputInfo(q->ftypes[i], &infunc, &q->fioparam[i]);
			fmgr_info_cxt(infunc, &q->finput[i], mcxt);
		}
		q->keyio = palloc0(sizeof(KpTypeIO) * q->spec->ncols);
		q->keytypmods = palloc(sizeof(int32) * q->spec->ncols);
		q->restypes = palloc(sizeof(Oid) * q->spec->ncols);
		for (i = 0; i < q->spec->ncols; i++)
		{
			q->restypes[i] = q->coltypes[q->keycol[i]];
			kp_typeio_init(&q->keyio[i], q->spec->cols[i].typid, true, true, mcxt);
			q->keytypmods[i] = q->spec->cols[i].typmod;
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
KpPlan *
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
void
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
int
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
 * Refuses the call: the plan no longer reads the relation the entry was
 * built for.  The entry is marked stale, so the retry builds it afresh.
 */
static void
kp_refuse_changed(KpQuery *q)
{
	q->valid = false;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("relation \"%s\" changed while its query was cached",
					get_rel_name(q->relid)),
			 errdetail("The cached query no longer reads the relation it was built for."),
			 errhint("Retry the call.")));
}

/*
 * Refuses a result that is not the shape the entry was built for: first
 * column the relation's row type, then the key columns' types (the offset
 * query).  The query names the relation by its qualified name; should the
 * plan cache re-parse it after DDL that re-pointed the name (a schema
 * renamed in another session, say), the row type gives the other relation
 * away before any of its rows is read.
 */
void
kp_check_result(KpQuery *q, TupleDesc desc, int nkeys)
{
	bool		ok = desc != NULL && desc->natts == nkeys + 1 &&
		TupleDescAttr(desc, 0)->atttypid == q->reltype;
	int			i;

	for (i = 0; ok && i < nkeys; i++)
		ok = TupleDescAttr(desc, i + 1)->atttypid == q->restypes[i];
	if (!ok)
		kp_refuse_changed(q);
}

/*
 * The same proof for a seek, which returns the relation's live columns
 * instead of its row: checked in the seek's DestReceiver start-up, after
 * the plan cache has revalidated (and maybe re-analysed) the statement for
 * this execution and before any row is used.  The analysed query the
 * executing plan was made from must read exactly one FROM item, the entry's
 * relation by OID (a view through the subquery the rewriter put in its
 * place; kp_rte_reads), and return, in order, its live columns by attnum,
 * of the types the entry was built with.  A name re-pointed at another
 * relation fails the first test, whatever its shape; a view of the same
 * name over the old relation too (its columns are the view's); columns
 * renamed into each other's place fail the attnums.  The plan source's
 * relationOids would not do: it lists every relation a view reads.
 */
void
kp_check_seek(KpQuery *q, SPIPlanPtr plan, TupleDesc desc)
{
	List	   *sources = SPI_plan_get_plan_sources(plan);
	CachedPlanSource *ps;
	Query	   *query = NULL;
	Index		rti = 0;
	ListCell   *lc;
	int			j = 0;
	bool		ok = desc != NULL && desc->natts == q->nlive &&
		list_length(sources) == 1;

	if (ok)
	{
		ps = linitial(sources);
		ok = list_length(ps->query_list) == 1;
	}
	if (ok)
	{
		query = linitial_node(Query, ps->query_list);
		ok = query->commandType == CMD_SELECT && query->jointree != NULL &&
			list_length(query->jointree->fromlist) == 1 &&
			IsA(linitial(query->jointree->fromlist), RangeTblRef);
	}
	if (ok)
	{
		rti = linitial_node(RangeTblRef, query->jointree->fromlist)->rtindex;
		ok = rti >= 1 && rti <= list_length(query->rtable) &&
			kp_rte_reads(rt_fetch(rti, query->rtable), q->relid);
	}
	if (ok)
	{
		foreach(lc, query->targetList)
		{
			TargetEntry *tle = lfirst_node(TargetEntry, lc);
			Var		   *v = (Var *) tle->expr;

			if (tle->resjunk)
				continue;
			if (j >= q->nlive || !IsA(v, Var) || v->varno != rti ||
				v->varlevelsup != 0 || v->varattno != q->colattnum[j] ||
				TupleDescAttr(desc, j)->atttypid != q->coltypes[j])
			{
				ok = false;
				break;
			}
			j++;
		}
		ok = ok && j == q->nlive;
	}
	if (!ok)
		kp_refuse_changed(q);
}

/*
 * Prepares (once) and returns a plan for sql under the given shape key.
 * A seek's comparisons with position values are checked against the sort
 * key's btree operators (is_seek); the offset query's LIMIT/OFFSET
 * parameters are position parameters too, but compare nothing.
 */
KpPlan *
kp_plan_for(KpQuery *q, const char *shape, const char *sql, int np,
			const Oid *ptypes, const int *posidx, int cursor_options, bool is_seek)
{
	KpPlan	   *p;
	MemoryContext old;
	Oid		   *argtypes;
	volatile SPIPlanPtr plan = NULL;

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
 * The parameters of a plan of the query entry: the filter's values, then,
 * for a seek, the position's (pos may be NULL for plans without any).
 * NULL when there are none, so the plan cache need not plan a custom plan.
 */
ParamListInfo
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
void
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
int
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

