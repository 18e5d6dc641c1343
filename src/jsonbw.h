/*
 * jsonbw.h
 *	  Writing a jsonb value's binary form directly, in one pass, for
 *	  documents whose shape and key order the caller already knows.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_JSONBW_H
#define KP_JSONBW_H

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/*
 * An array or object being written.  Its children are appended in the order
 * they are stored: an object's keys first (already in jsonb's key order:
 * shorter first, then bytewise), then its values in the same order.
 */
typedef struct KpJbwContainer
{
	int			start;			/* its first byte in the buffer, before padding */
	int			jentries;		/* its JEntry array */
	int			data;			/* its children's data, after the JEntries */
	int			count;			/* JEntries: elements, or keys and values */
	int			next;			/* the next one to fill */
	bool		object;
} KpJbwContainer;

/* An object's keys, prepared once for every object with the same keys */
typedef struct KpJbwKeys
{
	int			n;
	JEntry	   *entries;
	char	   *bytes;
	int			nbytes;
} KpJbwKeys;

extern void kp_jbw_init(StringInfo buf, int size_hint);
extern void kp_jbw_begin(StringInfo buf, KpJbwContainer *c, bool object, int n);
extern void kp_jbw_end(StringInfo buf, KpJbwContainer *parent, KpJbwContainer *c);
extern Jsonb *kp_jbw_finish(StringInfo buf);

extern void kp_jbw_keys_prepare(KpJbwKeys *k, const char *const *names,
								const int *lens, int n);
extern void kp_jbw_keys(StringInfo buf, KpJbwContainer *c, const KpJbwKeys *k);
extern void kp_jbw_string(StringInfo buf, KpJbwContainer *c, const char *s, int len);
extern void kp_jbw_null(StringInfo buf, KpJbwContainer *c);
extern void kp_jbw_bool(StringInfo buf, KpJbwContainer *c, bool b);
extern void kp_jbw_int(StringInfo buf, KpJbwContainer *c, int64 i);
extern void kp_jbw_numeric(StringInfo buf, KpJbwContainer *c, Datum n);
extern bool kp_jbw_numeric_is_special(Datum n);
extern void kp_jbw_scalar(StringInfo buf, KpJbwContainer *c, JsonbValue *v);
extern void kp_jbw_jsonb(StringInfo buf, KpJbwContainer *c, Jsonb *j);

/* A key that is a C string literal */
#define kp_jbw_key(buf, c, lit) kp_jbw_string((buf), (c), (lit), sizeof(lit) - 1)

#endif							/* KP_JSONBW_H */
