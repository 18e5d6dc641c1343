/*
 * query.c
 *	  Builds the SQL of seeks.
 *
 * Values never enter SQL text: positions go as $n parameters, identifiers
 * through quote_identifier, operators and collations schema-qualified.
 * Each comparison has both operands of its opclass's input type (the column
 * cast to it, the parameter typed as it), so the qualified operator name has
 * exactly one match, the btree opfamily member (see resolve_column), and
 * kp_seek_verify checks that after parse analysis.  The only caller text
 * that is placed into SQL is the filter, and only after PostgreSQL's grammar
 * has shown it to be one expression with no subquery.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "access/relation.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/regproc.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/rel.h"

#include "query.h"

/* Is column c ascending, and do its NULLs come after its values, in scan order? */
static inline bool
asc_in_scan(const KpSortCol *c, bool backward)
{
	return c->desc == backward;
}

static inline bool
nulls_after_in_scan(const KpSortCol *c, bool backward)
{
	return c->nulls_first == backward;
}

/*
 * Splits "after the position" (or "at or after", for the opposite-flag
 * probe) into ordered ranges.  Column by column from the last: an equal
 * prefix and one bound on the column, plus the NULL group where NULLs sort
 * after it.  A trailing run of NOT NULL same-direction columns with
 * pg_catalog operators folds into one row comparison, which the planner
 * uses as a single index bound.  Returns the number of ranges in out
 * (sized 2 * ncols + 1).
 */
int
kp_build_ranges(const KpSortSpec *spec, const bool *posnulls, bool backward,
				bool inclusive, KpRange *out)
{
	int			k = spec->ncols;
	int			n = 0;
	int			j = k;
	int			i;

	if (posnulls == NULL)
	{
		out[0].col = 0;
		out[0].rowlen = 0;
		out[0].piece = KP_PIECE_NONE;
		return 1;
	}

	/* the foldable suffix j..k-1 */
	while (j > 0)
	{
		const KpSortCol *c = &spec->cols[j - 1];

		if (!c->notnull || posnulls[j - 1] || !c->catalog_ops ||
			c->desc != spec->cols[k - 1].desc)
			break;
		j--;
	}
	if (k - j >= 2)
	{
		out[n].col = j;
		out[n].rowlen = k - j;
		out[n].piece = inclusive ? KP_PIECE_ROW_AFTER_EQ : KP_PIECE_ROW_AFTER;
		n++;
	}
	else
		j = k;

	for (i = j - 1; i >= 0; i--)
	{
		const KpSortCol *c = &spec->cols[i];
		bool		incl = inclusive && i == k - 1;
		bool		nulls_after = nulls_after_in_scan(c, backward);

		if (!posnulls[i])
		{
			out[n].col = i;
			out[n].rowlen = 0;
			out[n].piece = incl ? KP_PIECE_AFTER_EQ : KP_PIECE_AFTER;
			n++;
			if (nulls_after && !c->notnull)
			{
				out[n].col = i;
				out[n].rowlen = 0;
				out[n].piece = KP_PIECE_IS_NULL;
				n++;
			}
		}
		else if (nulls_after)
		{
			if (incl)
			{
				out[n].col = i;
				out[n].rowlen = 0;
				out[n].piece = KP_PIECE_IS_NULL;
				n++;
			}
		}
		else
		{
			out[n].col = i;
			out[n].rowlen = 0;
			out[n].piece = incl ? KP_PIECE_ANY : KP_PIECE_NOT_NULL;
			n++;
		}
	}
	return n;
}

/*
 * A short text naming a range and the NULL pattern of its equal prefix,
 * part of the plan cache key, written into buf (3 * 12 + r->col + 1 bytes)
 * without printf: this runs for every seek.  Returns the terminating NUL's
 * address.
 */
char *
kp_put_range_shape(char *buf, const KpRange *r, const bool *posnulls)
{
	int			i;

	buf += pg_ltoa(r->col, buf);
	*buf++ = '.';
	buf += pg_ltoa(r->rowlen, buf);
	*buf++ = '.';
	buf += pg_ltoa((int) r->piece, buf);
	*buf++ = '.';
	for (i = 0; i < r->col; i++)
		*buf++ = posnulls[i] ? 'n' : 'v';
	*buf = '\0';
	return buf;
}

/*
 * A table alias that no column shares, so that the whole-row reference in
 * the select list is the row and never a column.
 */
char *
kp_choose_alias(Oid relid)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	char	   *alias = pstrdup("kp_row");
	int			suffix = 0;
	bool		clash;

	do
	{
		int			i;

		clash = false;
		for (i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, i)->attname), alias) == 0)
				clash = true;
		if (clash)
			alias = psprintf("kp_row_%d", ++suffix);
	} while (clash);
	relation_close(rel, AccessShareLock);
	return alias;
}

/*
 * The seek's SELECT list and FROM: the relation's live columns (desc is its
 * descriptor), in attnum order, which kp_check_seek checks after analysis.
 */
char *
kp_seek_select(const KpSortSpec *spec, const char *alias, TupleDesc desc)
{
	StringInfoData buf;
	int			i;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "SELECT ");
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		appendStringInfo(&buf, "%s%s.%s", first ? "" : ", ", alias,
						 quote_identifier(NameStr(att->attname)));
		first = false;
	}
	appendStringInfo(&buf, "\nFROM %s %s\nWHERE ", spec->relname, alias);
	return buf.data;
}

/* SELECT list and FROM of the offset query: the row, then the key */
static void
append_select_from(StringInfo buf, const KpSortSpec *spec, const char *alias)
{
	int			i;

	appendStringInfo(buf, "SELECT %s", alias);
	for (i = 0; i < spec->ncols; i++)
		appendStringInfo(buf, ", %s.%s", alias, quote_identifier(spec->cols[i].attname));
	appendStringInfo(buf, "\nFROM %s %s\nWHERE ", spec->relname, alias);
}

static void
append_filter(StringInfo buf, const KpFilter *filter)
{
	if (filter)
		appendStringInfo(buf, "(\n%s\n)", filter->text);
	else
		appendStringInfoString(buf, "true");
}

static void
append_order_by(StringInfo buf, const KpSortSpec *spec, const char *alias,
				bool backward)
{
	int			i;

	appendStringInfoString(buf, "\nORDER BY ");
	for (i = 0; i < spec->ncols; i++)
	{
		const KpSortCol *c = &spec->cols[i];

		appendStringInfo(buf, "%s%s.%s %s NULLS %s", i > 0 ? ", " : "", alias,
						 quote_identifier(c->attname),
						 (c->desc != backward) ? "DESC" : "ASC",
						 (c->nulls_first != backward) ? "FIRST" : "LAST");
	}
}

/*
 * The seek query of one range, after select (kp_seek_select).  Parameters:
 * the filter's $1..$nf, then the position values the range uses;
 * ptypes/posidx receive, for each of ours, its type and the index of the
 * key column whose value it carries.
 */
char *
kp_seek_sql(const KpSortSpec *spec, const KpFilter *filter, const char *alias,
			const char *select, const KpRange *r, const bool *posnulls,
			bool backward, int limit, Oid *ptypes, int *posidx, int *nparams)
{
	StringInfoData buf;
	int			nf = filter ? filter->nparams : 0;
	int			np = 0;
	int			i;

#define NEXT_PARAM(colno) \
	(ptypes[np] = spec->cols[colno].cmptype, posidx[np] = (colno), nf + (++np))

	initStringInfo(&buf);
	appendStringInfoString(&buf, select);
	append_filter(&buf, filter);

	if (r->piece != KP_PIECE_NONE)
	{
		for (i = 0; i < r->col; i++)
		{
			const KpSortCol *c = &spec->cols[i];

			if (posnulls[i])
				appendStringInfo(&buf, "\n  AND %s.%s IS NULL", alias,
								 quote_identifier(c->attname));
			else
			{
				int			p = NEXT_PARAM(i);

				/*
				 * "col >= v AND col <= v", not "col = v": an equality would
				 * make the column a constant to the planner, drop it from
				 * the ordering, and let it walk another index (the primary
				 * key) with the equality as a Filter, reading every row of
				 * other values on the way (BUG-7).  The two bounds keep the
				 * column in the ordering, so only the index that serves the
				 * sort avoids a Sort, and they are the same index bound.
				 */
				appendStringInfo(&buf, "\n  AND %s.%s%s %s ($%d%s) AND %s.%s%s %s ($%d%s)",
								 alias, quote_identifier(c->attname), c->cmpcast, kp_sortcol_op(c, BTGreaterEqualStrategyNumber), p, c->collate,
								 alias, quote_identifier(c->attname), c->cmpcast, kp_sortcol_op(c, BTLessEqualStrategyNumber), p, c->collate);
			}
		}
	}

	switch (r->piece)
	{
		case KP_PIECE_NONE:
		case KP_PIECE_ANY:
			break;
		case KP_PIECE_AFTER:
		case KP_PIECE_AFTER_EQ:
			{
				const KpSortCol *c = &spec->cols[r->col];
				bool		asc = asc_in_scan(c, backward);
				const char *op = r->piece == KP_PIECE_AFTER
					? kp_sortcol_op(c, asc ? BTGreaterStrategyNumber : BTLessStrategyNumber)
					: kp_sortcol_op(c, asc ? BTGreaterEqualStrategyNumber : BTLessEqualStrategyNumber);
				int			p = NEXT_PARAM(r->col);

				appendStringInfo(&buf, "\n  AND %s.%s%s %s ($%d%s)", alias,
								 quote_identifier(c->attname), c->cmpcast, op, p, c->collate);
				break;
			}
		case KP_PIECE_IS_NULL:
		case KP_PIECE_NOT_NULL:
			appendStringInfo(&buf, "\n  AND %s.%s IS %sNULL", alias,
							 quote_identifier(spec->cols[r->col].attname),
							 r->piece == KP_PIECE_NOT_NULL ? "NOT " : "");
			break;
		case KP_PIECE_ROW_AFTER:
		case KP_PIECE_ROW_AFTER_EQ:
			{
				const KpSortCol *c0 = &spec->cols[r->col];
				bool		asc = asc_in_scan(c0, backward);
				const char *op = r->piece == KP_PIECE_ROW_AFTER
					? kp_sortcol_op(c0, asc ? BTGreaterStrategyNumber : BTLessStrategyNumber)
					: kp_sortcol_op(c0, asc ? BTGreaterEqualStrategyNumber : BTLessEqualStrategyNumber);

				appendStringInfo(&buf, "\n  AND ROW(");
				for (i = r->col; i < r->col + r->rowlen; i++)
					appendStringInfo(&buf, "%s%s.%s%s", i > r->col ? ", " : "", alias,
									 quote_identifier(spec->cols[i].attname),
									 spec->cols[i].cmpcast);
				appendStringInfo(&buf, ") %s ROW(", op);
				for (i = r->col; i < r->col + r->rowlen; i++)
				{
					int			p = NEXT_PARAM(i);

					appendStringInfo(&buf, "%s$%d%s", i > r->col ? ", " : "", p,
									 spec->cols[i].collate);
				}
				appendStringInfoChar(&buf, ')');
				break;
			}
	}
#undef NEXT_PARAM

	append_order_by(&buf, spec, alias, backward);
	appendStringInfo(&buf, "\nLIMIT %d", limit);
	*nparams = np;
	return buf.data;
}

/* A seek's plan being checked: which key column each position $n carries */
typedef struct SeekVerify
{
	const KpSortSpec *spec;
	int			nfilter;
	int			np;
	const int  *posidx;
} SeekVerify;

/* The key column whose position value expr is (under casts/COLLATE), or NULL */
static const KpSortCol *
position_param_col(SeekVerify *v, Node *expr)
{
	Param	   *p;

	while (expr && (IsA(expr, RelabelType) || IsA(expr, CollateExpr)))
		expr = IsA(expr, RelabelType) ? (Node *) ((RelabelType *) expr)->arg
			: (Node *) ((CollateExpr *) expr)->arg;
	if (expr == NULL || !IsA(expr, Param))
		return NULL;
	p = (Param *) expr;
	if (p->paramkind != PARAM_EXTERN || p->paramid <= v->nfilter ||
		p->paramid > v->nfilter + v->np)
		return NULL;
	return &v->spec->cols[v->posidx[p->paramid - v->nfilter - 1]];
}

static void
check_member(const KpSortCol *c, Oid opno)
{
	int			s;

	for (s = 0; s < BTMaxStrategyNumber; s++)
		if (c->strat_ops[s] == opno)
			return;
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("seek on column \"%s\" resolved to operator %s, not a member of its btree operator family",
					c->attname, format_operator(opno)),
			 errdetail("An operator created in a schema the seek names would have run in place of the column's comparison; the seek is refused."),
			 errhint("Drop the operator, or revoke CREATE on that schema from roles that should not define operators there.")));
}

static bool
seek_verify_walker(Node *node, void *context)
{
	SeekVerify *v = (SeekVerify *) context;

	if (node == NULL)
		return false;
	if (IsA(node, OpExpr) && list_length(((OpExpr *) node)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) node;
		const KpSortCol *c = position_param_col(v, lsecond(op->args));

		if (c)
		{
			check_member(c, op->opno);
			return seek_verify_walker(linitial(op->args), context);
		}
	}
	else if (IsA(node, RowCompareExpr))
	{
		RowCompareExpr *rc = (RowCompareExpr *) node;
		ListCell   *lo,
				   *lr;

		forboth(lo, rc->opnos, lr, rc->rargs)
		{
			const KpSortCol *c = position_param_col(v, lfirst(lr));

			if (c == NULL)
				break;
			check_member(c, lfirst_oid(lo));
		}
		if (lr == NULL)
			return expression_tree_walker((Node *) rc->largs, seek_verify_walker, context);
	}
	else if (IsA(node, Param) && position_param_col(v, node) != NULL)
		elog(ERROR, "seek parameter $%d is not the operand of a btree comparison",
			 ((Param *) node)->paramid);
	else if (IsA(node, Query))
		return query_tree_walker((Query *) node, seek_verify_walker, context, 0);
	return expression_tree_walker(node, seek_verify_walker, context);
}

/*
 * After parse analysis of a seek: every comparison with a position value
 * runs one of its column's btree opfamily members, by OID, and position
 * values appear nowhere else.  The SQL text is built so that nothing else
 * can match (see resolve_column); this refuses the plan if it ever did.
 */
void
kp_seek_verify(const KpSortSpec *spec, SPIPlanPtr plan, int nfilter, int np,
			   const int *posidx)
{
	SeekVerify	v = {spec, nfilter, np, posidx};
	ListCell   *lc,
			   *lq;

	foreach(lc, SPI_plan_get_plan_sources(plan))
	{
		CachedPlanSource *ps = (CachedPlanSource *) lfirst(lc);

		foreach(lq, ps->query_list)
			(void) query_tree_walker(lfirst_node(Query, lq), seek_verify_walker, &v, 0);
	}
}

/*
 * Numbered pages for keyset_offset_page: same select list, filter and index
 * order as the seeks; LIMIT and OFFSET are the two parameters after the
 * filter's.
 */
char *
kp_offset_sql(const KpSortSpec *spec, const KpFilter *filter, const char *alias)
{
	StringInfoData buf;
	int			nf = filter ? filter->nparams : 0;

	initStringInfo(&buf);
	append_select_from(&buf, spec, alias);
	append_filter(&buf, filter);
	append_order_by(&buf, spec, alias, false);
	appendStringInfo(&buf, "\nLIMIT $%d OFFSET $%d", nf + 1, nf + 2);
	return buf.data;
}

/* The WHERE body alone (for counts and estimates) */
char *
kp_where_sql(const KpFilter *filter)
{
	StringInfoData buf;

	initStringInfo(&buf);
	append_filter(&buf, filter);
	return buf.data;
}
