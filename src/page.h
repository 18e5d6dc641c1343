/*
 * page.h
 *	  Page execution: the per-backend cache of resolved queries and prepared
 *	  seek plans, and the Relay paging algorithm over them.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_PAGE_H
#define KP_PAGE_H

#include "codec.h"
#include "executor/spi.h"
#include "query.h"
#include "utils/array.h"

/* One resolved (relation, order_by, filter): built once, reused per call */
typedef struct KpQuery KpQuery;

/* What keyset_page and its companions were called with */
typedef struct KpPageArgs
{
	Oid			rowtype;
	const char *order_by;		/* NULL: primary key */
	int32		first;			/* -1: not given */
	int32		last;			/* -1: not given */
	text	   *after;
	text	   *before;
	const char *filter;
	ArrayType  *args;
	const char *fname;			/* for error messages */
} KpPageArgs;

/* One returned row: the node and its key */
typedef struct KpPageRow
{
	Datum		node;
	Datum	   *key;
	bool	   *keynull;
} KpPageRow;

typedef struct KpPage
{
	int			nrows;
	KpPageRow  *rows;
	text	  **cursors;
	bool		has_previous;
	bool		has_next;
	List	   *explain;		/* text lines, when asked for */
} KpPage;

extern void kp_page_init(void);
extern KpQuery *kp_query_get(Oid relid, const char *order_by,
							 const char *filter, int nargs, bool require_unique);
extern void kp_query_release(KpQuery *q);
extern void kp_page_run(const KpPageArgs *args, KpPage *page, bool explain,
						bool analyze);
extern int64 kp_count_estimate(Oid relid, const char *filter, ArrayType *args);
extern int64 kp_count_exact(KpQuery *q, ArrayType *args);
extern int	kp_offset_rows(KpQuery *q, ArrayType *args, int64 offset, int limit,
						   Datum *nodes);

#endif							/* KP_PAGE_H */
