/*
 * sortspec.h
 *	  The effective sort key of a paged relation: the caller's ORDER BY,
 *	  parsed by PostgreSQL's own parser, resolved to columns and btree
 *	  operators, and made unique with a tiebreaker when it is not provably so.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_SORTSPEC_H
#define KP_SORTSPEC_H

#include "access/attnum.h"
#include "access/stratnum.h"
#include "fmgr.h"
#include "nodes/pg_list.h"

typedef struct KpSortCol
{
	char	   *attname;		/* column name in the paged relation */
	AttrNumber	attnum;
	Oid			typid;
	int32		typmod;
	Oid			collation;
	bool		desc;
	bool		nulls_first;
	bool		notnull;		/* provably never NULL */
	bool		appended;		/* tiebreaker added by us */
	bool		catalog_ops;	/* its btree operators are pg_catalog's < > */
	AttrNumber	keyattnum;		/* column in keyrelid (a view's base), or 0 */
	/*
	 * Seeks compare the column as cmptype, the btree opclass's input type
	 * (a domain as its base type), with parameters of that type, so that
	 * OPERATOR(schema.op) finds the opfamily member as its exact match.
	 */
	Oid			cmptype;
	char	   *cmpcast;		/* "::schema.type" when cmptype != typid, else "" */
	Oid			strat_ops[BTMaxStrategyNumber];	/* the members, by strategy - 1 */
	/*
	 * Their OPERATOR(schema.op) spellings for SQL text, by strategy - 1,
	 * each made when a seek first needs it (kp_sortcol_op)
	 */
	char	  **op_names;
	char	   *collate;		/* " COLLATE schema.name" or "" */
	FmgrInfo	cmp;			/* btree comparison support function */
} KpSortCol;

typedef struct KpSortSpec
{
	Oid			relid;			/* the paged relation */
	char		relkind;
	char	   *relname;		/* schema-qualified, quoted */
	char	   *ctxname;		/* the same as page contexts write it */
	int			ncols;
	int			nuser;			/* columns the caller gave */
	KpSortCol  *cols;
	bool		unique;			/* the effective key is provably unique */
	char	   *proof;			/* what proves it, for keyset_check */
	char	   *canonical;		/* "a" DESC NULLS FIRST, "id" DESC NULLS FIRST */
	List	   *depends;		/* relation oids whose changes invalidate it */
	Oid			keyrelid;		/* relation whose indexes serve it, or 0 */
	bool		declared;		/* the proof is a key declared in its comment */
	bool		reads_comment;	/* a declaration could change it: compare comment */
	char	   *comment;		/* the relation's comment when built, or NULL */
	char	   *advice;			/* what would prove it unique, or NULL */
} KpSortSpec;

extern Oid	kp_rowtype_relid(Oid typid, const char *fname);
extern KpSortSpec *kp_sortspec_build(Oid relid, const char *order_by,
									 bool require_unique);
extern const char *kp_sortcol_op(const KpSortCol *col, StrategyNumber strat);
extern char *kp_sortspec_find_index(const KpSortSpec *spec);
extern char *kp_sortspec_index_ddl(const KpSortSpec *spec);
extern bool kp_sortspec_current(const KpSortSpec *spec);
extern int	kp_sortspec_compare(const KpSortSpec *spec,
								const Datum *av, const bool *an,
								const Datum *bv, const bool *bn);

#endif							/* KP_SORTSPEC_H */
