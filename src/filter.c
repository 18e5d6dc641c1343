/*
 * filter.c
 *	  The caller's filter: what it may be, and the types of its $n.
 *
 * A filter is placed into seek SQL as text, so it is checked first: by
 * PostgreSQL's grammar it must be exactly one expression (fragment.c), with
 * no subquery and only plain column names, and its $n must match args.
 * Then it is parse-analysed once against the relation, which reports
 * unknown columns and type errors in the caller's text and infers the
 * types of its parameters from context.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"

#include "compat.h"
#include "filter.h"
#include "fragment.h"

typedef struct FilterWalk
{
	int			maxparam;
} FilterWalk;

/* Rejects anything in a filter that could reach beyond the one row */
static bool
filter_walker(Node *node, void *context)
{
	FilterWalk *fw = (FilterWalk *) context;

	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("filter must not contain a subquery"),
				 errhint("Page a view that does the join, or pass the values as args.")));
	if (IsA(node, ColumnRef))
	{
		ColumnRef  *cref = (ColumnRef *) node;

		if (list_length(cref->fields) != 1 || !IsA(linitial(cref->fields), String))
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("filter may refer to columns only by their plain names"),
					 errdetail("Qualified names and * are not allowed.")));
	}
	if (IsA(node, ParamRef))
		fw->maxparam = Max(fw->maxparam, ((ParamRef *) node)->number);
	return raw_expression_tree_walker(node, filter_walker, context);
}

/*
 * Checks that filter is exactly one boolean-valued expression: parsed as
 * the WHERE of an otherwise empty SELECT, nothing else may be set (a second
 * statement, ORDER BY, LIMIT, UNION, FROM, WITH all fail), no subquery, and
 * its $n match args.  A trailing newline ends any -- comment so the text
 * embeds safely in parentheses.
 */
KpFilter *
kp_filter_check(const char *filter, int nargs)
{
	KpFilter   *f;
	SelectStmt *sel;
	FilterWalk	fw = {0};

	if (filter == NULL)
	{
		if (nargs > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("args were given without a filter")));
		return NULL;
	}
	sel = kp_parse_bare_select("SELECT WHERE ", filter, "filter argument");
	if (sel == NULL || sel->whereClause == NULL || sel->sortClause != NIL)
		goto bad;
	filter_walker(sel->whereClause, &fw);
	if (fw.maxparam > nargs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("filter refers to $%d but args has %d elements",
						fw.maxparam, nargs)));
	if (nargs > fw.maxparam)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("args has %d elements but filter uses %d placeholders",
						nargs, fw.maxparam),
				 errhint("Pass exactly as many args as the highest $n in filter.")));
	f = palloc(sizeof(KpFilter));
	f->text = pstrdup(filter);
	f->nparams = nargs;
	return f;

bad:
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("filter must be a single boolean expression over the row's columns"),
			 errhint("Write it as a WHERE condition, for example: status = $1 AND created_at > $2.")));
	return NULL;				/* keep compiler quiet */
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

void
kp_filter_infer_types(const char *relname, const char *alias, const char *filter,
					  int nargs, Oid *types)
{
	char	   *prefix = psprintf("SELECT FROM %s %s WHERE (\n", relname, alias);
	char	   *sql = psprintf("%s%s\n)", prefix, filter);
	KpParamSetup s;
	KpFragmentScope fs;
	List	   *raw;
	int			i;

	s.ntypes = nargs;
	s.types = palloc0(sizeof(Oid) * Max(nargs, 1));
	kp_fragment_begin(&fs, prefix, filter, "filter argument");
	raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1)
		elog(ERROR, "filter statement did not parse as one statement");
	(void) kp_parse_analyze_withcb(linitial_node(RawStmt, raw), sql,
								   kp_parser_setup, &s);
	kp_fragment_end(&fs);
	for (i = 0; i < nargs; i++)
	{
		Oid			t = i < s.ntypes ? s.types[i] : InvalidOid;

		types[i] = (t == InvalidOid || t == UNKNOWNOID) ? TEXTOID : t;
	}
}

