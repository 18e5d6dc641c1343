/*
 * querycache.h
 *	  The per-backend cache of resolved queries and their prepared plans,
 *	  shared by the seeks (page.c) and the non-seek paths (offset.c).
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_QUERYCACHE_H
#define KP_QUERYCACHE_H

#include "codec.h"
#include "executor/spi.h"
#include "query.h"
#include "utils/array.h"

/* One prepared seek (or count/offset) plan */
typedef struct KpPlan
{
	struct KpPlan *next;
	char	   *shape;
	char	   *sql;
	SPIPlanPtr	plan;
	int			np;				/* position parameters after the filter's */
	Oid		   *ptypes;
	int		   *posidx;			/* key column each position parameter carries */
} KpPlan;

typedef struct KpQuery KpQuery;

/* One resolved (relation, order_by, filter): built once, reused per call */
struct KpQuery
{
	KpQuery    *next;
	uint32		hash;
	bool		valid;
	MemoryContext mcxt;
	Oid			relid;
	Oid			reltype;		/* its row type: the offset query's first column */
	Oid		   *restypes;		/* the key columns' types in the offset query's result */
	/* the seek's result: the relation's live columns, in attnum order */
	int			natts;			/* the relation's columns, dropped ones included */
	int			nlive;			/* the seek's result columns */
	AttrNumber *colattnum;		/* each result column's attnum */
	Oid		   *coltypes;		/* and its type */
	int16	   *collen;
	bool	   *colbyval;
	int		   *keycol;			/* the result column of each key column */
	char	   *select;			/* the seek's SELECT list and FROM */
	char	   *order_by;
	char	   *filter;
	int			nargs;
	bool		require_unique;
	KpSortSpec *spec;
	KpFilter   *finfo;
	char	   *alias;
	Oid		   *ftypes;			/* inferred types of the filter's $n */
	FmgrInfo   *finput;
	Oid		   *fioparam;
	KpTypeIO   *keyio;
	int32	   *keytypmods;
	KpPlan	   *plans;			/* most recently used first */
	int			nplans;
	uint64		last_used;
};

/* State of one call's work on a query entry (see kp_run_begin) */
typedef struct KpRun
{
	KpQuery    *q;
	Datum	   *fvals;
	char	   *fnulls;
	MemoryContext outcxt;
	bool		explain;
	bool		analyze;
	List	   *lines;
	int			seekno;
} KpRun;

extern void kp_query_cache_init(void);
extern KpQuery *kp_query_get(Oid relid, const char *order_by,
							 const char *filter, int nargs, bool require_unique);
extern void kp_query_release(KpQuery *q);
extern int	kp_args_count(ArrayType *args);
extern KpPlan *kp_plan_find(KpQuery *q, const char *shape);
extern KpPlan *kp_plan_for(KpQuery *q, const char *shape, const char *sql, int np,
						   const Oid *ptypes, const int *posidx,
						   int cursor_options, bool is_seek);
extern void kp_run_begin(KpRun *run, KpQuery *q, ArrayType *args);
extern ParamListInfo kp_params(KpRun *run, KpPlan *p, const Datum *pos);
extern int	kp_spi_execute(const KpQuery *q, const KpPlan *p,
						   const SPIExecuteOptions *opts);
extern void kp_check_result(KpQuery *q, TupleDesc desc, int nkeys);
extern void kp_check_seek(KpQuery *q, SPIPlanPtr plan, TupleDesc desc);
extern void kp_rethrow_clean(const KpQuery *q, const char *sql,
							 MemoryContext cxt);

#endif							/* KP_QUERYCACHE_H */
