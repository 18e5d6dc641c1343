/*
 * fragment.h
 *	  Caller text (order_by, filter) parsed by PostgreSQL's grammar inside a
 *	  wrapper statement, with errors placed in the caller's text.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_FRAGMENT_H
#define KP_FRAGMENT_H

#include "nodes/parsenodes.h"

/* A user's text parsed inside a wrapper statement (see fragment.c) */
typedef struct KpFragmentScope
{
	ErrorContextCallback cb;
	const char *fragment;
	int			prefixlen;		/* characters of wrapper before the fragment */
	const char *what;
} KpFragmentScope;

extern void kp_fragment_begin(KpFragmentScope *f, const char *prefix,
							  const char *fragment, const char *what);
extern void kp_fragment_end(KpFragmentScope *f);
extern List *kp_raw_parse_fragment(const char *prefix, const char *fragment,
								   const char *suffix, const char *what);
extern SelectStmt *kp_parse_bare_select(const char *prefix, const char *fragment,
										const char *what);

#endif							/* KP_FRAGMENT_H */
