/*
 * compat.h
 *	  Every PostgreSQL-version difference keyset_pagination depends on, in one
 *	  place.  The code targets PostgreSQL 14 and later: 14 is the first release
 *	  whose common/hmac.h the cursor signatures are built on.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_COMPAT_H
#define KP_COMPAT_H

#if PG_VERSION_NUM < 140000
#error "keyset_pagination requires PostgreSQL 14 or later"
#endif

#include "parser/parse_param.h"
#include "utils/guc.h"

/* PostgreSQL 15 renamed parse_variable_parameters() */
#if PG_VERSION_NUM < 150000
#define kp_setup_variable_parameters(pstate, types, n) \
	parse_variable_parameters((pstate), (types), (n))
#else
#define kp_setup_variable_parameters(pstate, types, n) \
	setup_parse_variable_parameters((pstate), (types), (n))
#endif

/*
 * Parse analysis with a parser-setup hook (variable parameter types), no
 * planning.  PostgreSQL 15 added parse_analyze_withcb().
 */
#include "parser/analyze.h"
#if PG_VERSION_NUM < 150000
static inline Query *
kp_parse_analyze_withcb(RawStmt *raw, const char *sql,
						ParserSetupHook setup, void *arg)
{
	ParseState *pstate = make_parsestate(NULL);
	Query	   *query;

	pstate->p_sourcetext = sql;
	(*setup) (pstate, arg);
	query = transformTopLevelStmt(pstate, raw);
	free_parsestate(pstate);
	return query;
}
#else
#define kp_parse_analyze_withcb(raw, sql, setup, arg) \
	parse_analyze_withcb((raw), (sql), (setup), (arg), NULL)
#endif

/* PostgreSQL 15 added MarkGUCPrefixReserved(); 14 only warns */
#if PG_VERSION_NUM < 150000
#define kp_reserve_guc_prefix(prefix) EmitWarningsOnPlaceholders(prefix)
#else
#define kp_reserve_guc_prefix(prefix) MarkGUCPrefixReserved(prefix)
#endif

/* pg_hmac_error() exists from PostgreSQL 15 on */
#if PG_VERSION_NUM < 150000
#define kp_hmac_error(ctx) "HMAC failure"
#else
#define kp_hmac_error(ctx) pg_hmac_error(ctx)
#endif

/* pg_cryptohash_error() exists from PostgreSQL 15 on */
#if PG_VERSION_NUM < 150000
#define kp_cryptohash_error(ctx) "hash failure"
#else
#define kp_cryptohash_error(ctx) pg_cryptohash_error(ctx)
#endif

/*
 * SHA-256 with a state that can be copied.  OpenSSL's SHA256_CTX is a plain
 * struct, so the HMAC key schedule is done once per signing key and copied
 * for each cursor; pg_hmac (common/hmac.h) redoes it, and under OpenSSL 3
 * fetches the digest implementation, on every call, which cost about a
 * quarter of a page.  The low-level API is deprecated in OpenSSL 3.0 but
 * built unless OpenSSL was configured without it; without it (or without
 * OpenSSL) src/mac.c falls back to pg_hmac and pg_cryptohash.  Must come
 * before any other OpenSSL header in a file that calls it.
 */
#if defined(USE_OPENSSL) && !defined(KP_FORCE_PG_HMAC)	/* the latter: test the fallback */
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/opensslconf.h>
#ifndef OPENSSL_NO_DEPRECATED_3_0
#include <openssl/sha.h>
#define KP_HAVE_SHA256_STATE 1
#endif
#endif

/*
 * ExplainOnePlan() of one planned statement, no INTO, no timing figures.
 * PostgreSQL 17 added a memory-counters argument.
 */
#include "commands/explain.h"
/* PostgreSQL 18 moved ExplainState and the output helpers to headers of their own */
#if PG_VERSION_NUM >= 180000
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif
#if PG_VERSION_NUM < 170000
#define kp_explain_one_plan(stmt, es, sql, params) \
	ExplainOnePlan((stmt), NULL, (es), (sql), (params), NULL, NULL, NULL)
#else
#define kp_explain_one_plan(stmt, es, sql, params) \
	ExplainOnePlan((stmt), NULL, (es), (sql), (params), NULL, NULL, NULL, NULL)
#endif

/*
 * PostgreSQL 18 replaced the suffix pg_attribute_noreturn() with the prefix
 * pg_noreturn; before it, the GCC/MSVC attribute works as a prefix as well.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * PostgreSQL 18's module magic carries the library's name and version,
 * which pg_get_loaded_modules() shows; KP_EXTVERSION comes from the
 * Makefile's EXTVERSION.
 */
#if PG_VERSION_NUM >= 180000
#define KP_MODULE_MAGIC \
	PG_MODULE_MAGIC_EXT(.name = "keyset_pagination", .version = KP_EXTVERSION)
#else
#define KP_MODULE_MAGIC PG_MODULE_MAGIC
#endif

/*
 * Words that are keywords other than unreserved after PostgreSQL 15 but not
 * in 15 (16 and 17 added them; 18 none).  quote_identifier() quotes them
 * from 16 on, so a page context that hashed its quoting would change in a
 * major upgrade: kp_context_ident() in sortspec.c writes them as 15 did.
 * Kept sorted; extend when a new major version adds keywords.
 */
static const char *const kp_keywords_after_15[] = {
	"json", "json_array", "json_arrayagg", "json_exists", "json_object",
	"json_objectagg", "json_query", "json_scalar", "json_serialize",
	"json_table", "json_value", "merge_action", "system_user"
};

static inline bool
kp_keyword_after_15(const char *word)
{
	int			i;

	for (i = 0; i < (int) lengthof(kp_keywords_after_15); i++)
		if (strcmp(word, kp_keywords_after_15[i]) == 0)
			return true;
	return false;
}

/* errdetail_relkind_not_supported() arrived in PostgreSQL 15 */
#if PG_VERSION_NUM < 150000
#define errdetail_relkind_not_supported(relkind) \
	errdetail("Relations of kind '%c' cannot be paged.", (relkind))
#endif

/* UNIQUE NULLS NOT DISTINCT arrived in PostgreSQL 15 */
#if PG_VERSION_NUM < 150000
#define kp_index_nulls_not_distinct(idx) false
#else
#define kp_index_nulls_not_distinct(idx) ((idx)->indnullsnotdistinct)
#endif

/*
 * The executor's privilege check of a planned statement's range table:
 * PostgreSQL 16 moved the permission details out of the range table
 * entries into PlannedStmt.permInfos and renamed the function.
 */
#include "executor/executor.h"
#if PG_VERSION_NUM < 160000
#define kp_check_stmt_permissions(stmt) \
	((void) ExecCheckRTPerms((stmt)->rtable, true))
#else
#define kp_check_stmt_permissions(stmt) \
	((void) ExecCheckPermissions((stmt)->rtable, (stmt)->permInfos, true))
#endif

/*
 * The planner path of keyset_page (scan.c).  PostgreSQL 15 added the flag
 * that lets a custom scan project (14's custom scans always did); 16
 * replaced pg_proc_aclcheck by object_aclcheck.
 */
#include "nodes/extensible.h"
#ifndef CUSTOMPATH_SUPPORT_PROJECTION
#define CUSTOMPATH_SUPPORT_PROJECTION 0
#endif
#include "utils/acl.h"
#if PG_VERSION_NUM < 160000
#define kp_proc_aclcheck(funcid) pg_proc_aclcheck((funcid), GetUserId(), ACL_EXECUTE)
#else
#include "catalog/pg_proc.h"
#define kp_proc_aclcheck(funcid) \
	object_aclcheck(ProcedureRelationId, (funcid), GetUserId(), ACL_EXECUTE)
#endif

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"

/*
 * A materialized result set for a set-returning function; the caller fills
 * the tuplestore.  InitMaterializedSRF() is not in PostgreSQL 14, and it
 * resolves the result row type again on every call.
 */
static inline Tuplestorestate *
kp_materialize_srf(FunctionCallInfo fcinfo, TupleDesc *desc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old;
	Tuplestorestate *ts;
	TupleDesc	tupdesc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	/*
	 * The executor already resolved the polymorphic result row when it set
	 * up the call (expectedDesc); resolving it again costs catalog lookups
	 * on every page.
	 */
	if (rsinfo->expectedDesc != NULL && rsinfo->expectedDesc->natts > 1)
		tupdesc = rsinfo->expectedDesc;
	else if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		tupdesc = NULL;
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (tupdesc)
		tupdesc = CreateTupleDescCopy(tupdesc);
	else
	{
		tupdesc = CreateTemplateTupleDesc(1);
		TupleDescInitEntry(tupdesc, 1, "line", TEXTOID, -1, 0);
	}
	ts = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = ts;
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(old);
	*desc = tupdesc;
	return ts;
}

/*
 * Whether a rewritten query's range table entry reads relation relid: the
 * relation itself, or, for a view, the subquery the rewriter put in its
 * place.  PostgreSQL 16 keeps the view's OID on that subquery entry (for
 * its lock and permission check); before 16 the view query's own first
 * entry, *OLD*, is the view (where its permissions are checked).
 */
#include "nodes/parsenodes.h"
static inline bool
kp_rte_reads(const RangeTblEntry *rte, Oid relid)
{
	if (rte->rtekind == RTE_RELATION)
		return rte->relid == relid;
	if (rte->rtekind != RTE_SUBQUERY || rte->subquery == NULL)
		return false;
#if PG_VERSION_NUM >= 160000
	return rte->relid == relid;
#else
	{
		const RangeTblEntry *old;

		if (rte->subquery->rtable == NIL)
			return false;
		old = (const RangeTblEntry *) linitial(rte->subquery->rtable);
		return old->rtekind == RTE_RELATION && old->relid == relid;
	}
#endif
}

#endif							/* KP_COMPAT_H */
