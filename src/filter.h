/*
 * filter.h
 *	  The caller's filter: its grammar check and its parameter types.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_FILTER_H
#define KP_FILTER_H

/* A checked filter: its text and how many $n it uses */
typedef struct KpFilter
{
	char	   *text;
	int			nparams;
} KpFilter;

extern KpFilter *kp_filter_check(const char *filter, int nargs);
extern void kp_filter_infer_types(const char *relname, const char *alias,
								  const char *filter, int nargs, Oid *types);

#endif							/* KP_FILTER_H */
