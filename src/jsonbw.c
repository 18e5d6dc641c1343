/*
 * jsonbw.c
 *	  Writing a jsonb value's binary form directly, in one pass.
 *
 * PostgreSQL builds jsonb from a JsonbValue tree (JsonbValueToJsonb), which
 * costs a tree of pairs and values per document and, through the parse
 * state, a key sort per object.  keyset_connection knows its document's
 * shape before writing it (the same keys for every row of a row type), so
 * it writes the bytes themselves, as utils/jsonb.h describes them: a
 * container is a header word (count and kind), one JEntry per child (an
 * object's keys first, then its values in the same order), then the
 * children's data; a JEntry holds the child's type and its length, or, for
 * every JB_OFFSET_STRIDE'th child, its end offset; numerics and containers
 * start 4-byte aligned, the padding counted as part of the child that
 * needs it.  The result is byte for byte what JsonbValueToJsonb makes of
 * the same values (test/pgtap/18_connection_jsonb_bytes.sql compares it
 * with what jsonb's own parser builds from the text).
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "jsonbw.h"

/*
 * numeric's stored format (numeric.c; fixed on disk, pg_upgrade keeps it):
 * after the varlena header, a uint16 whose two top bits are 11 for NaN and
 * the infinities; the short format has its top bit set, then the sign bit,
 * the display scale (6 bits), the weight's sign and the weight (6 bits),
 * then base-10000 digits as int16.
 */
#define KP_NUMERIC_SPECIAL		0xC000
#define KP_NUMERIC_SHORT		0x8000
#define KP_NUMERIC_SHORT_NEG	0x2000
#define KP_NUMERIC_SHORT_WEIGHT 0x003F
#define KP_NBASE				10000

/*
 * Room for n more bytes.  The buffer is binary: no terminating zero is kept
 * (appendBinaryStringInfo's call and terminator per value were a third of
 * the writer's cost).
 */
static inline void
reserve(StringInfo buf, int n)
{
	if (buf->maxlen - buf->len <= n)
		enlargeStringInfo(buf, n);
}

static inline void
put_bytes(StringInfo buf, const void *p, int n)
{
	reserve(buf, n);
	memcpy(buf->data + buf->len, p, n);
	buf->len += n;
}

/* Zero bytes up to the next multiple of 4 in the buffer (the Jsonb's start) */
static inline void
pad_to_int(StringInfo buf)
{
	int			pad = INTALIGN(buf->len) - buf->len;

	if (pad > 0)
	{
		reserve(buf, pad);
		memset(buf->data + buf->len, 0, pad);
		buf->len += pad;
	}
}

static void
too_big(const KpJbwContainer *c)
{
	if (c->object)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total size of jsonb object elements exceeds the maximum of %d bytes",
						JENTRY_OFFLENMASK)));
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("total size of jsonb array elements exceeds the maximum of %d bytes",
					JENTRY_OFFLENMASK)));
}

/*
 * The JEntry of the child just appended from offset from: its length, or
 * at every JB_OFFSET_STRIDE'th child (the first included) its end offset
 * in the container's data, as convertJsonbObject/convertJsonbArray set
 * them.
 */
static inline void
put_entry(StringInfo buf, KpJbwContainer *c, uint32 type, int from)
{
	int64		end = buf->len - c->data;
	JEntry		e;

	if (c->next >= c->count)
		elog(ERROR, "jsonb writer: more children than announced");
	if (end > JENTRY_OFFLENMASK)
		too_big(c);
	if (c->next % JB_OFFSET_STRIDE == 0)
		e = type | JENTRY_HAS_OFF | (uint32) end;
	else
		e = type | (uint32) (buf->len - from);
	memcpy(buf->data + c->jentries + sizeof(JEntry) * c->next, &e, sizeof(JEntry));
	c->next++;
}

/* a hint beyond this is not taken: one large page must not size every next */
#define KP_JBW_MAX_HINT (1024 * 1024)

/*
 * The buffer of a new document, its varlena header reserved; size_hint: the
 * bytes expected (a previous document of the same kind), so the buffer is
 * not grown and copied several times on the way.
 */
void
kp_jbw_init(StringInfo buf, int size_hint)
{
	initStringInfo(buf);
	if (size_hint > buf->maxlen)
		enlargeStringInfo(buf, Min(size_hint, KP_JBW_MAX_HINT));
	buf->len = VARHDRSZ;
}

/*
 * Starts an array of n elements or an object of n pairs: aligned, its
 * header, and room for its JEntries.
 */
void
kp_jbw_begin(StringInfo buf, KpJbwContainer *c, bool object, int n)
{
	uint32		header = (uint32) n | (object ? JB_FOBJECT : JB_FARRAY);
	int			bytes;

	c->start = buf->len;
	c->object = object;
	if (n < 0)
		elog(ERROR, "jsonb writer: %d children", n);
	if (n > JB_CMASK || (Size) n * 2 * sizeof(JEntry) >= MaxAllocSize)
		too_big(c);
	c->count = object ? 2 * n : n;
	c->next = 0;
	pad_to_int(buf);
	put_bytes(buf, &header, sizeof(header));
	c->jentries = buf->len;
	bytes = sizeof(JEntry) * c->count;
	reserve(buf, bytes);
	buf->len += bytes;
	c->data = buf->len;
}

/*
 * Ends a container whose children are all written; its JEntry goes into
 * parent (NULL for the document's root, which has none).
 */
void
kp_jbw_end(StringInfo buf, KpJbwContainer *parent, KpJbwContainer *c)
{
	if (c->next != c->count)
		elog(ERROR, "jsonb writer: %d children written of %d", c->next, c->count);
	if (buf->len - c->start > JENTRY_OFFLENMASK)
		too_big(c);
	if (parent != NULL)
		put_entry(buf, parent, JENTRY_ISCONTAINER, c->start);
}

/* The document, once its root is ended: the buffer is the Jsonb */
Jsonb *
kp_jbw_finish(StringInfo buf)
{
	SET_VARSIZE(buf->data, buf->len);
	return (Jsonb *) buf->data;
}

/*
 * An object's keys as they are stored whatever its values: their JEntries
 * (the first, and every JB_OFFSET_STRIDE'th, an end offset; keys come
 * before values, so their entries do not depend on the values) and their
 * bytes, in the order given (jsonb's key order), in the current context.
 */
void
kp_jbw_keys_prepare(KpJbwKeys *k, const char *const *names, const int *lens, int n)
{
	int			i;
	int			end = 0;

	k->n = n;
	k->entries = palloc(sizeof(JEntry) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		end += lens[i];
		if (end > JENTRY_OFFLENMASK)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("total size of jsonb object elements exceeds the maximum of %d bytes",
							JENTRY_OFFLENMASK)));
		if (i % JB_OFFSET_STRIDE == 0)
			k->entries[i] = JENTRY_ISSTRING | JENTRY_HAS_OFF | (uint32) end;
		else
			k->entries[i] = JENTRY_ISSTRING | (uint32) lens[i];
	}
	k->nbytes = end;
	k->bytes = palloc(Max(end, 1));
	end = 0;
	for (i = 0; i < n; i++)
	{
		memcpy(k->bytes + end, names[i], lens[i]);
		end += lens[i];
	}
}

/* All the keys of an object just begun, at once */
void
kp_jbw_keys(StringInfo buf, KpJbwContainer *c, const KpJbwKeys *k)
{
	if (!c->object || c->next != 0 || 2 * k->n != c->count)
		elog(ERROR, "jsonb writer: %d keys for an object of %d entries", k->n, c->count);
	memcpy(buf->data + c->jentries, k->entries, sizeof(JEntry) * k->n);
	put_bytes(buf, k->bytes, k->nbytes);
	c->next = k->n;
}

/* A string, stored as its bytes (jsonb keeps no escapes) */
void
kp_jbw_string(StringInfo buf, KpJbwContainer *c, const char *s, int len)
{
	int			from = buf->len;

	put_bytes(buf, s, len);
	put_entry(buf, c, JENTRY_ISSTRING, from);
}

void
kp_jbw_null(StringInfo buf, KpJbwContainer *c)
{
	put_entry(buf, c, JENTRY_ISNULL, buf->len);
}

void
kp_jbw_bool(StringInfo buf, KpJbwContainer *c, bool b)
{
	put_entry(buf, c, b ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE, buf->len);
}

/*
 * A numeric's bytes, aligned, with a 4-byte varlena header whatever header
 * the value had (what DatumGetNumeric would hand JsonbValueToJsonb).
 */
static void
put_numeric_bytes(StringInfo buf, KpJbwContainer *c, const char *data, int len)
{
	int			from = buf->len;

	pad_to_int(buf);
	reserve(buf, VARHDRSZ + len);
	SET_VARSIZE(buf->data + buf->len, VARHDRSZ + len);
	memcpy(buf->data + buf->len + VARHDRSZ, data, len);
	buf->len += VARHDRSZ + len;
	put_entry(buf, c, JENTRY_ISNUMERIC, from);
}

/*
 * An integer as the numeric int64_to_numeric would make, without building
 * it: the short format with display scale 0, the base-10000 digits without
 * trailing zero digits, the weight that of the first digit; zero has no
 * digits and weight 0.  An int64 has at most 5 such digits.
 */
void
kp_jbw_int(StringInfo buf, KpJbwContainer *c, int64 i)
{
	uint64		u = i < 0 ? -(uint64) i : (uint64) i;
	int16		rev[5];			/* least significant first */
	uint16		header = KP_NUMERIC_SHORT;
	int			n = 0;
	int			low = 0;
	int			len;
	int			from = buf->len;
	char	   *p;

	while (u > 0)
	{
		rev[n++] = (int16) (u % KP_NBASE);
		u /= KP_NBASE;
	}
	while (low < n && rev[low] == 0)
		low++;
	if (n > 0)
	{
		header |= (uint16) (n - 1) & KP_NUMERIC_SHORT_WEIGHT;
		if (i < 0)
			header |= KP_NUMERIC_SHORT_NEG;
	}
	/* written in place: the header, then the digits most significant first */
	len = VARHDRSZ + sizeof(uint16) + sizeof(int16) * (n - low);
	pad_to_int(buf);
	reserve(buf, len);
	p = buf->data + buf->len;
	SET_VARSIZE(p, len);
	memcpy(p + VARHDRSZ, &header, sizeof(uint16));
	p += VARHDRSZ + sizeof(uint16);
	while (n > low)
	{
		memcpy(p, &rev[--n], sizeof(int16));
		p += sizeof(int16);
	}
	buf->len += len;
	put_entry(buf, c, JENTRY_ISNUMERIC, from);
}

/* A numeric datum (short header or not; toasted ones are detoasted) */
void
kp_jbw_numeric(StringInfo buf, KpJbwContainer *c, Datum n)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(n);

	put_numeric_bytes(buf, c, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
}

/*
 * Whether a numeric datum is NaN or an infinity (numeric_is_nan and
 * numeric_is_inf need a 4-byte header, a column's value mostly has a short
 * one).
 */
bool
kp_jbw_numeric_is_special(Datum n)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(n);
	uint16		header;

	memcpy(&header, VARDATA_ANY(v), sizeof(uint16));
	return (header & KP_NUMERIC_SPECIAL) == KP_NUMERIC_SPECIAL;
}

/* A scalar JsonbValue, stored as convertJsonbScalar stores it */
void
kp_jbw_scalar(StringInfo buf, KpJbwContainer *c, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			kp_jbw_null(buf, c);
			return;
		case jbvBool:
			kp_jbw_bool(buf, c, v->val.boolean);
			return;
		case jbvString:
			kp_jbw_string(buf, c, v->val.string.val, v->val.string.len);
			return;
		case jbvNumeric:
			{
				/* copied as it is, as convertJsonbScalar copies it */
				int			from = buf->len;

				pad_to_int(buf);
				put_bytes(buf, v->val.numeric, VARSIZE_ANY(v->val.numeric));
				put_entry(buf, c, JENTRY_ISNUMERIC, from);
				return;
			}
		default:
			elog(ERROR, "jsonb writer: not a scalar: %d", (int) v->type);
	}
}

/*
 * A jsonb value as a child: a scalar document as its scalar, a container
 * copied whole (its offsets are relative to itself, and it starts 4-byte
 * aligned as it did in its own datum, so its inner padding stays right).
 */
void
kp_jbw_jsonb(StringInfo buf, KpJbwContainer *c, Jsonb *j)
{
	int			from = buf->len;

	if (JB_ROOT_IS_SCALAR(j))
	{
		JsonbValue	v;

		if (!JsonbExtractScalar(&j->root, &v))
			elog(ERROR, "jsonb writer: scalar document without its scalar");
		kp_jbw_scalar(buf, c, &v);
		return;
	}
	pad_to_int(buf);
	put_bytes(buf, &j->root, VARSIZE(j) - VARHDRSZ);
	put_entry(buf, c, JENTRY_ISCONTAINER, from);
}
