/*
 * scan.c
 *	  The planner path of keyset_page: a custom scan that runs the page and
 *	  returns its rows without the composite round trip of a function scan.
 *
 * `SELECT (p.node).*, p.cursor FROM keyset_page(NULL::t, ...) p` is planned
 * as a function scan: the function puts each row's node (a composite) into
 * a tuplestore, the scan reads it back, and every (p.node).col takes the
 * composite apart again.  When the FROM item is keyset_page alone, with
 * arguments that do not depend on other relations (constants, $n of a
 * prepared statement, stable functions of those), the planner hook below
 * replaces that path by a custom scan ("KeysetPage").  Its scan tuple is
 * (node, cursor, has_previous_page, has_next_page, then one column per live
 * column of the row type, each described as the FieldSelect the parser
 * builds for (p.node).col); setrefs matches the query's (p.node).col
 * against those and reads them as plain columns.  The scan evaluates the
 * arguments, checks them and runs the page with the same code as the
 * function (kp_page_args, kp_page_run: the same errors), then returns each
 * row's columns as the seek returned them (no composite is formed unless
 * the plan reads the node itself).  Anything else (WITH ORDINALITY, ROWS FROM with more functions,
 * LATERAL references, arguments with Vars or subqueries, a whole-row
 * reference to the FROM item) keeps the function scan.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "catalog/objectaccess.h"
#include "executor/nodeCustom.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/ruleutils.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "compat.h"
#include "page.h"
#include "scan.h"

#define KP_SCAN_NAME "KeysetPage"

/* the function's result columns, then the row type's */
#define KP_COL_NODE		1
#define KP_COL_CURSOR	2
#define KP_COL_PREV		3
#define KP_COL_NEXT		4
#define KP_NFIXED		4

static set_rel_pathlist_hook_type kp_prev_pathlist_hook = NULL;

static Plan *kp_plan_path(PlannerInfo *root, RelOptInfo *rel,
						  CustomPath *best_path, List *tlist,
						  List *clauses, List *custom_plans);
static Node *kp_create_state(CustomScan *cscan);
static void kp_begin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *kp_exec(CustomScanState *node);
static void kp_end(CustomScanState *node);
static void kp_rescan(CustomScanState *node);
static void kp_explain(CustomScanState *node, List *ancestors, ExplainState *es);

static const CustomPathMethods kp_path_methods = {
	.CustomName = KP_SCAN_NAME,
	.PlanCustomPath = kp_plan_path,
};

static const CustomScanMethods kp_scan_methods = {
	.CustomName = KP_SCAN_NAME,
	.CreateCustomScanState = kp_create_state,
};

static const CustomExecMethods kp_exec_methods = {
	.CustomName = KP_SCAN_NAME,
	.BeginCustomScan = kp_begin,
	.ExecCustomScan = kp_exec,
	.EndCustomScan = kp_end,
	.ReScanCustomScan = kp_rescan,
	.ExplainCustomScan = kp_explain,
};

/* ---------------------------------------------------------------- planner */

/*
 * keyset_page itself: by its C entry point, never by name; and called on
 * NULL input, as installed (made STRICT by its owner, the function scan
 * returns no rows for a NULL argument, which the custom scan would not know)
 */
static bool
kp_is_keyset_page(Oid funcid)
{
	FmgrInfo	flinfo;

	/* security definer or SET options go through fmgr_security_definer */
	fmgr_info(funcid, &flinfo);
	return flinfo.fn_addr == keyset_page && !flinfo.fn_strict;
}

/* true when an argument needs anything but constants and $n */
static bool
kp_arg_unplain_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) || IsA(node, PlaceHolderVar) ||
		IsA(node, SubLink) || IsA(node, SubPlan) ||
		IsA(node, AlternativeSubPlan) || IsA(node, Aggref) ||
		IsA(node, WindowFunc) || IsA(node, GroupingFunc) ||
		IsA(node, CurrentOfExpr))
		return true;
	if (IsA(node, Param) && ((Param *) node)->paramkind != PARAM_EXTERN)
		return true;
	return expression_tree_walker(node, kp_arg_unplain_walker, context);
}

/* true when an expression references the relation rti as a whole row */
static bool
kp_wholerow_walker(Node *node, Index *rti)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *v = (Var *) node;

		return v->varno == *rti && v->varlevelsup == 0 && v->varattno <= 0;
	}
	return expression_tree_walker(node, kp_wholerow_walker, rti);
}

/*
 * The FuncExpr of a FROM item the custom scan can serve, or NULL: keyset_page
 * alone (no ORDINALITY, no ROWS FROM list), its arguments plain, the row a
 * named composite type, no LATERAL reference and no whole-row use of the
 * item.
 */
static FuncExpr *
kp_page_funcexpr(RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	RangeTblFunction *rtfunc;
	FuncExpr   *f;
	ListCell   *lc;

	if (rte->rtekind != RTE_FUNCTION || rel->reloptkind != RELOPT_BASEREL ||
		rte->funcordinality || list_length(rte->functions) != 1 ||
		!bms_is_empty(rel->lateral_relids) || IS_DUMMY_REL(rel))
		return NULL;
	rtfunc = linitial_node(RangeTblFunction, rte->functions);
	if (!IsA(rtfunc->funcexpr, FuncExpr))
		return NULL;
	f = (FuncExpr *) rtfunc->funcexpr;
	if (!f->funcretset || f->funcresulttype != RECORDOID ||
		list_length(f->args) != KP_PAGE_NARGS || rtfunc->funccolcount != KP_NFIXED)
		return NULL;
	if (!kp_is_keyset_page(f->funcid))
		return NULL;
	if (kp_arg_unplain_walker((Node *) f->args, NULL) ||
		contain_volatile_functions((Node *) f->args) ||
		expression_returns_set((Node *) f->args))
		return NULL;
	/* the row type must be a table's, a view's or a composite type's */
	if (!OidIsValid(get_typ_typrelid(exprType(linitial(f->args)))))
		return NULL;
	if (kp_wholerow_walker((Node *) rel->reltarget->exprs, &rti))
		return NULL;
	foreach(lc, rel->baserestrictinfo)
	{
		if (kp_wholerow_walker((Node *) ((RestrictInfo *) lfirst(lc))->clause, &rti))
			return NULL;
	}
	return f;
}

static void
kp_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti,
					RangeTblEntry *rte)
{
	CustomPath *cp;
	Path	   *fpath;

	if (kp_prev_pathlist_hook)
		kp_prev_pathlist_hook(root, rel, rti, rte);
	if (rte->rtekind != RTE_FUNCTION || kp_page_funcexpr(rel, rti, rte) == NULL)
		return;
	/* the function scan's path (the only one): the custom scan takes its place */
	if (list_length(rel->pathlist) != 1)
		return;
	fpath = linitial(rel->pathlist);
	if (fpath->pathtype != T_FunctionScan || fpath->param_info != NULL)
		return;

	cp = makeNode(CustomPath);
	cp->path.pathtype = T_CustomScan;
	cp->path.parent = rel;
	cp->path.pathtarget = rel->reltarget;
	cp->path.param_info = NULL;
	cp->path.parallel_aware = false;
	cp->path.parallel_safe = false;
	cp->path.parallel_workers = 0;
	cp->path.rows = fpath->rows;
	cp->path.startup_cost = fpath->startup_cost;
	cp->path.total_cost = fpath->total_cost;
	cp->path.pathkeys = NIL;
	/* backward: a cursor without SCROLL fetches backward from a function scan */
	cp->flags = CUSTOMPATH_SUPPORT_PROJECTION | CUSTOMPATH_SUPPORT_BACKWARD_SCAN;
	cp->custom_paths = NIL;
	cp->custom_private = NIL;
	cp->methods = &kp_path_methods;
	rel->pathlist = NIL;
	rel->partial_pathlist = NIL;
	add_path(rel, &cp->path);
}

/* The planner's Var of the function's result column attno, or a new one */
static Var *
kp_result_var(RelOptInfo *rel, Index rti, AttrNumber attno, Form_pg_attribute att)
{
	ListCell   *lc;

	foreach(lc, rel->reltarget->exprs)
	{
		Var		   *v = lfirst(lc);

		if (IsA(v, Var) && v->varno == rti && v->varattno == attno &&
			v->varlevelsup == 0)
			return copyObject(v);
	}
	return makeVar(rti, attno, att->atttypid, att->atttypmod, att->attcollation, 0);
}

/*
 * The scan tuple: the function's four result columns as Vars, then
 * (p.node).col for every live column of the row type, built as the parser
 * builds it (ParseComplexProjection, ExpandRowReference), so setrefs
 * replaces the query's (p.node).col by a read of that column.
 */
static List *
kp_scan_tlist(RelOptInfo *rel, FuncExpr *f)
{
	Index		rti = rel->relid;
	TupleDesc	result;
	TupleDesc	row;
	List	   *tlist = NIL;
	Var		   *node = NULL;
	AttrNumber	resno;
	int			k;

	if (get_expr_result_type((Node *) f, NULL, &result) != TYPEFUNC_COMPOSITE ||
		result->natts != KP_NFIXED)
		elog(ERROR, "keyset_page: unexpected result type");
	for (resno = 1; resno <= KP_NFIXED; resno++)
	{
		Form_pg_attribute att = TupleDescAttr(result, resno - 1);
		Var		   *v = kp_result_var(rel, rti, resno, att);

		if (resno == KP_COL_NODE)
			node = v;
		tlist = lappend(tlist, makeTargetEntry((Expr *) v, resno,
											   pstrdup(NameStr(att->attname)), false));
	}
	row = lookup_rowtype_tupdesc(node->vartype, node->vartypmod);
	for (k = 0; k < row->natts; k++)
	{
		Form_pg_attribute att = TupleDescAttr(row, k);
		FieldSelect *fs;

		if (att->attisdropped)
			continue;
		fs = makeNode(FieldSelect);
		fs->arg = (Expr *) copyObject(node);
		fs->fieldnum = k + 1;
		fs->resulttype = att->atttypid;
		fs->resulttypmod = att->atttypmod;
		fs->resultcollid = att->attcollation;
		tlist = lappend(tlist, makeTargetEntry((Expr *) fs, resno++,
											   pstrdup(NameStr(att->attname)), false));
	}
	ReleaseTupleDesc(row);
	return tlist;
}

/* the function's result column or (p.node).col of the FROM item rti */
static bool
kp_is_scan_column(Expr *e, Index rti)
{
	Var		   *v;

	if (IsA(e, FieldSelect))
	{
		if (((FieldSelect *) e)->fieldnum <= 0)
			return false;
		e = ((FieldSelect *) e)->arg;
		if (!IsA(e, Var) || ((Var *) e)->varattno != KP_COL_NODE)
			return false;
	}
	if (!IsA(e, Var))
		return false;
	v = (Var *) e;
	return v->varno == rti && v->varlevelsup == 0 &&
		v->varattno >= 1 && v->varattno <= KP_NFIXED;
}

/*
 * The scan tuple as exactly the query's target list, when the FROM item is
 * the query's only relation, nothing filters or groups its rows, and every
 * entry of the target list (resjunk sort columns included) is one of the
 * function's columns or (p.node).col.  The plan's target list is then the
 * scan tuple itself: the executor returns the scan's slot without a
 * projection (tlist_matches_tupdesc), and the scan tuple's descriptor has
 * no column the query does not read.  NIL otherwise (kp_scan_tlist).
 */
static List *
kp_exact_tlist(PlannerInfo *root, RelOptInfo *rel, List *tlist)
{
	Query	   *parse = root->parse;
	Index		rti = rel->relid;
	List	   *out = NIL;
	TupleDesc	result;
	TupleDesc	row = NULL;
	ListCell   *lc;
	AttrNumber	resno = 1;
	RangeTblEntry *rte = planner_rt_fetch(rti, root);
	FuncExpr   *f = (FuncExpr *) linitial_node(RangeTblFunction, rte->functions)->funcexpr;

	if (parse->commandType != CMD_SELECT || parse->hasAggs ||
		parse->groupClause != NIL || parse->groupingSets != NIL ||
		parse->havingQual != NULL || parse->hasWindowFuncs ||
		parse->hasTargetSRFs || parse->distinctClause != NIL ||
		parse->rowMarks != NIL || parse->setOperations != NULL ||
		rel->baserestrictinfo != NIL || root->processed_tlist == NIL ||
		bms_membership(root->all_baserels) != BMS_SINGLETON ||
		!bms_is_member(rti, root->all_baserels))
		return NIL;
	foreach(lc, root->processed_tlist)
	{
		if (!kp_is_scan_column(((TargetEntry *) lfirst(lc))->expr, rti))
			return NIL;
	}
	/* a target list the plan is given must be there too */
	foreach(lc, tlist)
	{
		if (!tlist_member(((TargetEntry *) lfirst(lc))->expr, root->processed_tlist))
			return NIL;
	}
	if (get_expr_result_type((Node *) f, NULL, &result) != TYPEFUNC_COMPOSITE ||
		result->natts != KP_NFIXED)
		elog(ERROR, "keyset_page: unexpected result type");
	foreach(lc, root->processed_tlist)
	{
		Expr	   *e = ((TargetEntry *) lfirst(lc))->expr;
		const char *name;

		if (IsA(e, FieldSelect))
		{
			FieldSelect *fs = (FieldSelect *) e;
			Form_pg_attribute att;

			if (row == NULL)
			{
				Var		   *node = (Var *) fs->arg;

				row = lookup_rowtype_tupdesc(node->vartype, node->vartypmod);
			}
			if (fs->fieldnum > row->natts)
				break;
			att = TupleDescAttr(row, fs->fieldnum - 1);
			if (att->attisdropped)
				break;
			name = NameStr(att->attname);
		}
		else
			name = NameStr(TupleDescAttr(result, ((Var *) e)->varattno - 1)->attname);
		out = lappend(out, makeTargetEntry((Expr *) copyObject(e), resno++,
										   pstrdup(name), false));
	}
	if (row)
		ReleaseTupleDesc(row);
	if (lc != NULL)
		return NIL;
	return out;
}

static Plan *
kp_plan_path(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
			 List *tlist, List *clauses, List *custom_plans)
{
	RangeTblEntry *rte = planner_rt_fetch(rel->relid, root);
	RangeTblFunction *rtfunc = linitial_node(RangeTblFunction, rte->functions);
	FuncExpr   *f = castNode(FuncExpr, rtfunc->funcexpr);
	CustomScan *cs = makeNode(CustomScan);

	cs->scan.plan.targetlist = tlist;
	cs->scan.plan.qual = extract_actual_clauses(clauses, false);
	/* no relation to open: the scan tuple is custom_scan_tlist */
	cs->scan.scanrelid = 0;
	cs->flags = best_path->flags;
	cs->custom_plans = NIL;
	/* setrefs fixes its Params and records the plan's dependency on it */
	cs->custom_exprs = list_make1(copyObject(f));
	cs->custom_scan_tlist = kp_exact_tlist(root, rel, tlist);
	/* custom_private: whether it is the exact list (every column is read) */
	cs->custom_private = list_make1(makeInteger(cs->custom_scan_tlist != NIL));
	if (cs->custom_scan_tlist == NIL)
		cs->custom_scan_tlist = kp_scan_tlist(rel, f);
	cs->methods = &kp_scan_methods;
	return &cs->scan.plan;
}

/* --------------------------------------------------------------- executor */

typedef struct KpScanState
{
	CustomScanState css;
	Const	   *argconst[KP_PAGE_NARGS];	/* each argument that is a constant */
	Param	   *argparam[KP_PAGE_NARGS];	/* or a plain $n */
	ExprState  *argstate[KP_PAGE_NARGS];	/* or its ExprState */
	Oid			rowtype;
	bool		ran;			/* the page is taken (first fetch) */
	KpPage		page;
	int			pos;			/* row it is on: -1 before the first, nrows past the last */
	int			natts;			/* scan tuple's columns */
	bool	   *needed;			/* scan attribute read by the plan, by attno - 1 */
	AttrNumber *fixedcol;		/* each one's function column (KP_COL_*), or 0 */
	AttrNumber *fieldnum;		/* or its attribute number in the node */
	Oid		   *fieldtype;		/* and its type when planned */
	bool		anycol;			/* any node column (or the node) read */
	TupleDesc	nodedesc;		/* the row type's descriptor, at the first row */
} KpScanState;

static Node *
kp_create_state(CustomScan *cscan)
{
	KpScanState *s = (KpScanState *) newNode(sizeof(KpScanState), T_CustomScanState);

	s->css.methods = &kp_exec_methods;
	return (Node *) s;
}

/* marks the scan attributes an expression of the plan reads */
static bool
kp_needed_walker(Node *node, bool *needed)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *v = (Var *) node;

		if (v->varno == INDEX_VAR && v->varattno > 0)
			needed[v->varattno - 1] = true;
		return false;
	}
	return expression_tree_walker(node, kp_needed_walker, needed);
}

static void
kp_begin(CustomScanState *node, EState *estate, int eflags)
{
	KpScanState *s = (KpScanState *) node;
	CustomScan *cs = (CustomScan *) node->ss.ps.plan;
	FuncExpr   *f = linitial_node(FuncExpr, cs->custom_exprs);
	int			natts = list_length(cs->custom_scan_tlist);
	AclResult	aclresult;
	ParamListInfo params;
	bool		plainparams;
	ListCell   *lc;
	int			j;

	/* what the executor checks before calling the function */
	aclresult = kp_proc_aclcheck(f->funcid);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FUNCTION, get_func_name(f->funcid));
	InvokeFunctionExecuteHook(f->funcid);

	/*
	 * Constants are read as they are (most arguments; ExprStates cost ~650
	 * instructions each), and so are $n of a parameter list with its values
	 * in place (no fetch or compile hook: a protocol-level prepared
	 * statement), as ExecEvalParamExtern reads them.
	 */
	params = estate->es_param_list_info;
	plainparams = params != NULL && params->paramFetch == NULL &&
		params->paramCompile == NULL;
	j = 0;
	foreach(lc, f->args)
	{
		Node	   *arg = lfirst(lc);

		if (IsA(arg, Const))
			s->argconst[j] = (Const *) arg;
		else if (plainparams && IsA(arg, Param) &&
				 ((Param *) arg)->paramkind == PARAM_EXTERN)
			s->argparam[j] = (Param *) arg;
		else
			s->argstate[j] = ExecInitExpr((Expr *) lfirst(lc), &node->ss.ps);
		j++;
	}
	s->rowtype = exprType(linitial(f->args));
	s->pos = -1;
	s->natts = natts;
	s->needed = palloc(sizeof(bool) * natts);
	/* the exact list (kp_exact_tlist): the plan returns every column */
	memset(s->needed, intVal(linitial(cs->custom_private)) != 0, sizeof(bool) * natts);
	if (!s->needed[0])
	{
		kp_needed_walker((Node *) cs->scan.plan.targetlist, s->needed);
		kp_needed_walker((Node *) cs->scan.plan.qual, s->needed);
	}
	s->fixedcol = palloc0(sizeof(AttrNumber) * natts);
	s->fieldnum = palloc0(sizeof(AttrNumber) * natts);
	s->fieldtype = palloc0(sizeof(Oid) * natts);
	j = 0;
	foreach(lc, cs->custom_scan_tlist)
	{
		Expr	   *e = ((TargetEntry *) lfirst(lc))->expr;

		if (IsA(e, FieldSelect))
		{
			s->fieldnum[j] = ((FieldSelect *) e)->fieldnum;
			s->fieldtype[j] = ((FieldSelect *) e)->resulttype;
			s->anycol |= s->needed[j];
		}
		else
		{
			s->fixedcol[j] = castNode(Var, e)->varattno;
			s->anycol |= s->fixedcol[j] == KP_COL_NODE && s->needed[j];
		}
		j++;
	}
}

/* The page, at the first fetch: the arguments checked as the function checks them */
static void
kp_run(KpScanState *s)
{
	ExprContext *econtext = s->css.ss.ps.ps_ExprContext;
	MemoryContext old = MemoryContextSwitchTo(s->css.ss.ps.state->es_query_cxt);
	Datum		values[KP_PAGE_NARGS];
	bool		nulls[KP_PAGE_NARGS];
	KpPageArgs	a;
	int			i;

	for (i = 0; i < KP_PAGE_NARGS; i++)
	{
		if (s->argconst[i])
		{
			values[i] = s->argconst[i]->constvalue;
			nulls[i] = s->argconst[i]->constisnull;
		}
		else if (s->argparam[i])
		{
			/* ExecEvalParamExtern, for a list without hooks */
			ParamListInfo params = s->css.ss.ps.state->es_param_list_info;
			Param	   *param = s->argparam[i];
			ParamExternData *prm;

			if (params == NULL || param->paramid <= 0 || param->paramid > params->numParams ||
				!OidIsValid((prm = &params->params[param->paramid - 1])->ptype))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("no value found for parameter %d", param->paramid)));
			if (prm->ptype != param->paramtype)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("type of parameter %d (%s) does not match that when preparing the plan (%s)",
								param->paramid,
								format_type_be(prm->ptype),
								format_type_be(param->paramtype))));
			values[i] = prm->value;
			nulls[i] = prm->isnull;
		}
		else
			values[i] = ExecEvalExpr(s->argstate[i], econtext, &nulls[i]);
	}
	kp_page_args(&a, "keyset_page", s->rowtype, values, nulls);
	kp_page_run(&a, &s->page, false, false);
	s->ran = true;
	MemoryContextSwitchTo(old);
}

/*
 * The row type's descriptor, at the first row, and each column the plan
 * reads checked against it as ExecEvalFieldSelect checks it (the row type
 * may have changed since the plan was made).
 */
static void
kp_node_desc(KpScanState *s)
{
	MemoryContext old = MemoryContextSwitchTo(s->css.ss.ps.state->es_query_cxt);
	TupleDesc	desc = lookup_rowtype_tupdesc_copy(s->page.rowtype, -1);
	int			j;

	MemoryContextSwitchTo(old);
	if (desc->natts != s->page.natts)
		elog(ERROR, "row type has %d columns, the page's rows %d",
			 desc->natts, s->page.natts);
	for (j = 0; j < s->natts; j++)
	{
		Form_pg_attribute att;

		if (s->fieldnum[j] == 0 || !s->needed[j])
			continue;
		if (s->fieldnum[j] <= 0 || s->fieldnum[j] > desc->natts)
			elog(ERROR, "attribute number %d exceeds number of columns %d",
				 s->fieldnum[j], desc->natts);
		att = TupleDescAttr(desc, s->fieldnum[j] - 1);
		if (!att->attisdropped && att->atttypid != s->fieldtype[j])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("attribute %d has wrong type", s->fieldnum[j]),
					 errdetail("Table has type %s, but query expects %s.",
							   format_type_be(att->atttypid),
							   format_type_be(s->fieldtype[j]))));
	}
	s->nodedesc = desc;
}

/*
 * The next row: the columns the plan reads straight from the page's row
 * (the seek returned them as columns); the node, when the plan reads it,
 * formed from them in the tuple's memory.
 */
static TupleTableSlot *
kp_next(ScanState *ss)
{
	KpScanState *s = (KpScanState *) ss;
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;
	Datum	   *values = slot->tts_values;
	bool	   *nulls = slot->tts_isnull;
	KpPageRow  *row;
	int			j;

	if (!s->ran)
		kp_run(s);
	ExecClearTuple(slot);
	/* a cursor may fetch backward, as through the function scan's tuplestore */
	if (ScanDirectionIsBackward(ss->ps.state->es_direction))
		s->pos = Max(s->pos - 1, -1);
	else
		s->pos = Min(s->pos + 1, s->page.nrows);
	if (s->pos < 0 || s->pos >= s->page.nrows)
		return slot;
	row = &s->page.rows[s->pos];
	if (s->nodedesc == NULL && s->anycol)
		kp_node_desc(s);
	for (j = 0; j < s->natts; j++)
	{
		AttrNumber	k = s->fieldnum[j];

		switch (s->fixedcol[j])
		{
			case KP_COL_NODE:
				if (s->needed[j])
				{
					MemoryContext old = MemoryContextSwitchTo(ss->ps.ps_ExprContext->ecxt_per_tuple_memory);

					values[j] = kp_page_node(&s->page, s->pos, s->nodedesc);
					MemoryContextSwitchTo(old);
					nulls[j] = false;
				}
				else
				{
					values[j] = (Datum) 0;
					nulls[j] = true;
				}
				break;
			case KP_COL_CURSOR:
				values[j] = PointerGetDatum(s->page.cursors[s->pos]);
				nulls[j] = false;
				break;
			case KP_COL_PREV:
				values[j] = BoolGetDatum(s->page.has_previous);
				nulls[j] = false;
				break;
			case KP_COL_NEXT:
				values[j] = BoolGetDatum(s->page.has_next);
				nulls[j] = false;
				break;
			default:
				/* a node column: NULL when not read or dropped */
				if (s->needed[j])
				{
					values[j] = row->values[k - 1];
					nulls[j] = row->nulls[k - 1];
				}
				else
				{
					values[j] = (Datum) 0;
					nulls[j] = true;
				}
				break;
		}
	}
	return ExecStoreVirtualTuple(slot);
}

static bool
kp_recheck(ScanState *ss, TupleTableSlot *slot)
{
	return true;
}

static TupleTableSlot *
kp_exec(CustomScanState *node)
{
	return ExecScan(&node->ss, (ExecScanAccessMtd) kp_next,
					(ExecScanRecheckMtd) kp_recheck);
}

/* The arguments cannot change (no Vars, no executor Params): rewind */
static void
kp_rescan(CustomScanState *node)
{
	((KpScanState *) node)->pos = -1;
}

static void
kp_end(CustomScanState *node)
{
	/* everything is in the query's memory */
}

/*
 * EXPLAIN: the row type; with VERBOSE, the call (as a Function Scan shows
 * it), the row type's columns the scan reads out of each node, and whether
 * the node itself is returned.
 */
static void
kp_explain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	KpScanState *s = (KpScanState *) node;
	CustomScan *cs = (CustomScan *) node->ss.ps.plan;

	ExplainPropertyText("Row Type", format_type_be(s->rowtype), es);
	if (es->verbose)
	{
		List	   *context;
		List	   *cols = NIL;
		ListCell   *lc;
		bool		whole = false;
		int			j = 0;

		context = set_deparse_context_plan(es->deparse_cxt, &cs->scan.plan, ancestors);
		ExplainPropertyText("Function Call",
							deparse_expression(linitial(cs->custom_exprs), context,
											   false, false), es);
		foreach(lc, cs->custom_scan_tlist)
		{
			TargetEntry *tle = lfirst(lc);

			if (s->fieldnum[j] > 0 && s->needed[j])
				cols = lappend(cols, tle->resname);
			whole |= s->fixedcol[j] == KP_COL_NODE && s->needed[j];
			j++;
		}
		if (cols != NIL || es->format != EXPLAIN_FORMAT_TEXT)
			ExplainPropertyList("Node Columns", cols, es);
		ExplainPropertyBool("Whole Node", whole, es);
	}
}

/*
 * keyset_page_support(internal) RETURNS internal: keyset_page's planner
 * support function.  It answers no request; that the planner calls it
 * while planning keyset_page (for its row count and cost) loads this
 * library, so kp_set_rel_pathlist is installed before the FROM item's paths
 * are made, even in a session's first statement.
 */
PG_FUNCTION_INFO_V1(keyset_page_support);

Datum
keyset_page_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(NULL);
}

/* _PG_init: the planner hook and the scan's methods */
void
kp_scan_init(void)
{
	RegisterCustomScanMethods(&kp_scan_methods);
	kp_prev_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = kp_set_rel_pathlist;
}
