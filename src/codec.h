/*
 * codec.h
 *	  The cursor codec: exact binary values, a versioned framing, an
 *	  HMAC-SHA256 tag bound to a context, and base64url text.
 *
 * Byte layout (version 1), documented in doc/design.md:
 *	 version(1) flags(1) key_id(varint) [issued_at(4, BE)]
 *	 nvalues(varint) { type_tag(varint) len+1(varint, 0 = NULL) bytes } ...
 *	 mac(16) = HMAC-SHA256(key, everything before it || context digest)[0..16)
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_CODEC_H
#define KP_CODEC_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "mac.h"

#define KP_CURSOR_VERSION	1
#define KP_FLAG_ISSUED_AT	0x01
#define KP_MAC_BYTES		16
#define KP_DIGEST_BYTES		KP_SHA256_BYTES	/* the context digest */

/* Context domains: a cursor minted in one is never valid in the other */
#define KP_DOMAIN_USER		'U'		/* keyset_cursor_encode/decode/verify */
#define KP_DOMAIN_PAGE		'P'		/* keyset_page and friends */

/* What a cursor is bound to, hashed once per call */
typedef struct KpContext
{
	uint8		digest[KP_DIGEST_BYTES];
} KpContext;

/*
 * How a value is written into a cursor.  The fixed forms give the exact
 * bytes the type's send function would (big-endian integers and floats, raw
 * uuid, server-encoding text), without a call and its allocations; every
 * other type goes through its send function.
 */
typedef enum KpSendKind
{
	KP_SEND_FUNCTION = 0,
	KP_SEND_BOOL,
	KP_SEND_INT2,
	KP_SEND_INT4,				/* int4, oid, date */
	KP_SEND_INT8,				/* int8, timestamp, timestamptz, time */
	KP_SEND_FLOAT4,
	KP_SEND_FLOAT8,
	KP_SEND_UUID,
	KP_SEND_TEXT,				/* text, varchar, bpchar: the stored bytes */
	KP_SEND_NAME
} KpSendKind;

/* Per-type binary I/O, resolved once and kept in a caller's cache */
typedef struct KpTypeIO
{
	Oid			typid;
	uint32		tag;			/* stable type identity in the cursor */
	KpSendKind	sendkind;
	bool		have_send;
	bool		have_recv;
	FmgrInfo	send;
	FmgrInfo	recv;
	Oid			ioparam;
} KpTypeIO;

/* One member of a verified cursor; data points into the decoded buffer */
typedef struct KpCursorValue
{
	uint32		tag;
	bool		isnull;
	const char *data;
	int			len;
} KpCursorValue;

typedef struct KpCursor
{
	uint32		key_id;
	bool		has_issued_at;
	TimestampTz issued_at;
	int			nvalues;
	KpCursorValue *values;
} KpCursor;

/* Every way a cursor can be refused, each with its own errdetail */
typedef enum KpCursorStatus
{
	KP_CURSOR_OK = 0,
	KP_CURSOR_EMPTY,
	KP_CURSOR_TOO_LONG,
	KP_CURSOR_NOT_BASE64URL,
	KP_CURSOR_TRUNCATED,
	KP_CURSOR_BAD_VERSION,
	KP_CURSOR_UNKNOWN_KEY,
	KP_CURSOR_RETIRED_KEY,
	KP_CURSOR_BAD_MAC,
	KP_CURSOR_MALFORMED,
	KP_CURSOR_EXPIRED,
	KP_CURSOR_STALE
} KpCursorStatus;

extern void kp_context_init(KpContext *ctx, char domain,
							const char *data, size_t len, bool isnull);
extern void kp_typeio_init(KpTypeIO *io, Oid typid, bool need_send,
						   bool need_recv, MemoryContext mcxt);

/*
 * Mints many cursors with one key, context and clock reading (a page's): the
 * frame header is built once and the buffer reused.
 */
typedef struct KpMinter
{
	int			nvalues;
	KpTypeIO   *io;
	const KpContext *ctx;
	const struct KpKey *key;
	int			headlen;		/* bytes of buf that every cursor shares */
	bool		needs_encoding;	/* some member goes through a send function */
	StringInfoData buf;
} KpMinter;

extern void kp_minter_init(KpMinter *m, int nvalues, KpTypeIO *io,
						   const KpContext *ctx, TimestampTz issued_at);
extern text *kp_minter_mint(KpMinter *m, const Datum *values, const bool *nulls);
extern void kp_minter_end(KpMinter *m);
extern text *kp_cursor_mint(int nvalues, KpTypeIO *io, const Datum *values,
							const bool *nulls, const KpContext *ctx,
							TimestampTz issued_at);
extern KpCursorStatus kp_cursor_open(const char *str, int len,
									 const KpContext *ctx, KpCursor *out);
pg_noreturn extern void kp_cursor_raise(KpCursorStatus status);
extern int	kp_cursor_receive(const KpCursor *cur, int nvalues, KpTypeIO *io,
							  const int32 *typmods, Datum *values, bool *nulls);

/*
 * Appends v as 4 little-endian bytes.  Anything hashed into a MAC is written
 * in an explicit byte order, never in the machine's; little-endian because
 * that is what 0.1.0 wrote on x86-64, so its cursors keep verifying.
 */
static inline void
kp_put_le32(StringInfo buf, uint32 v)
{
	char		b[4];

	b[0] = (char) (v & 0xFF);
	b[1] = (char) ((v >> 8) & 0xFF);
	b[2] = (char) ((v >> 16) & 0xFF);
	b[3] = (char) ((v >> 24) & 0xFF);
	appendBinaryStringInfo(buf, b, 4);
}

#endif							/* KP_CODEC_H */
