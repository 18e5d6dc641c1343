/*
 * sortspec.c
 *	  Sort spec: parse, resolve, prove unique, append the tiebreaker.
 *
 * The caller's order_by text is parsed by PostgreSQL's grammar as the ORDER
 * BY of an empty SELECT; only plain column names with ASC/DESC and NULLS
 * FIRST/LAST survive.  The text is never put into SQL: queries are rebuilt
 * from the resolved column names through quote_identifier.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/relation.h"
#include "access/transam.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/comment.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parse_type.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteHandler.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "common/keywords.h"

#include "compat.h"
#include "fragment.h"
#include "sortspec.h"

/*
 * The relation a row type belongs to: NULL::posts names posts.  Anything
 * but a table, view, materialized view or foreign table is refused.
 */
Oid
kp_rowtype_relid(Oid typid, const char *fname)
{
	Oid			relid = InvalidOid;
	char		relkind;

	/* a table's, view's or composite type's row type: one typcache lookup */
	if (OidIsValid(typid))
	{
		TypeCacheEntry *tc = lookup_type_cache(typid, 0);

		if (tc->typtype == TYPTYPE_COMPOSITE)
			relid = tc->typrelid;
	}
	if (!OidIsValid(relid) &&
		(!OidIsValid(typid) || !type_is_rowtype(typid) ||
		 !OidIsValid(relid = typeidTypeRelid(getBaseType(typid)))))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: rowtype must be the row type of a table or view", fname),
				 errdetail("The argument has type %s.", format_type_be(typid)),
				 errhint("Pass NULL::tablename, for example %s(NULL::posts, ...).", fname)));
	relkind = get_rel_relkind(relid);
	/* dropped by another session since the statement was planned */
	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("%s: the relation of the row type no longer exists", fname),
				 errdetail("It was dropped after the statement was planned.")));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s: \"%s\" is not a table, view, materialized view or foreign table",
						fname, get_rel_name(relid)),
				 errdetail_relkind_not_supported(relkind)));
	return relid;
}

/* "schema".opname, for OPERATOR(...) in SQL text */
static char *
qualified_operator(Oid opno, bool *is_catalog)
{
	HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	Form_pg_operator op;
	char	   *result;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", opno);
	op = (Form_pg_operator) GETSTRUCT(tup);
	result = psprintf("OPERATOR(%s.%s)",
					  quote_identifier(get_namespace_name(op->oprnamespace)),
					  NameStr(op->oprname));
	if (is_catalog && op->oprnamespace != PG_CATALOG_NAMESPACE)
		*is_catalog = false;
	ReleaseSysCache(tup);
	return result;
}

/*
 * The five btree members of the column's opfamily for its input type, from
 * one catalog list (one index scan in a new backend, where five member
 * lookups were five), and whether they are pg_catalog's.  A built-in
 * operator (an OID below FirstGenbkiObjectId) is pg_catalog's without
 * looking: initdb defines none elsewhere.  Other operators are looked up,
 * which also spells them; a built-in one is spelled only when a seek first
 * uses it (kp_sortcol_op), so a new backend's first page reads the
 * catalog rows of the one or two operators it compares with, not ten.
 */
static void
resolve_operators(KpSortCol *col, Oid opf, Oid opintype)
{
	CatCList   *members = SearchSysCacheList3(AMOPSTRATEGY, ObjectIdGetDatum(opf),
											  ObjectIdGetDatum(opintype),
											  ObjectIdGetDatum(opintype));
	bool		builtin = true;
	int			i;

	memset(col->strat_ops, 0, sizeof(col->strat_ops));
	for (i = 0; i < members->n_members; i++)
	{
		Form_pg_amop amop = (Form_pg_amop) GETSTRUCT(&members->members[i]->tuple);

		if (amop->amopstrategy >= 1 && amop->amopstrategy <= BTMaxStrategyNumber)
			col->strat_ops[amop->amopstrategy - 1] = amop->amopopr;
	}
	ReleaseSysCacheList(members);

	col->op_names = palloc0(sizeof(char *) * BTMaxStrategyNumber);
	for (i = 0; i < BTMaxStrategyNumber; i++)
	{
		if (!OidIsValid(col->strat_ops[i]))
			elog(ERROR, "missing btree operator %d for type %s", i + 1,
				 format_type_be(col->typid));
		if (col->strat_ops[i] >= FirstGenbkiObjectId)
			builtin = false;
	}
	col->catalog_ops = true;
	if (!builtin)
		for (i = 0; i < BTMaxStrategyNumber; i++)
			col->op_names[i] = qualified_operator(col->strat_ops[i], &col->catalog_ops);
}

/*
 * OPERATOR(schema.op) of the column's member for a strategy, spelled on
 * first use and kept beside the column (in the memory of its sort key).
 */
const char *
kp_sortcol_op(const KpSortCol *col, StrategyNumber strat)
{
	char	  **slot = &col->op_names[strat - 1];

	if (*slot == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(col->op_names));

		*slot = qualified_operator(col->strat_ops[strat - 1], NULL);
		MemoryContextSwitchTo(old);
	}
	return *slot;
}

/*
 * Fills a column's type, collation and btree machinery; a type without a
 * default btree opclass cannot be sorted by an index seek, a clear error.
 */
static void
resolve_column(Relation rel, KpSortCol *col, const char *name)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Form_pg_attribute att = NULL;
	TypeCacheEntry *tce;
	Oid			opf,
				opintype;
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0)
		{
			att = a;
			break;
		}
	}
	if (att == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						name, RelationGetRelationName(rel)),
				 errhint("order_by names columns of the paged relation; quote mixed-case names with double quotes.")));

	col->attname = pstrdup(name);
	col->attnum = att->attnum;
	col->typid = att->atttypid;
	col->typmod = att->atttypmod;
	col->collation = att->attcollation;
	col->notnull = att->attnotnull;

	/* IS NULL on a row value tests its fields, so NULL groups cannot be seeks */
	if (type_is_rowtype(col->typid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("column \"%s\" has composite type %s, which cannot be a keyset column",
						name, format_type_be(col->typid)),
				 errhint("Sort by the composite's fields exposed as columns of a view.")));
	tce = lookup_type_cache(col->typid, TYPECACHE_BTREE_OPFAMILY | TYPECACHE_CMP_PROC_FINFO);
	if (!OidIsValid(tce->btree_opf) || !OidIsValid(tce->cmp_proc))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("column \"%s\" has type %s, which cannot be sorted by an index",
						name, format_type_be(col->typid)),
				 errdetail("The type has no default btree operator class.")));
	opf = tce->btree_opf;
	opintype = tce->btree_opintype;
	resolve_operators(col, opf, opintype);

	/*
	 * Compare as the opclass input type: with both operands of exactly that
	 * type, OPERATOR(schema.op) resolves to the member found above (the
	 * only operator of that name and signature in its schema), never to an
	 * operator someone creates on the domain or on (domain, base) in that
	 * schema.  A polymorphic input type (anyenum, anyarray, ...) cannot be
	 * spelled; its members are only safe where nobody else can create
	 * operators, in pg_catalog.
	 */
	if (!IsPolymorphicType(opintype))
	{
		col->cmptype = opintype;
		col->cmpcast = opintype == col->typid ? ""
			: psprintf("::%s", format_type_be_qualified(opintype));
	}
	else if (col->catalog_ops)
	{
		col->cmptype = col->typid;
		col->cmpcast = "";
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("column \"%s\" has type %s, whose btree operators take a polymorphic type outside pg_catalog",
						name, format_type_be(col->typid)),
				 errdetail("A seek could not name those operators unambiguously.")));
	fmgr_info_cxt(tce->cmp_proc, &col->cmp, CurrentMemoryContext);

	if (OidIsValid(col->collation))
	{
		HeapTuple	ctup = SearchSysCache1(COLLOID, ObjectIdGetDatum(col->collation));
		Form_pg_collation coll;

		if (!HeapTupleIsValid(ctup))
			elog(ERROR, "cache lookup failed for collation %u", col->collation);
		coll = (Form_pg_collation) GETSTRUCT(ctup);
		col->collate = psprintf(" COLLATE %s.%s",
								quote_identifier(get_namespace_name(coll->collnamespace)),
								quote_identifier(NameStr(coll->collname)));
		ReleaseSysCache(ctup);
	}
	else
		col->collate = "";
}

/*
 * Parses order_by with the real grammar and keeps only what a seek can
 * honour.  Returns a list of SortBy nodes.
 */
static List *
parse_order_by(const char *order_by)
{
	SelectStmt *sel;
	ListCell   *lc;

	sel = kp_parse_bare_select("SELECT ORDER BY ", order_by, "order_by argument");
	if (sel == NULL || sel->whereClause || sel->sortClause == NIL)
		goto bad;
	foreach(lc, sel->sortClause)
	{
		SortBy	   *sb = lfirst_node(SortBy, lc);
		ColumnRef  *cref;

		if (!IsA(sb->node, ColumnRef))
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("order_by may list only plain column names"),
					 errdetail("Expressions cannot be used as a keyset position."),
					 errhint("Sort by a column, or page a view that exposes the expression as a column.")));
		cref = (ColumnRef *) sb->node;
		if (list_length(cref->fields) != 1 || !IsA(linitial(cref->fields), String))
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("order_by may list only plain column names"),
					 errdetail("Qualified names and * are not allowed.")));
		if (sb->sortby_dir == SORTBY_USING)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("order_by does not accept USING"),
					 errhint("Use ASC or DESC.")));
	}
	return sel->sortClause;

bad:
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("order_by must be a list of columns with ASC/DESC and NULLS FIRST/LAST"),
			 errdetail("Got: %s", order_by)));
	return NIL;					/* keep compiler quiet */
}

/*
 * Where a view column comes from: the column of a relation that stores it
 * (not a view), found through any chain of views, or relid 0.
 */
typedef struct KpOrigin
{
	Oid			relid;
	AttrNumber	attnum;
	bool		notnull;		/* NOT NULL there, and not on an outer join's nullable side */
} KpOrigin;

/* What a view chain is, for the proof and the advice */
typedef struct KpViewChain
{
	KpOrigin   *orig;			/* by the paged view's attnum, 1..natts */
	Oid			base;			/* simple chain: the relation at its bottom */
	bool		simple;			/* every view: one relation, no aggregate, ... */
	bool		servable;		/* no view aggregates, groups, DISTINCTs or LIMITs */
	List	   *relids;			/* every relation the chain reads, views included */
} KpViewChain;

/* Rows of these views are not rows of a relation below them */
static bool
view_is_grouped(Query *q)
{
	return q->setOperations || q->groupClause || q->groupingSets || q->havingQual ||
		q->hasAggs || q->hasWindowFuncs || q->hasTargetSRFs || q->distinctClause ||
		q->limitCount || q->limitOffset || q->cteList;
}

/* Range table indexes on the nullable side of an outer join */
static void
collect_nullable(Node *jt, bool nullable, Bitmapset **out)
{
	ListCell   *lc;

	if (jt == NULL)
		return;
	if (IsA(jt, RangeTblRef))
	{
		if (nullable)
			*out = bms_add_member(*out, ((RangeTblRef *) jt)->rtindex);
	}
	else if (IsA(jt, FromExpr))
	{
		foreach(lc, ((FromExpr *) jt)->fromlist)
			collect_nullable(lfirst(lc), nullable, out);
	}
	else if (IsA(jt, JoinExpr))
	{
		JoinExpr   *j = (JoinExpr *) jt;

		collect_nullable(j->larg, nullable || j->jointype == JOIN_RIGHT ||
						 j->jointype == JOIN_FULL, out);
		collect_nullable(j->rarg, nullable || j->jointype == JOIN_LEFT ||
						 j->jointype == JOIN_FULL, out);
	}
}

/*
 * Follows a view's columns down through the views it reads to the columns
 * that store them, so that a view over a view over a table is proven,
 * indexed and advised on that table.  A column is followed only when it is
 * a plain column of a relation (through join aliases); a NOT NULL column
 * stays NOT NULL only where no outer join can null it.  The stored view
 * query names inner views as relations, so the chain is walked here.
 */
static void
view_chain(Relation view, KpViewChain *vc)
{
	Query	   *q = get_view_query(view);
	int			n = RelationGetDescr(view)->natts;
	int			nrte = list_length(q->rtable);
	KpViewChain *sub = palloc0(sizeof(KpViewChain) * (nrte + 1));
	bool	   *done = palloc0(sizeof(bool) * (nrte + 1));
	Bitmapset  *nullable = NULL;
	ListCell   *lc;

	check_stack_depth();
	vc->orig = palloc0(sizeof(KpOrigin) * (n + 1));
	vc->base = InvalidOid;
	vc->servable = !view_is_grouped(q);
	vc->simple = vc->servable && list_length(q->jointree->fromlist) == 1 &&
		IsA(linitial(q->jointree->fromlist), RangeTblRef);
	vc->relids = list_append_unique_oid(vc->relids, RelationGetRelid(view));
	collect_nullable((Node *) q->jointree, false, &nullable);

	/* each relation of the view: a view is followed down, others are the end */
	for (int rti = 1; rti <= nrte; rti++)
	{
		RangeTblEntry *rte = rt_fetch(rti, q->rtable);

		/* before PostgreSQL 16 a view's rule lists the view itself twice (OLD, NEW) */
		if (rte->rtekind != RTE_RELATION || rte->relid == RelationGetRelid(view))
			continue;
		done[rti] = true;
		if (rte->relkind == RELKIND_VIEW)
		{
			Relation	inner = relation_open(rte->relid, AccessShareLock);

			view_chain(inner, &sub[rti]);
			relation_close(inner, AccessShareLock);
			vc->relids = list_concat_unique_oid(vc->relids, sub[rti].relids);
		}
		else
		{
			Relation	r = relation_open(rte->relid, AccessShareLock);
			TupleDesc	d = RelationGetDescr(r);
			int			i;

			sub[rti].orig = palloc0(sizeof(KpOrigin) * (d->natts + 1));
			for (i = 1; i <= d->natts; i++)
			{
				sub[rti].orig[i].relid = rte->relid;
				sub[rti].orig[i].attnum = i;
				sub[rti].orig[i].notnull = TupleDescAttr(d, i - 1)->attnotnull;
			}
			sub[rti].base = rte->relid;
			sub[rti].simple = true;
			sub[rti].servable = true;
			relation_close(r, AccessShareLock);
			vc->relids = list_append_unique_oid(vc->relids, rte->relid);
		}
		vc->servable = vc->servable && sub[rti].servable;
	}
	if (vc->simple)
	{
		int			rti = linitial_node(RangeTblRef, q->jointree->fromlist)->rtindex;

		vc->simple = done[rti] && sub[rti].simple;
		if (vc->simple)
			vc->base = sub[rti].base;
	}

	foreach(lc, q->targetList)
	{
		TargetEntry *te = lfirst_node(TargetEntry, lc);
		Var		   *v = IsA(te->expr, Var) ? (Var *) te->expr : NULL;
		KpOrigin   *o;

		if (te->resjunk || te->resno > n)
			continue;
		/* a join's column is the column it aliases (not a USING merge of FULL JOIN) */
		while (v && v->varlevelsup == 0 && v->varattno > 0 &&
			   rt_fetch(v->varno, q->rtable)->rtekind == RTE_JOIN)
		{
			Node	   *a = list_nth(rt_fetch(v->varno, q->rtable)->joinaliasvars,
									 v->varattno - 1);

			v = (a && IsA(a, Var)) ? (Var *) a : NULL;
		}
		if (!v || v->varlevelsup != 0 || v->varattno <= 0 || !done[v->varno])
			continue;
		o = &sub[v->varno].orig[v->varattno];
		if (!OidIsValid(o->relid))
			continue;
		vc->orig[te->resno] = *o;
		/* an outer join's nullable side, or a grouping set's rolled-up column */
		if (bms_is_member(v->varno, nullable) || q->groupingSets != NIL)
			vc->orig[te->resno].notnull = false;
	}
}

/* Is name in the list of column names? */
static bool
name_listed(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp((char *) lfirst(lc), name) == 0)
			return true;
	return false;
}

/*
 * Relation kinds whose comment can declare a key: those whose rows the
 * catalog often cannot prove unique.  A table can have the index instead.
 */
#define KP_DECLARABLE(relkind) \
	((relkind) == RELKIND_VIEW || (relkind) == RELKIND_MATVIEW || \
	 (relkind) == RELKIND_FOREIGN_TABLE)

/* The COMMENT ON a declaration is made with, for hints */
static char *
declaration_example(Relation rel)
{
	char		relkind = rel->rd_rel->relkind;

	return psprintf("COMMENT ON %s %s IS '@keyset({\"primary_key_columns\": [\"<column>\", ...]})'",
					relkind == RELKIND_VIEW ? "VIEW"
					: relkind == RELKIND_MATVIEW ? "MATERIALIZED VIEW"
					: relkind == RELKIND_FOREIGN_TABLE ? "FOREIGN TABLE" : "TABLE",
					quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
											   RelationGetRelationName(rel)));
}

static void
declaration_error_callback(void *arg)
{
	errcontext("key declared in the comment on relation \"%s\"", (const char *) arg);
}

/* An error in a declaration; its hint shows the form */
static void
bad_declaration(Relation rel, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("malformed key declaration in the comment on \"%s\"",
					RelationGetRelationName(rel)),
			 errdetail("%s", detail),
			 errhint("Declare the columns that identify a row: %s.",
					 declaration_example(rel))));
}

/*
 * The JSON object of the directive tag({...}) in a comment, or NULL.  The
 * object ends at its matching brace, braces inside strings not counted;
 * the closing parenthesis must follow it.
 */
static char *
directive_json(Relation rel, const char *comment, const char *tag)
{
	const char *p = strstr(comment, tag);
	const char *start;
	int			depth = 0;
	bool		instr = false;

	if (p == NULL)
		return NULL;
	p += strlen(tag);
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	start = p;
	if (*p != '{')
		bad_declaration(rel, psprintf("%s must be followed by a JSON object.", tag));
	for (; *p; p++)
	{
		if (instr)
		{
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				instr = false;
		}
		else if (*p == '"')
			instr = true;
		else if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			break;
	}
	if (*p != '}')
		bad_declaration(rel, "The JSON object does not end.");
	{
		const char *q = p + 1;

		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			q++;
		if (*q != ')')
			bad_declaration(rel, "The JSON object must be followed by \")\".");
	}
	return pnstrdup(start, p - start + 1);
}

/*
 * The key the relation's owner declared in its comment, as
 *   @keyset({"primary_key_columns": ["col", ...]})
 * or, when there is none, pg_graphql's
 *   @graphql({"primary_key_columns": ["col", ...]})
 * which says the same.  Only the owner (or a superuser) can COMMENT ON a
 * relation; the comment is dumped and restored with it and dropped with
 * it.  Returns the column names, checked against the relation, or NIL.
 * *comment gets the whole comment, which cached queries compare.
 */
static List *
declared_key(Relation rel, char **comment)
{
	char	   *json;
	Jsonb	   *jb;
	JsonbValue *v;
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	List	   *names = NIL;
	ErrorContextCallback cb;
	bool		graphql = false;

	*comment = GetComment(RelationGetRelid(rel), RelationRelationId, 0);
	if (*comment == NULL)
		return NIL;
	json = directive_json(rel, *comment, "@keyset(");
	if (json == NULL && (json = directive_json(rel, *comment, "@graphql(")) != NULL)
		graphql = true;
	if (json == NULL)
		return NIL;

	cb.callback = declaration_error_callback;
	cb.arg = (void *) RelationGetRelationName(rel);
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	error_context_stack = cb.previous;

	v = JB_ROOT_IS_OBJECT(jb)
		? getKeyJsonValueFromContainer(&jb->root, "primary_key_columns",
									   strlen("primary_key_columns"), NULL)
		: NULL;
	/* a pg_graphql directive that names no key declares none */
	if (v == NULL && graphql)
		return NIL;
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		bad_declaration(rel, "\"primary_key_columns\" must be an array of column names.");
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		char	   *name;
		AttrNumber	attnum;

		if (tok != WJB_ELEM)
			continue;
		if (elem.type != jbvString)
			bad_declaration(rel, "\"primary_key_columns\" must be an array of column names.");
		name = pnstrdup(elem.val.string.val, elem.val.string.len);
		attnum = get_attnum(RelationGetRelid(rel), name);
		if (attnum <= 0)
			bad_declaration(rel, psprintf("Column \"%s\" of relation \"%s\" does not exist.",
										  name, RelationGetRelationName(rel)));
		if (name_listed(names, name))
			bad_declaration(rel, psprintf("Column \"%s\" is named twice.", name));
		names = lappend(names, name);
	}
	if (names == NIL)
		bad_declaration(rel, "\"primary_key_columns\" is empty.");
	return names;
}

/*
 * Is the comment a cached sort spec read still the relation's comment?
 * COMMENT ON sends no invalidation, so a cached query compares it on use.
 */
bool
kp_sortspec_current(const KpSortSpec *spec)
{
	char	   *now;
	bool		same;

	if (!spec->reads_comment)
		return true;
	now = GetComment(spec->relid, RelationRelationId, 0);
	same = (now == NULL) == (spec->comment == NULL) &&
		(now == NULL || strcmp(now, spec->comment) == 0);
	if (now)
		pfree(now);
	return same;
}

/*
 * What would prove the sort key unique, for keyset_check and for the hint
 * of a refusal: always something that can be done to this kind of
 * relation (an index where it can have one, else a declaration).
 */
static char *
uniqueness_advice(Relation rel, const KpSortSpec *spec, const KpViewChain *vc)
{
	char		relkind = rel->rd_rel->relkind;

	if (spec->declared)
		return pstrdup("The declared key is trusted, not checked: keyset_check(..., verify => true) counts the rows that share a key.");
	if (spec->unique)
		return NULL;
	if (relkind == RELKIND_VIEW && vc->simple && get_rel_relkind(vc->base) == RELKIND_FOREIGN_TABLE)
		return psprintf("Declare the columns that identify a row: %s.", declaration_example(rel));
	if (relkind == RELKIND_VIEW && vc->simple)
		return psprintf("Show in the view the columns of a primary key or unique index of %s (on NOT NULL columns, or created NULLS NOT DISTINCT), or declare the columns that identify a row: %s.",
						quote_qualified_identifier(get_namespace_name(get_rel_namespace(vc->base)),
												   get_rel_name(vc->base)),
						declaration_example(rel));
	if (relkind == RELKIND_VIEW)
		return psprintf("Declare the columns that identify a row of the view: %s.",
						declaration_example(rel));
	if (relkind == RELKIND_MATVIEW)
		return psprintf("Create a unique index on the materialized view's key columns with NULLS NOT DISTINCT, or declare them: %s.",
						declaration_example(rel));
	if (relkind == RELKIND_FOREIGN_TABLE)
		return psprintf("Declare the columns that identify a row: %s.", declaration_example(rel));
	return pstrdup("Add a primary key, or end order_by with columns covered by a unique index on NOT NULL columns.");
}

/* Name of the view column that shows base column battno, or NULL */
static char *
view_column_for(Relation view, AttrNumber *map, int nmap, AttrNumber battno)
{
	int			i;

	for (i = 1; i <= nmap; i++)
		if (map[i] == battno && !TupleDescAttr(RelationGetDescr(view), i - 1)->attisdropped)
			return NameStr(TupleDescAttr(RelationGetDescr(view), i - 1)->attname);
	return NULL;
}

/*
 * Looks for proof that the sort columns are unique, and failing that for
 * the tiebreaker to append: the primary key, else the narrowest unique
 * index on NOT NULL columns, else the narrowest one created NULLS NOT
 * DISTINCT (its NULLs are one value; they sort, and are sought, as the
 * NULL group).  Works on the relation itself or, for a simple view, on its
 * base table through the column map.  The tiebreaker lists each column
 * once, however often the index names it.
 */
static void
prove_unique(KpSortSpec *spec, Relation keyrel, AttrNumber *map, int nmap,
			 Relation paged, const bool *notnull, List **tiebreak)
{
	List	   *indexes;
	ListCell   *lc;
	int			best_n = INT_MAX;
	bool		best_pk = false;
	bool		best_nullable = false;

	*tiebreak = NIL;
	/*
	 * A plain table with inheritance children is scanned with them, and its
	 * indexes say nothing about their rows.
	 */
	if (keyrel->rd_rel->relkind == RELKIND_RELATION && keyrel->rd_rel->relhassubclass)
		return;
	indexes = RelationGetIndexList(keyrel);
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	itup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		Form_pg_index idx;
		bool		usable = true;
		bool		covered = true;
		bool		nullable = false;
		List	   *names = NIL;
		int			k;

		if (!HeapTupleIsValid(itup))
			elog(ERROR, "cache lookup failed for index %u", indexoid);
		idx = (Form_pg_index) GETSTRUCT(itup);
		if (!idx->indisunique || !idx->indimmediate || !idx->indisvalid ||
			!heap_attisnull(itup, Anum_pg_index_indexprs, NULL) ||
			!heap_attisnull(itup, Anum_pg_index_indpred, NULL))
			usable = false;
		for (k = 0; usable && k < idx->indnkeyatts; k++)
		{
			AttrNumber	battno = idx->indkey.values[k];
			Form_pg_attribute batt;
			char	   *pname;
			int			c;
			bool		in_sort = false;

			if (battno <= 0)
			{
				usable = false;
				break;
			}
			batt = TupleDescAttr(RelationGetDescr(keyrel), battno - 1);
			if (!notnull[battno - 1])
			{
				if (!kp_index_nulls_not_distinct(idx))
					usable = false;
				nullable = true;
			}
			/* its equality must be the column's: same collation, default opfamily */
			{
				bool		isnull;
				oidvector  *colls = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, itup,
																			 Anum_pg_index_indcollation, &isnull));
				oidvector  *classes = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, itup,
																			   Anum_pg_index_indclass, &isnull));
				TypeCacheEntry *tce = lookup_type_cache(batt->atttypid, TYPECACHE_BTREE_OPFAMILY);
				Oid			icoll = colls->values[k];

				if (get_opclass_family(classes->values[k]) != tce->btree_opf ||
					(icoll != batt->attcollation &&
					 !(OidIsValid(icoll) && OidIsValid(batt->attcollation) &&
					   get_collation_isdeterministic(icoll) &&
					   get_collation_isdeterministic(batt->attcollation))))
					usable = false;
			}
			pname = map ? view_column_for(paged, map, nmap, battno)
				: NameStr(batt->attname);
			if (pname == NULL)
			{
				usable = false;
				break;
			}
			for (c = 0; c < spec->ncols; c++)
				if (strcmp(spec->cols[c].attname, pname) == 0)
					in_sort = true;
			if (!in_sort)
			{
				covered = false;
				if (!name_listed(names, pname))
					names = lappend(names, pstrdup(pname));
			}
		}
		if (usable && covered)
		{
			spec->unique = true;
			spec->proof = psprintf("unique index %s",
								   quote_identifier(get_rel_name(indexoid)));
			ReleaseSysCache(itup);
			list_free(*tiebreak);
			*tiebreak = NIL;
			return;
		}
		/* better: a primary key, then no nullable column, then fewer columns */
		if (usable &&
			(best_n == INT_MAX ? true
			 : idx->indisprimary != best_pk ? idx->indisprimary
			 : nullable != best_nullable ? !nullable
			 : list_length(names) < best_n))
		{
			*tiebreak = names;
			best_n = list_length(names);
			best_pk = idx->indisprimary;
			best_nullable = nullable;
			spec->proof = psprintf("%s %s", idx->indisprimary ? "primary key" : "unique index",
								   quote_identifier(get_rel_name(indexoid)));
		}
		ReleaseSysCache(itup);
	}
}

/*
 * An identifier as page contexts write it: quoted by PostgreSQL 15's rule
 * for quote_identifier() with quote_all_identifiers off, on every version
 * and whatever the session set.  The context is hashed into every page
 * cursor, so its text must not change across a major upgrade (later
 * versions made more words keywords, compat.h) or with a setting.
 */
static const char *
kp_context_ident(const char *ident)
{
	bool		plain = (ident[0] >= 'a' && ident[0] <= 'z') || ident[0] == '_';
	const char *p;
	StringInfoData buf;

	for (p = ident; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (plain)
	{
		int			kw = ScanKeywordLookup(ident, &ScanKeywords);

		if (kw >= 0 && ScanKeywordCategories[kw] != UNRESERVED_KEYWORD &&
			!kp_keyword_after_15(ident))
			plain = false;
	}
	if (plain)
		return ident;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '"');
	for (p = ident; *p; p++)
	{
		if (*p == '"')
			appendStringInfoChar(&buf, '"');
		appendStringInfoChar(&buf, *p);
	}
	appendStringInfoChar(&buf, '"');
	return buf.data;
}

/* The canonical text of a sort column, for contexts and keyset_check */
static void
append_canonical(StringInfo buf, const KpSortCol *col)
{
	appendStringInfo(buf, "%s %s NULLS %s", kp_context_ident(col->attname),
					 col->desc ? "DESC" : "ASC", col->nulls_first ? "FIRST" : "LAST");
}

/*
 * Builds the effective sort key.  order_by NULL means the primary key.
 * With require_unique, a key that cannot be made unique is an error;
 * keyset_check passes false to report instead.
 */
KpSortSpec *
kp_sortspec_build(Oid relid, const char *order_by, bool require_unique)
{
	KpSortSpec *spec = palloc0(sizeof(KpSortSpec));
	Relation	rel = relation_open(relid, AccessShareLock);
	Relation	keyrel = rel;
	KpViewChain vc;
	bool		isview;
	AttrNumber *map = NULL;
	int			nmap = 0;
	List	   *sortby = NIL;
	List	   *tiebreak = NIL;
	List	   *declared = NIL;
	ListCell   *lc;
	StringInfoData buf;
	char	   *advice;
	int			i,
				j;

	memset(&vc, 0, sizeof(vc));
	spec->relid = relid;
	spec->relkind = rel->rd_rel->relkind;
	spec->relname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
											   RelationGetRelationName(rel));
	spec->ctxname = psprintf("%s.%s",
							 kp_context_ident(get_namespace_name(RelationGetNamespace(rel))),
							 kp_context_ident(RelationGetRelationName(rel)));
	spec->depends = list_make1_oid(relid);
	isview = spec->relkind == RELKIND_VIEW;

	/*
	 * A view is followed down to the relations that store its columns; a
	 * chain of simple views ends at one relation whose indexes can prove
	 * its rows unique, through the map of view columns to its columns.
	 */
	if (isview)
	{
		view_chain(rel, &vc);
		spec->depends = list_concat_unique_oid(spec->depends, vc.relids);
		if (vc.simple)
		{
			nmap = RelationGetDescr(rel)->natts;
			map = palloc0(sizeof(AttrNumber) * (nmap + 1));
			for (i = 1; i <= nmap; i++)
				map[i] = vc.orig[i].relid == vc.base ? vc.orig[i].attnum : 0;
			keyrel = relation_open(vc.base, AccessShareLock);
		}
	}

	if (order_by != NULL)
		sortby = parse_order_by(order_by);

	/* the caller's columns; grown below for the tiebreaker */
	spec->cols = palloc0(sizeof(KpSortCol) * Max(list_length(sortby), 1));
	foreach(lc, sortby)
	{
		SortBy	   *sb = lfirst_node(SortBy, lc);
		char	   *name = strVal(linitial(((ColumnRef *) sb->node)->fields));
		KpSortCol  *col = &spec->cols[spec->ncols];

		for (j = 0; j < spec->ncols; j++)
			if (strcmp(spec->cols[j].attname, name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("column \"%s\" appears twice in order_by", name)));
		resolve_column(rel, col, name);
		col->desc = (sb->sortby_dir == SORTBY_DESC);
		col->nulls_first = sb->sortby_nulls == SORTBY_NULLS_DEFAULT ? col->desc
			: sb->sortby_nulls == SORTBY_NULLS_FIRST;
		spec->ncols++;
	}
	spec->nuser = spec->ncols;

	/*
	 * NOT NULL comes from the catalog of the relation whose indexes serve
	 * the key: the table, a simple view chain's base table, or the
	 * materialized view itself.  A materialized view holds what its last
	 * refresh wrote, whatever its base tables declare now, and none of its
	 * own columns is ever NOT NULL: so all its columns are nullable, and
	 * only a unique index created NULLS NOT DISTINCT makes a tiebreaker on
	 * it (or a declaration).
	 */
	if (!isview || vc.simple)
	{
		TupleDesc	kdesc = RelationGetDescr(keyrel);
		bool	   *knotnull = palloc(sizeof(bool) * Max(kdesc->natts, 1));

		for (i = 0; i < kdesc->natts; i++)
			knotnull[i] = TupleDescAttr(kdesc, i)->attnotnull;
		prove_unique(spec, keyrel, map, nmap, rel, knotnull, &tiebreak);
		if (isview && spec->proof)
		{
			/* name the chain: "... of public.t, through view public.v2, public.v1" */
			StringInfoData chain;

			initStringInfo(&chain);
			foreach(lc, vc.relids)
				if (lfirst_oid(lc) != vc.base)
					appendStringInfo(&chain, "%s%s", chain.len ? ", " : "",
									 quote_qualified_identifier(get_namespace_name(get_rel_namespace(lfirst_oid(lc))),
																get_rel_name(lfirst_oid(lc))));
			spec->proof = psprintf("%s of %s, through view%s %s", spec->proof,
								   quote_qualified_identifier(get_namespace_name(RelationGetNamespace(keyrel)),
															  RelationGetRelationName(keyrel)),
								   list_length(vc.relids) > 2 ? "s" : "", chain.data);
		}
	}

	/*
	 * What the catalog cannot prove, the owner can declare (views,
	 * materialized views, foreign tables): the declared columns not in
	 * order_by are the tiebreaker.  A catalog proof wins over a declaration.
	 */
	if (KP_DECLARABLE(spec->relkind))
	{
		spec->reads_comment = true;
		declared = declared_key(rel, &spec->comment);
	}
	if (!spec->unique && tiebreak == NIL && declared != NIL)
	{
		initStringInfo(&buf);
		foreach(lc, declared)
		{
			char	   *name = (char *) lfirst(lc);
			bool		in_sort = false;

			for (j = 0; j < spec->ncols; j++)
				if (strcmp(spec->cols[j].attname, name) == 0)
					in_sort = true;
			if (!in_sort)
				tiebreak = lappend(tiebreak, name);
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", quote_identifier(name));
		}
		spec->unique = tiebreak == NIL;
		spec->declared = true;
		spec->proof = psprintf("key (%s) declared in the comment on %s", buf.data, spec->relname);
	}

	if (!spec->unique && order_by == NULL && tiebreak == NIL && require_unique)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation \"%s\" has no primary key, so order_by is required",
						RelationGetRelationName(rel)),
				 errhint("Give order_by, ending with columns that are unique and NOT NULL.")));

	if (!spec->unique && tiebreak != NIL)
	{
		bool		desc = spec->ncols > 0 ? spec->cols[spec->ncols - 1].desc : false;
		int			total = spec->ncols + list_length(tiebreak);
		KpSortCol  *cols;

		/* distinct columns of the relation, each named once */
		if (total > RelationGetDescr(rel)->natts)
			elog(ERROR, "sort key of %d columns for a relation of %d",
				 total, RelationGetDescr(rel)->natts);
		cols = palloc0(sizeof(KpSortCol) * total);
		memcpy(cols, spec->cols, sizeof(KpSortCol) * spec->ncols);
		pfree(spec->cols);
		spec->cols = cols;
		foreach(lc, tiebreak)
		{
			KpSortCol  *col = &spec->cols[spec->ncols];

			resolve_column(rel, col, (char *) lfirst(lc));
			col->desc = desc;
			col->nulls_first = desc;
			col->appended = true;
			spec->ncols++;
		}
		spec->unique = true;
	}
	advice = uniqueness_advice(rel, spec, &vc);
	spec->advice = advice;
	if (!spec->unique && require_unique)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("order_by is not unique for \"%s\" and no tiebreaker was found",
						RelationGetRelationName(rel)),
				 errdetail(isview && vc.simple
						   ? "No primary key or unique index of the table below the view covers columns the view shows, and the view declares no key."
						   : isview
						   ? "The view joins, groups or combines rows, so no index proves its rows unique, and it declares no key."
						   : spec->relkind == RELKIND_MATVIEW
						   ? "A materialized view's columns may hold NULLs, it has no unique index created NULLS NOT DISTINCT, and it declares no key."
						   : spec->relkind == RELKIND_FOREIGN_TABLE
						   ? "A foreign table has no indexes, and it declares no key."
						   : "The relation has no primary key and no unique index on NOT NULL columns."),
				 errhint("%s", advice)));

	/*
	 * The relation whose indexes can serve the sort: the relation itself,
	 * or for a view the one relation every sort column comes from (through
	 * joins too), unless a view in between groups, aggregates or limits.
	 */
	if (!isview)
		spec->keyrelid = relid;
	else if (vc.servable && spec->ncols > 0)
	{
		spec->keyrelid = vc.orig[spec->cols[0].attnum].relid;
		for (i = 1; i < spec->ncols; i++)
			if (vc.orig[spec->cols[i].attnum].relid != spec->keyrelid)
				spec->keyrelid = InvalidOid;
	}
	for (i = 0; i < spec->ncols; i++)
	{
		KpSortCol  *col = &spec->cols[i];

		if (!isview)
		{
			col->keyattnum = col->attnum;
			continue;
		}
		col->keyattnum = OidIsValid(spec->keyrelid) ? vc.orig[col->attnum].attnum : 0;
		/* a view's column is NOT NULL where its source column is, outside outer joins */
		if (vc.orig[col->attnum].notnull)
			col->notnull = true;
	}

	initStringInfo(&buf);
	for (i = 0; i < spec->ncols; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		append_canonical(&buf, &spec->cols[i]);
	}
	spec->canonical = buf.data;

	if (keyrel != rel)
		relation_close(keyrel, AccessShareLock);
	relation_close(rel, AccessShareLock);
	return spec;
}

/*
 * Compares two keys in the sort order (directions and NULL placement
 * included): <0 when a comes first.
 */
int
kp_sortspec_compare(const KpSortSpec *spec, const Datum *av, const bool *an,
					const Datum *bv, const bool *bn)
{
	int			i;

	for (i = 0; i < spec->ncols; i++)
	{
		const KpSortCol *col = &spec->cols[i];
		int			r;

		if (an[i] || bn[i])
		{
			if (an[i] && bn[i])
				continue;
			r = an[i] ? -1 : 1;
			if (!col->nulls_first)
				r = -r;
			return r;
		}
		r = DatumGetInt32(FunctionCall2Coll((FmgrInfo *) &col->cmp, col->collation,
											av[i], bv[i]));
		if (r != 0)
			return col->desc ? (r < 0 ? 1 : -1) : (r < 0 ? -1 : 1);
	}
	return 0;
}

/*
 * A btree index whose leading columns are the sort key in order, with the
 * same directions and NULL placement (or all of them reversed: a backward
 * scan), the same collations and the types' default operator families.
 * Partial indexes are left out: they serve only matching filters.
 */
char *
kp_sortspec_find_index(const KpSortSpec *spec)
{
	Relation	rel;
	List	   *indexes;
	ListCell   *lc;
	char	   *found = NULL;

	if (!OidIsValid(spec->keyrelid) || spec->ncols == 0)
		return NULL;
	rel = relation_open(spec->keyrelid, AccessShareLock);
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	itup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		HeapTuple	ctup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
		Form_pg_index idx;
		bool		isnull;
		int2vector *opts;
		oidvector  *colls;
		oidvector  *classes;
		bool		fwd = true,
					bwd = true;
		int			i;

		if (!HeapTupleIsValid(itup) || !HeapTupleIsValid(ctup))
			elog(ERROR, "cache lookup failed for index %u", indexoid);
		idx = (Form_pg_index) GETSTRUCT(itup);
		if (((Form_pg_class) GETSTRUCT(ctup))->relam != BTREE_AM_OID ||
			!idx->indisvalid || idx->indnkeyatts < spec->ncols ||
			!heap_attisnull(itup, Anum_pg_index_indpred, NULL))
			fwd = bwd = false;
		if (fwd)
		{
			opts = (int2vector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, itup,
																  Anum_pg_index_indoption, &isnull));
			colls = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, itup,
																  Anum_pg_index_indcollation, &isnull));
			classes = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, itup,
																	Anum_pg_index_indclass, &isnull));
			for (i = 0; i < spec->ncols && (fwd || bwd); i++)
			{
				const KpSortCol *c = &spec->cols[i];
				bool		idesc = (opts->values[i] & INDOPTION_DESC) != 0;
				bool		inf = (opts->values[i] & INDOPTION_NULLS_FIRST) != 0;
				TypeCacheEntry *tce = lookup_type_cache(c->typid, TYPECACHE_BTREE_OPFAMILY);

				if (idx->indkey.values[i] != c->keyattnum || c->keyattnum == 0 ||
					colls->values[i] != c->collation ||
					get_opclass_family(classes->values[i]) != tce->btree_opf)
				{
					fwd = bwd = false;
					break;
				}
				if (idesc != c->desc || inf != c->nulls_first)
					fwd = false;
				if (idesc == c->desc || inf == c->nulls_first)
					bwd = false;
			}
		}
		if (fwd || bwd)
			found = psprintf("%s%s", quote_identifier(NameStr(((Form_pg_class) GETSTRUCT(ctup))->relname)),
							 fwd ? "" : " (scanned backward)");
		ReleaseSysCache(ctup);
		ReleaseSysCache(itup);
		if (found)
			break;
	}
	relation_close(rel, AccessShareLock);
	return found;
}

/* The CREATE INDEX that would serve the sort key */
char *
kp_sortspec_index_ddl(const KpSortSpec *spec)
{
	StringInfoData buf;
	int			i;

	if (!OidIsValid(spec->keyrelid) || spec->ncols == 0)
		return NULL;
	/* never DDL that cannot run: a foreign table has no indexes */
	switch (get_rel_relkind(spec->keyrelid))
	{
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
		case RELKIND_MATVIEW:
			break;
		default:
			return NULL;
	}
	for (i = 0; i < spec->ncols; i++)
		if (spec->cols[i].keyattnum == 0)
			return NULL;
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE INDEX ON %s (",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(spec->keyrelid)),
												get_rel_name(spec->keyrelid)));
	for (i = 0; i < spec->ncols; i++)
	{
		const KpSortCol *c = &spec->cols[i];

		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(get_attname(spec->keyrelid, c->keyattnum, false)));
		if (c->desc)
			appendStringInfoString(&buf, " DESC");
		if (c->nulls_first != c->desc)
			appendStringInfoString(&buf, c->nulls_first ? " NULLS FIRST" : " NULLS LAST");
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}
