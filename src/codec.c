/*
 * codec.c
 *	  Cursor codec: typed values in their binary send/receive form, a
 *	  versioned frame, a truncated HMAC-SHA256 tag bound to a context digest,
 *	  and unpadded base64url text.
 *
 * The tag is checked, in constant time, before any byte other than the
 * version and key id is interpreted; nothing unauthenticated ever reaches a
 * type's receive function.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "codec.h"
#include "compat.h"
#include "keys.h"
#include "keyset_pagination.h"
#include "mac.h"

/*
 * The shortest frame: version, flags, a one-byte key id, a one-byte value
 * count and the MAC.  Anything shorter is truncated.
 */
#define KP_MIN_CURSOR_BYTES (1 + 1 + 1 + 1 + KP_MAC_BYTES)

static const char b64url_alphabet[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Unsigned LEB128: small numbers (type oids, lengths) take one or two bytes,
 * which is what keeps a (timestamptz, bigint) cursor near 60 characters.
 */
static void
put_varint(StringInfo buf, uint32 v)
{
	while (v >= 0x80)
	{
		appendStringInfoCharMacro(buf, (char) ((v & 0x7F) | 0x80));
		v >>= 7;
	}
	appendStringInfoCharMacro(buf, (char) v);
}

/*
 * Reads a varint without ever running past end; false on overrun or on a
 * value that does not fit 32 bits (never trusted, only bounded).
 */
static bool
get_varint(const uint8 **p, const uint8 *end, uint32 *out)
{
	uint64		v = 0;
	int			shift = 0;

	while (*p < end && shift <= 28)
	{
		uint8		b = *(*p)++;

		v |= (uint64) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
		{
			if (v > PG_UINT32_MAX)
				return false;
			*out = (uint32) v;
			return true;
		}
		shift += 7;
	}
	return false;
}

/*
 * base64url without padding; the output is URL- and filename-safe as it is.
 * A page encodes a cursor per row, so each group of three bytes is read
 * into a register once and its four characters are written with one store:
 * through a char pointer, which may alias anything, byte by byte stores made
 * the compiler reload between them (about half a page's minting, excluding
 * the MAC, before).
 */
static text *
b64url_encode(const uint8 *src, int len)
{
	int			outlen = (len / 3) * 4 + ((len % 3) ? (len % 3) + 1 : 0);
	text	   *result = (text *) palloc(VARHDRSZ + outlen);
	char	   *dst = VARDATA(result);
	const uint8 *end = src + len - len % 3;

	for (; src < end; src += 3, dst += 4)
	{
		uint32		v = ((uint32) src[0] << 16) | ((uint32) src[1] << 8) | src[2];
		char		quad[4];

		quad[0] = b64url_alphabet[v >> 18];
		quad[1] = b64url_alphabet[(v >> 12) & 0x3F];
		quad[2] = b64url_alphabet[(v >> 6) & 0x3F];
		quad[3] = b64url_alphabet[v & 0x3F];
		memcpy(dst, quad, 4);
	}
	if (len % 3 == 1)
	{
		uint32		v = (uint32) src[0] << 16;

		*dst++ = b64url_alphabet[v >> 18];
		*dst++ = b64url_alphabet[(v >> 12) & 0x3F];
	}
	else if (len % 3 == 2)
	{
		uint32		v = ((uint32) src[0] << 16) | ((uint32) src[1] << 8);

		*dst++ = b64url_alphabet[v >> 18];
		*dst++ = b64url_alphabet[(v >> 12) & 0x3F];
		*dst++ = b64url_alphabet[(v >> 6) & 0x3F];
	}
	SET_VARSIZE(result, VARHDRSZ + outlen);
	return result;
}

static inline int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Strict decoder: only the alphabet, no padding, no impossible length, and
 * the unused low bits of the last character must be zero.  Without that last
 * rule two different strings would decode to the same bytes, and a changed
 * character could slip past the MAC.
 */
static bool
b64url_decode(const char *src, int len, uint8 *dst, int *outlen)
{
	uint32		acc = 0;
	int			bits = 0;
	int			n = 0;
	int			i;

	if (len % 4 == 1)
		return false;
	for (i = 0; i < len; i++)
	{
		int			v = b64url_value((unsigned char) src[i]);

		if (v < 0)
			return false;
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			dst[n++] = (uint8) (acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	if (acc != 0)
		return false;
	*outlen = n;
	return true;
}

/*
 * Constant-time comparison, so the time a refusal takes says nothing about
 * how many leading tag bytes were right.
 */
static bool
kp_timingsafe_equal(const uint8 *a, const uint8 *b, size_t len)
{
	volatile uint8 diff = 0;
	size_t		i;

	for (i = 0; i < len; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/*
 * The context is hashed once per call (not once per cursor) and the digest
 * is what the MAC covers.  The domain byte keeps user cursors and page
 * cursors apart; the null flag keeps NULL apart from the empty string.
 */
void
kp_context_init(KpContext *ctx, char domain, const char *data, size_t len,
				bool isnull)
{
	static const char label[] = "keyset_pagination cursor context";
	uint8		head[2];
	const uint8 *parts[3];
	size_t		lens[3];

	head[0] = (uint8) domain;
	head[1] = isnull ? 0 : 1;
	parts[0] = (const uint8 *) label;
	lens[0] = sizeof(label);
	parts[1] = head;
	lens[1] = 2;
	parts[2] = (const uint8 *) data;
	lens[2] = isnull ? 0 : len;
	kp_sha256(3, parts, lens, ctx->digest);
}

/*
 * A type's identity in a cursor.  Built-in types keep their fixed oid (one or
 * two bytes); other types get a hash of their qualified name, because their
 * oids change across dump/restore while the cursor must stay valid.
 */
static uint32
kp_type_tag(Oid typid)
{
	HeapTuple	tup;
	Form_pg_type typ;
	char	   *nsp;
	char	   *qualified;
	uint32		h;

	if (typid < FirstNormalObjectId)
		return (uint32) typid;
	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", typid);
	typ = (Form_pg_type) GETSTRUCT(tup);
	nsp = get_namespace_name(typ->typnamespace);
	qualified = psprintf("%s.%s", nsp ? nsp : "", NameStr(typ->typname));
	ReleaseSysCache(tup);
	h = DatumGetUInt32(hash_any((const unsigned char *) qualified,
								strlen(qualified)));
	pfree(qualified);
	return 0x80000000U | (h & 0x7FFFFFFFU);
}

/* The fixed form a built-in type's send function is known to produce */
static KpSendKind
kp_send_kind(Oid typid)
{
	switch (typid)
	{
		case BOOLOID:
			return KP_SEND_BOOL;
		case INT2OID:
			return KP_SEND_INT2;
		case INT4OID:
		case OIDOID:
		case DATEOID:
			return KP_SEND_INT4;
		case INT8OID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case TIMEOID:
			return KP_SEND_INT8;
		case FLOAT4OID:
			return KP_SEND_FLOAT4;
		case FLOAT8OID:
			return KP_SEND_FLOAT8;
		case UUIDOID:
			return KP_SEND_UUID;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			return KP_SEND_TEXT;
		case NAMEOID:
			return KP_SEND_NAME;
		default:
			return KP_SEND_FUNCTION;
	}
}

/*
 * Resolves a type's binary send/receive functions once; a type without them
 * cannot travel in a cursor, which is a user-facing error.
 */
void
kp_typeio_init(KpTypeIO *io, Oid typid, bool need_send, bool need_recv,
			   MemoryContext mcxt)
{
	HeapTuple	tup;
	Form_pg_type typ;

	memset(io, 0, sizeof(*io));
	io->typid = typid;
	/* an untyped literal, ROW(1, 'abc'), travels (byte-identical) as text */
	io->tag = kp_type_tag(typid == UNKNOWNOID ? TEXTOID : typid);

	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", typid);
	typ = (Form_pg_type) GETSTRUCT(tup);
	if (!typ->typisdefined)
		elog(ERROR, "type %u is only a shell", typid);
	if (need_send)
	{
		if (!OidIsValid(typ->typsend))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("type %s cannot be carried in a cursor",
							format_type_be(typid)),
					 errdetail("The type has no binary send function.")));
		fmgr_info_cxt(typ->typsend, &io->send, mcxt);
		io->have_send = true;
		io->sendkind = kp_send_kind(typid);
	}
	if (need_recv)
	{
		if (!OidIsValid(typ->typreceive))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("type %s cannot be carried in a cursor",
							format_type_be(typid)),
					 errdetail("The type has no binary receive function.")));
		fmgr_info_cxt(typ->typreceive, &io->recv, mcxt);
		io->ioparam = getTypeIOParam(tup);
		io->have_recv = true;
	}
	ReleaseSysCache(tup);
}

/*
 * Text-like send/receive functions convert between the server and the client
 * encoding.  A cursor must carry server bytes whatever client_encoding is at
 * either end, so conversion is switched off around them; only needed when
 * the two encodings differ, and always undone (the caller uses PG_FINALLY).
 */
static int
kp_enter_server_encoding(void)
{
	int			saved = pg_get_client_encoding();

	if (saved != GetDatabaseEncoding())
		SetClientEncoding(GetDatabaseEncoding());
	return saved;
}

static void
kp_leave_server_encoding(int saved)
{
	if (saved != pg_get_client_encoding() && SetClientEncoding(saved) < 0)
		elog(ERROR, "could not restore client encoding %d", saved);
}

/* HMAC-SHA256 over the frame and the context digest, truncated */
static inline void
kp_compute_mac(const KpKey *key, const uint8 *frame, size_t len,
			   const KpContext *ctx, uint8 *mac)
{
	kp_mac_compute(&key->mac, frame, len, ctx->digest, KP_DIGEST_BYTES,
				   mac, KP_MAC_BYTES);
}

/* Appends v big-endian in n bytes */
static inline void
put_be(StringInfo buf, uint64 v, int n)
{
	char		tmp[8];
	int			i;

	for (i = n - 1; i >= 0; i--)
	{
		tmp[i] = (char) (v & 0xFF);
		v >>= 8;
	}
	appendBinaryStringInfo(buf, tmp, n);
}

/*
 * A fixed-width member: its length (n + 1, as a varint) and n bytes of v,
 * big-endian.  n + 1 is at most 9, so its varint is the one byte n + 1;
 * written in place with one capacity check, as this runs per key column
 * and row.
 */
static inline void
put_fixed(StringInfo buf, uint64 v, int n)
{
	char	   *p;
	int			i;

	Assert(n >= 1 && n <= 8);
	enlargeStringInfo(buf, n + 1);
	p = buf->data + buf->len;
	*p++ = (char) (n + 1);
	for (i = n - 1; i >= 0; i--)
	{
		p[i] = (char) (v & 0xFF);
		v >>= 8;
	}
	buf->len += n + 1;
	buf->data[buf->len] = '\0';
}

/* Appends one member's length and bytes: the fixed forms, else send */
static void
put_member_value(StringInfo buf, KpTypeIO *io, Datum value)
{
	switch (io->sendkind)
	{
		case KP_SEND_BOOL:
			put_fixed(buf, DatumGetBool(value) ? 1 : 0, 1);
			return;
		case KP_SEND_INT2:
			put_fixed(buf, (uint16) DatumGetInt16(value), 2);
			return;
		case KP_SEND_INT4:
			put_fixed(buf, (uint32) DatumGetInt32(value), 4);
			return;
		case KP_SEND_INT8:
			put_fixed(buf, (uint64) DatumGetInt64(value), 8);
			return;
		case KP_SEND_FLOAT4:
			{
				float4		f = DatumGetFloat4(value);
				uint32		bits;

				memcpy(&bits, &f, sizeof(bits));
				put_fixed(buf, bits, 4);
				return;
			}
		case KP_SEND_FLOAT8:
			put_fixed(buf, (uint64) DatumGetInt64(value), 8);	/* the double's bits */
			return;
		case KP_SEND_UUID:
			put_varint(buf, 17);
			appendBinaryStringInfo(buf, (const char *) DatumGetPointer(value), 16);
			return;
		case KP_SEND_TEXT:
			{
				text	   *t = DatumGetTextPP(value);
				uint32		len = VARSIZE_ANY_EXHDR(t);

				put_varint(buf, len + 1);
				appendBinaryStringInfo(buf, VARDATA_ANY(t), len);
				if ((Pointer) t != DatumGetPointer(value))
					pfree(t);
				return;
			}
		case KP_SEND_NAME:
			{
				const char *n = NameStr(*DatumGetName(value));
				uint32		len = strlen(n);

				put_varint(buf, len + 1);
				appendBinaryStringInfo(buf, n, len);
				return;
			}
		case KP_SEND_FUNCTION:
			{
				bytea	   *b = SendFunctionCall(&io->send, value);
				uint32		blen = VARSIZE(b) - VARHDRSZ;

				put_varint(buf, blen + 1);
				appendBinaryStringInfo(buf, VARDATA(b), blen);
				pfree(b);
				return;
			}
	}
	elog(ERROR, "unknown send kind %d", (int) io->sendkind);
}

/*
 * Starts minting a page's cursors: the newest key, one issued-at second,
 * and the frame header every cursor shares, built once.
 */
void
kp_minter_init(KpMinter *m, int nvalues, KpTypeIO *io, const KpContext *ctx,
			   TimestampTz issued_at)
{
	int64		secs;
	uint32		secs32;
	int			i;

	m->nvalues = nvalues;
	m->io = io;
	m->ctx = ctx;
	m->key = kp_keys_signing();
	m->needs_encoding = false;
	for (i = 0; i < nvalues; i++)
		if (io[i].sendkind == KP_SEND_FUNCTION)
			m->needs_encoding = true;

	initStringInfo(&m->buf);
	appendStringInfoCharMacro(&m->buf, KP_CURSOR_VERSION);
	appendStringInfoCharMacro(&m->buf, KP_FLAG_ISSUED_AT);
	put_varint(&m->buf, m->key->id);
	secs = issued_at / USECS_PER_SEC;
	secs32 = (uint32) Max(secs, 0);
	put_be(&m->buf, secs32, 4);
	put_varint(&m->buf, (uint32) nvalues);
	m->headlen = m->buf.len;
}

/* Appends every member: type tag, then NULL or length and bytes */
static void
put_members(KpMinter *m, const Datum *values, const bool *nulls)
{
	int			i;

	for (i = 0; i < m->nvalues; i++)
	{
		put_varint(&m->buf, m->io[i].tag);
		if (nulls[i])
			put_varint(&m->buf, 0);
		else
			put_member_value(&m->buf, &m->io[i], values[i]);
	}
}

/*
 * The same, for members that go through send functions: those that convert
 * text run with client-encoding conversion off (kp_enter_server_encoding).
 */
static void
put_members_server_encoding(KpMinter *m, const Datum *values, const bool *nulls)
{
	int			saved_encoding = kp_enter_server_encoding();

	PG_TRY();
	{
		put_members(m, values, nulls);
	}
	PG_FINALLY();
	{
		kp_leave_server_encoding(saved_encoding);
	}
	PG_END_TRY();
}

/* One cursor: the members after the shared header, the tag, base64url */
text *
kp_minter_mint(KpMinter *m, const Datum *values, const bool *nulls)
{
	StringInfo	buf = &m->buf;
	uint8		mac[KP_MAC_BYTES];

	buf->len = m->headlen;
	if (m->needs_encoding)
		put_members_server_encoding(m, values, nulls);
	else
		put_members(m, values, nulls);

	kp_compute_mac(m->key, (const uint8 *) buf->data, buf->len, m->ctx, mac);
	appendBinaryStringInfo(buf, (const char *) mac, KP_MAC_BYTES);
	/*
	 * No length limit here: max_cursor_length guards readers against
	 * oversized input, and a page must hand out every row's cursor, or one
	 * row with a long key would block the feed for everyone (issue 9).
	 */
	return b64url_encode((const uint8 *) buf->data, buf->len);
}

void
kp_minter_end(KpMinter *m)
{
	pfree(m->buf.data);
	m->buf.data = NULL;
}

/* One cursor on its own (keyset_cursor_encode) */
text *
kp_cursor_mint(int nvalues, KpTypeIO *io, const Datum *values,
			   const bool *nulls, const KpContext *ctx, TimestampTz issued_at)
{
	KpMinter	m;
	text	   *result;

	kp_minter_init(&m, nvalues, io, ctx, issued_at);
	result = kp_minter_mint(&m, values, nulls);
	kp_minter_end(&m);
	/* the caller's own key: tell it now that verification would refuse it */
	if (VARSIZE(result) - VARHDRSZ > kp_max_cursor_length)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cursor would be %d characters, over keyset_pagination.max_cursor_length (%d)",
						(int) (VARSIZE(result) - VARHDRSZ), kp_max_cursor_length),
				 errhint("Use a smaller key, or raise keyset_pagination.max_cursor_length.")));
	return result;
}

/*
 * Checks a cursor string and, only if it is authentic, parses its frame.
 * Never raises for bad input: returns the reason instead, so that
 * keyset_cursor_verify() can answer false and everything else can raise one
 * clean error.  Order: length, alphabet, version, key, MAC, then the rest.
 */
KpCursorStatus
kp_cursor_open(const char *str, int len, const KpContext *ctx, KpCursor *out)
{
	uint8	   *raw;
	int			rawlen;
	const uint8 *p;
	const uint8 *end;
	uint32		key_id;
	uint8		flags;
	const KpKey *key;
	uint8		mac[KP_MAC_BYTES];
	uint32		n;
	int			i;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return KP_CURSOR_EMPTY;
	if (len > kp_max_cursor_length)
		return KP_CURSOR_TOO_LONG;

	raw = palloc(len);
	if (!b64url_decode(str, len, raw, &rawlen))
		return KP_CURSOR_NOT_BASE64URL;
	if (rawlen < KP_MIN_CURSOR_BYTES)
		return KP_CURSOR_TRUNCATED;
	if (raw[0] != KP_CURSOR_VERSION)
		return KP_CURSOR_BAD_VERSION;

	/* the key id selects the secret; nothing else is read before the MAC */
	p = raw + 2;
	end = raw + rawlen - KP_MAC_BYTES;
	if (!get_varint(&p, end, &key_id))
		return KP_CURSOR_TRUNCATED;
	key = kp_keys_find(key_id);
	if (key == NULL)
		return KP_CURSOR_UNKNOWN_KEY;
	if (key->retired)
		return KP_CURSOR_RETIRED_KEY;
	kp_compute_mac(key, raw, end - raw, ctx, mac);
	if (!kp_timingsafe_equal(mac, end, KP_MAC_BYTES))
		return KP_CURSOR_BAD_MAC;

	/* authentic from here on; still parsed defensively */
	flags = raw[1];
	if ((flags & ~KP_FLAG_ISSUED_AT) != 0)
		return KP_CURSOR_MALFORMED;
	out->key_id = key_id;
	if (flags & KP_FLAG_ISSUED_AT)
	{
		uint32		secs;

		if (end - p < 4)
			return KP_CURSOR_MALFORMED;
		secs = ((uint32) p[0] << 24) | ((uint32) p[1] << 16) |
			((uint32) p[2] << 8) | (uint32) p[3];
		p += 4;
		out->has_issued_at = true;
		out->issued_at = (TimestampTz) secs * USECS_PER_SEC;
	}
	if (!get_varint(&p, end, &n) || n > (uint32) (end - p))
		return KP_CURSOR_MALFORMED;
	out->nvalues = (int) n;
	out->values = palloc0(sizeof(KpCursorValue) * Max(n, 1));
	for (i = 0; i < (int) n; i++)
	{
		uint32		vlen;

		if (!get_varint(&p, end, &out->values[i].tag) ||
			!get_varint(&p, end, &vlen))
			return KP_CURSOR_MALFORMED;
		if (vlen == 0)
		{
			out->values[i].isnull = true;
			continue;
		}
		vlen--;
		if (vlen > (uint32) (end - p))
			return KP_CURSOR_MALFORMED;
		out->values[i].data = (const char *) p;
		out->values[i].len = (int) vlen;
		p += vlen;
	}
	if (p != end)
		return KP_CURSOR_MALFORMED;

	if (kp_max_cursor_age > 0)
	{
		TimestampTz now = GetCurrentTimestamp();

		/*
		 * issued_at was truncated to the second when minted, so allow that
		 * second: a cursor may live up to 1 s longer, never less.
		 */
		if (!out->has_issued_at ||
			now - out->issued_at > ((int64) kp_max_cursor_age + 1) * USECS_PER_SEC)
			return KP_CURSOR_EXPIRED;
	}
	return KP_CURSOR_OK;
}

/*
 * One SQLSTATE for every bad cursor, so an API maps it to HTTP 400 in one
 * place; the detail says which check failed and never echoes the cursor.
 */
void
kp_cursor_raise(KpCursorStatus status)
{
	const char *detail;

	switch (status)
	{
		case KP_CURSOR_EMPTY:
			detail = "The cursor is an empty string.";
			break;
		case KP_CURSOR_TOO_LONG:
			detail = "The cursor is longer than keyset_pagination.max_cursor_length.";
			break;
		case KP_CURSOR_NOT_BASE64URL:
			detail = "The cursor is not unpadded base64url text.";
			break;
		case KP_CURSOR_TRUNCATED:
			detail = "The cursor is too short to be complete.";
			break;
		case KP_CURSOR_BAD_VERSION:
			detail = "The cursor format version is not supported.";
			break;
		case KP_CURSOR_UNKNOWN_KEY:
			detail = "The cursor names a signing key that does not exist.";
			break;
		case KP_CURSOR_RETIRED_KEY:
			detail = "The cursor was signed with a key that has been retired.";
			break;
		case KP_CURSOR_BAD_MAC:
			detail = "The cursor signature does not match: it was altered, forged, or minted for a different query.";
			break;
		case KP_CURSOR_MALFORMED:
			detail = "The cursor is signed but its contents are malformed.";
			break;
		case KP_CURSOR_EXPIRED:
			detail = "The cursor is older than keyset_pagination.max_cursor_age.";
			break;
		case KP_CURSOR_STALE:
			detail = "The cursor no longer matches the sort key: its column types have changed.";
			break;
		default:
			elog(ERROR, "unexpected cursor status %d", (int) status);
			detail = NULL;		/* keep compiler quiet */
	}
	ereport(ERROR,
			(errcode(ERRCODE_KP_INVALID_CURSOR),
			 errmsg("invalid cursor"),
			 errdetail_internal("%s", detail),
			 errhint("Start again from the first page, without a cursor.")));
}

/*
 * Turns a verified cursor's members back into Datums through the types'
 * receive functions.  Returns -1 on success, or the 0-based index of the
 * first member whose type tag does not match (the caller words the error:
 * a column definition list mismatch or a stale page cursor).  The count must
 * already match.
 */
int
kp_cursor_receive(const KpCursor *cur, int nvalues, KpTypeIO *io,
				  const int32 *typmods, Datum *values, bool *nulls)
{
	StringInfoData buf;
	int			saved_encoding;
	int			i;

	Assert(cur->nvalues == nvalues);
	for (i = 0; i < nvalues; i++)
		if (cur->values[i].tag != io[i].tag)
			return i;

	initStringInfo(&buf);
	saved_encoding = kp_enter_server_encoding();
	PG_TRY();
	{
		for (i = 0; i < nvalues; i++)
		{
			const KpCursorValue *v = &cur->values[i];

			if (v->isnull)
			{
				values[i] = ReceiveFunctionCall(&io[i].recv, NULL, io[i].ioparam,
												typmods ? typmods[i] : -1);
				nulls[i] = true;
				continue;
			}
			/* receive functions want a private, NUL-terminated buffer */
			resetStringInfo(&buf);
			appendBinaryStringInfo(&buf, v->data, v->len);
			values[i] = ReceiveFunctionCall(&io[i].recv, &buf, io[i].ioparam,
											typmods ? typmods[i] : -1);
			nulls[i] = false;
			if (buf.cursor != buf.len)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("incorrect binary data format in cursor member %d",
								i + 1)));
		}
	}
	PG_FINALLY();
	{
		kp_leave_server_encoding(saved_encoding);
	}
	PG_END_TRY();
	pfree(buf.data);
	return -1;
}
