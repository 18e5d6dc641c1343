/*
 * query.h
 *	  SQL text for seeks: the ordered ranges a position splits into, the
 *	  seek query of one range and the offset query.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_QUERY_H
#define KP_QUERY_H

#include "access/tupdesc.h"
#include "executor/spi.h"
#include "filter.h"
#include "sortspec.h"

/* What bounds the seek column of one range, in scan order */
typedef enum KpPiece
{
	KP_PIECE_NONE,				/* no position: from the start */
	KP_PIECE_AFTER,				/* c after v */
	KP_PIECE_AFTER_EQ,			/* c at or after v */
	KP_PIECE_IS_NULL,			/* the NULL group */
	KP_PIECE_NOT_NULL,			/* every non-NULL value */
	KP_PIECE_ANY,				/* the whole column (NULLs, then values) */
	KP_PIECE_ROW_AFTER,			/* (c_i..c_k) after (v_i..v_k) */
	KP_PIECE_ROW_AFTER_EQ		/* (c_i..c_k) at or after (v_i..v_k) */
} KpPiece;

/*
 * One range: columns before col equal the position (or IS NULL), column
 * col (or the row col..col+rowlen-1) bounded by piece.  Each range is one
 * exact index seek; a position's ranges, run in order, visit the rows after
 * it in scan order.
 */
typedef struct KpRange
{
	int			col;
	int			rowlen;
	KpPiece		piece;
} KpRange;

extern int	kp_build_ranges(const KpSortSpec *spec, const bool *posnulls,
							bool backward, bool inclusive, KpRange *out);
extern char *kp_put_range_shape(char *buf, const KpRange *r, const bool *posnulls);
extern char *kp_choose_alias(Oid relid);
extern char *kp_seek_select(const KpSortSpec *spec, const char *alias,
							TupleDesc desc);
extern char *kp_seek_sql(const KpSortSpec *spec, const KpFilter *filter,
						 const char *alias, const char *select, const KpRange *r,
						 const bool *posnulls, bool backward, int limit,
						 Oid *ptypes, int *posidx, int *nparams);
extern void kp_seek_verify(const KpSortSpec *spec, SPIPlanPtr plan, int nfilter,
						   int np, const int *posidx);
extern char *kp_offset_sql(const KpSortSpec *spec, const KpFilter *filter,
						   const char *alias);
extern char *kp_where_sql(const KpFilter *filter);

#endif							/* KP_QUERY_H */
