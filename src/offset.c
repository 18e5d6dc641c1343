/*
 * offset.c
 *	  The paths that are not seeks: the planner's count estimate, and the
 *	  numbered page of keyset_offset_page (an exact count and an offset).
 *
 * Each runs on the same cached query entry as keyset_page (querycache.c):
 * the same effective sort key and tiebreaker, the same checked filter and
 * its parameters (kp_params), the same check that a plan still reads the
 * entry's relation.  Each holds its entry from kp_query_get to
 * kp_query_release, as kp_page_run does.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "catalog/objectaddress.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "lib/stringinfo.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/resowner.h"

#include "compat.h"
#include "page.h"
#include "querycache.h"

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
 * Whether a planned statement reads relid: a statement planned from SQL
 * that names a relation reads whatever the name meant when it was parsed.
 */
static bool
kp_planned_reads(PlannedStmt *stmt, Oid relid)
{
	ListCell   *lc;

	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		/* a view's entry stays (an RTE_SUBQUERY with its relid on 16+) */
		if (rte->relid == relid)
			return true;
	}
	return false;
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
	if (!kp_planned_reads(stmt, q->relid))
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
	CachedPlan *volatile cplan = NULL;
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

/* The exact number of rows matching the filter, for the page count */
static int64
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
 * Rows offset+1 .. offset+limit in the effective sort order; nodes receives
 * up to limit row datums.
 */
static int
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

/*
 * keyset_offset_page's work: the exact total and the rows of one numbered
 * page, both while the call holds one query entry (the same sort key,
 * tiebreaker and filter as keyset_page), as kp_page_run holds its entry for
 * a whole page.  Returns the number of rows put into nodes.
 */
int
kp_offset_page(Oid relid, const char *order_by, const char *filter,
			   ArrayType *args, int64 offset, int limit, Datum *nodes,
			   int64 *total)
{
	int			nargs = kp_args_count(args);
	KpQuery    *q;
	volatile int n = 0;

	/* lock first: this processes pending invalidations before the cache is trusted */
	LockRelationOid(relid, AccessShareLock);
	q = kp_query_get(relid, order_by, filter, nargs, true);
	/* an error releases the entry too, or the cache could not evict */
	PG_TRY();
	{
		*total = kp_count_exact(q, args);
		n = kp_offset_rows(q, args, offset, limit, nodes);
	}
	PG_FINALLY();
	{
		kp_query_release(q);
	}
	PG_END_TRY();
	return n;
}

/*
 * keyset_check(..., verify => true): how many rows share their effective
 * sort key with an earlier row.  A declared key is trusted when paging;
 * this reads the whole relation, with the caller's privileges, to check
 * it.  NULLs count as one value, as seeks treat them.  The query names the
 * relation by its qualified name, which DDL in another session can re-point
 * (a schema renamed, a relation of the same name created) while this call
 * runs; so, as for the estimate, its planned statement must read the
 * relation's OID, and the plan checked is the plan run: its relations are
 * locked, so it stays valid until it has run.
 */
int64
kp_count_duplicates(const KpSortSpec *spec)
{
	StringInfoData sql;
	SPIPlanPtr	plan;
	CachedPlan *cplan;
	int64		result;
	bool		isnull;
	int			i;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT pg_catalog.sum(n OPERATOR(pg_catalog.-) 1)::pg_catalog.int8 FROM (SELECT pg_catalog.count(*) AS n FROM ");
	appendStringInfoString(&sql, spec->relname);
	appendStringInfoString(&sql, " GROUP BY ");
	for (i = 0; i < spec->ncols; i++)
		appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(spec->cols[i].attname));
	appendStringInfoString(&sql, ") AS g WHERE n OPERATOR(pg_catalog.>) 1");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(sql.data, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "keyset_check: could not prepare the duplicate count: %s",
			 SPI_result_code_string(SPI_result));
	cplan = SPI_plan_get_cached_plan(plan);
	if (cplan == NULL || list_length(cplan->stmt_list) != 1)
		elog(ERROR, "keyset_check: could not plan the duplicate count");
	if (!kp_planned_reads(linitial_node(PlannedStmt, cplan->stmt_list), spec->relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"%s\" changed while its keys were counted",
						get_rel_name(spec->relid)),
				 errdetail("Its name %s now means another relation.", spec->relname),
				 errhint("Retry the call.")));
	/* not a saved plan: SPI_plan_get_cached_plan() gave it no resource owner */
	ReleaseCachedPlan(cplan, NULL);
	if (SPI_execute_plan(plan, NULL, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "keyset_check: counting duplicate keys failed");
	result = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull)
		result = 0;
	SPI_finish();
	return result;
}
