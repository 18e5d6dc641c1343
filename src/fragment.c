/*
 * fragment.c
 *	  Caller text parsed by PostgreSQL's own grammar.
 *
 * order_by and filter are never parsed by hand: each is embedded in a
 * wrapper statement ("SELECT ORDER BY ...", "SELECT WHERE ...") and given to
 * raw_parser(), so the grammar decides what the text is.  Errors point into
 * the caller's text, not into the wrapper.  sortspec.c and filter.c then
 * keep only what they accept of the parse tree.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"

#include "fragment.h"

/*
 * A grammar or parse-analysis error's position counts characters of the
 * wrapper statement the user's fragment was embedded in, which the client
 * would take as a position in its own statement.  Make it an internal
 * position in the fragment instead, as SPI does for the statements it runs.
 * An error that already carries an internal position (from a function body
 * inlined on the way) has none of its own and is left alone.
 */
static void
kp_fragment_error_callback(void *arg)
{
	KpFragmentScope *f = (KpFragmentScope *) arg;
	int			pos = geterrposition();

	if (pos > 0)
	{
		int			nchars = pg_mbstrlen(f->fragment);

		pos -= f->prefixlen;
		errposition(0);
		internalerrposition(Max(Min(pos, nchars + 1), 1));
		internalerrquery(f->fragment);
	}
	errcontext("%s", f->what);
}

/* Errors raised until kp_fragment_end() are placed in the fragment */
void
kp_fragment_begin(KpFragmentScope *f, const char *prefix, const char *fragment,
				  const char *what)
{
	f->fragment = fragment;
	f->prefixlen = pg_mbstrlen(prefix);
	f->what = what;
	f->cb.callback = kp_fragment_error_callback;
	f->cb.arg = f;
	f->cb.previous = error_context_stack;
	error_context_stack = &f->cb;
}

void
kp_fragment_end(KpFragmentScope *f)
{
	error_context_stack = f->cb.previous;
}

/*
 * raw_parser() of prefix || fragment || suffix, with errors placed in the
 * fragment.
 */
List *
kp_raw_parse_fragment(const char *prefix, const char *fragment,
					  const char *suffix, const char *what)
{
	KpFragmentScope f;
	List	   *raw;

	kp_fragment_begin(&f, prefix, fragment, what);
	raw = raw_parser(psprintf("%s%s%s", prefix, fragment, suffix), RAW_PARSE_DEFAULT);
	kp_fragment_end(&f);
	return raw;
}

/*
 * prefix || fragment, parsed as one SELECT that sets nothing but its WHERE
 * and ORDER BY: the only clauses a wrapper leaves for the fragment to fill.
 * A second statement, a set operation, a target list, FROM, GROUP BY,
 * HAVING, WINDOW, VALUES, DISTINCT, INTO, LIMIT/OFFSET, FOR UPDATE or WITH
 * (anything the fragment could smuggle in after its clause) gives NULL; the
 * caller checks the clause it expects and raises its own error.  A trailing
 * newline ends any -- comment in the fragment.
 */
SelectStmt *
kp_parse_bare_select(const char *prefix, const char *fragment, const char *what)
{
	List	   *raw = kp_raw_parse_fragment(prefix, fragment, "\n", what);
	RawStmt    *rs;
	SelectStmt *sel;

	if (list_length(raw) != 1 ||
		!IsA((rs = linitial_node(RawStmt, raw))->stmt, SelectStmt))
		return NULL;
	sel = (SelectStmt *) rs->stmt;
	if (sel->op != SETOP_NONE || sel->targetList != NIL || sel->fromClause != NIL ||
		sel->groupClause != NIL || sel->havingClause ||
		sel->windowClause != NIL || sel->valuesLists != NIL ||
		sel->distinctClause != NIL || sel->intoClause || sel->limitOffset ||
		sel->limitCount || sel->lockingClause != NIL || sel->withClause)
		return NULL;
	return sel;
}
