/*
 * page.h
 *	  What the SQL functions call: a page by the Relay algorithm over seeks
 *	  (page.c), and the non-seek paths, the count estimate and the offset
 *	  page (offset.c).
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_PAGE_H
#define KP_PAGE_H

#include "codec.h"
#include "executor/spi.h"
#include "query.h"
#include "utils/array.h"

/* What keyset_page and its companions were called with */
typedef struct KpPageArgs
{
	Oid			rowtype;
	const char *order_by;		/* NULL: primary key */
	int32		first;			/* -1: not given; 0..max_page_size (page_funcs.c) */
	int32		last;			/* -1: not given */
	text	   *after;
	text	   *before;
	const char *filter;
	ArrayType  *args;
	const char *fname;			/* for error messages */
} KpPageArgs;

/*
 * One returned row: its columns by attnum - 1 (the relation's descriptor,
 * dropped columns NULL; no value points into TOAST), and its key
 */
typedef struct KpPageRow
{
	Datum	   *values;
	bool	   *nulls;
	Datum	   *key;
	bool	   *keynull;
} KpPageRow;

typedef struct KpPage
{
	int			nrows;
	int			natts;			/* each row's columns, dropped ones included */
	Oid			rowtype;		/* the relation's row type */
	KpPageRow  *rows;
	text	  **cursors;
	bool		has_previous;
	bool		has_next;
	List	   *explain;		/* text lines, when asked for */
} KpPage;

/* the arguments keyset_page and its companions share (page_funcs.c) */
#define KP_PAGE_NARGS 8
extern void kp_page_args(KpPageArgs *a, const char *fname, Oid rowtype,
						 const Datum *values, const bool *nulls);
extern Datum keyset_page(PG_FUNCTION_ARGS);

extern void kp_page_run(const KpPageArgs *args, KpPage *page, bool explain,
						bool analyze);
extern Datum kp_page_node(const KpPage *page, int i, TupleDesc desc);
extern int64 kp_count_estimate(Oid relid, const char *filter, ArrayType *args);
extern int64 kp_count_duplicates(const KpSortSpec *spec);
extern int	kp_offset_page(Oid relid, const char *order_by, const char *filter,
						   ArrayType *args, int64 offset, int limit,
						   Datum *nodes, int64 *total);

#endif							/* KP_PAGE_H */
