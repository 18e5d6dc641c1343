/*
 * fuzz_stubs.c
 *	  The server facilities src/codec.c uses, for the standalone fuzz
 *	  harness: palloc as a list of malloc'd chunks freed after each input (so
 *	  AddressSanitizer sees every chunk's exact bounds), ereport as a longjmp
 *	  back into the harness, fixed settings, and a key and MAC that accept
 *	  every frame.  Frontend libpgcommon/libpgport supply StringInfo,
 *	  psprintf, hash_any and snprintf.
 *
 * THE MAC CHECK IS BYPASSED HERE: kp_mac_compute() returns the tag the frame
 * carries.  This file is never part of the extension (the Makefile's OBJS
 * lists src/ only), and src/keyset_pagination.c fails to compile with
 * KP_FUZZ_HARNESS.
 */
#ifndef KP_FUZZ_HARNESS
#error "fuzz_stubs.c is built only with -DKP_FUZZ_HARNESS (test/fuzz/run.sh)"
#endif

#include "postgres.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "access/htup.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "../../src/codec.h"
#include "../../src/keys.h"
#include "../../src/keyset_pagination.h"
#include "fuzz_stubs.h"

/* the settings, at their defaults */
int			kp_max_cursor_length = 1024;
int			kp_max_cursor_age = 0;

sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;

/* ---- palloc: every chunk on one list, all freed after each input ---- */

typedef struct Chunk
{
	struct Chunk *prev;
	struct Chunk *next;
	size_t		size;
	/* 16-byte alignment for the payload, like malloc's */
	long double align[];
} Chunk;

static Chunk arena = {&arena, &arena, 0};

static void *
chunk_alloc(Size size, bool zero)
{
	Chunk	   *c;

	if (size > MaxAllocSize)
		kp_fuzz_fail("palloc request over MaxAllocSize");
	c = zero ? calloc(1, sizeof(Chunk) + size) : malloc(sizeof(Chunk) + size);
	if (c == NULL)
		kp_fuzz_fail("out of memory");
	c->size = size;
	c->next = arena.next;
	c->prev = &arena;
	arena.next->prev = c;
	arena.next = c;
	return c->align;
}

static Chunk *
chunk_of(void *p)
{
	return (Chunk *) ((char *) p - offsetof(Chunk, align));
}

void *
palloc(Size size)
{
	return chunk_alloc(size, false);
}

void *
palloc0(Size size)
{
	return chunk_alloc(size, true);
}

void *
palloc_extended(Size size, int flags)
{
	return chunk_alloc(size, (flags & MCXT_ALLOC_ZERO) != 0);
}

void
pfree(void *p)
{
	Chunk	   *c = chunk_of(p);

	c->prev->next = c->next;
	c->next->prev = c->prev;
	free(c);
}

void *
repalloc(void *p, Size size)
{
	Chunk	   *c = chunk_of(p);
	void	   *n = chunk_alloc(size, false);

	memcpy(n, p, Min(size, c->size));
	pfree(p);
	return n;
}

char *
pstrdup(const char *s)
{
	size_t		len = strlen(s);
	char	   *d = palloc(len + 1);

	memcpy(d, s, len + 1);
	return d;
}

static void
arena_reset(void)
{
	while (arena.next != &arena)
		pfree(arena.next->align);
}

/* ---- ereport: record the SQLSTATE and level, longjmp on ERROR ---- */

static int	cur_elevel;
static int	last_sqlerrcode;

bool
errstart(int elevel, const char *domain)
{
	cur_elevel = elevel;
	last_sqlerrcode = elevel >= ERROR ? ERRCODE_INTERNAL_ERROR : 0;
	return elevel >= ERROR;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

int
errcode(int sqlerrcode)
{
	last_sqlerrcode = sqlerrcode;
	return 0;
}

/* the message parts are not kept: only the SQLSTATE matters here */
#define KP_FUZZ_IGNORE_TEXT(name) \
	int name(const char *fmt,...) { return 0; }
KP_FUZZ_IGNORE_TEXT(errmsg)
KP_FUZZ_IGNORE_TEXT(errmsg_internal)
KP_FUZZ_IGNORE_TEXT(errdetail)
KP_FUZZ_IGNORE_TEXT(errdetail_internal)
KP_FUZZ_IGNORE_TEXT(errhint)

void
pg_re_throw(void)
{
	if (PG_exception_stack == NULL)
		kp_fuzz_fail("ERROR raised outside the harness's handler");
	siglongjmp(*PG_exception_stack, 1);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (cur_elevel >= ERROR)
		pg_re_throw();
}

void
ExceptionalCondition(const char *conditionName, const char *errorType,
					 const char *fileName, int lineNumber)
{
	fprintf(stderr, "Assert(%s) failed at %s:%d\n", conditionName, fileName,
			lineNumber);
	abort();
}

void
kp_fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_codec: invariant broken: %s\n", what);
	abort();
}

/*
 * One input under an error handler.  A clean ereport(ERROR) with a real
 * SQLSTATE is an acceptable outcome; an elog (XX000, "can't happen") reached
 * from input is a bug.
 */
void
kp_fuzz_run(void (*fn) (const uint8_t *, size_t),
			const uint8_t *data, size_t size)
{
	sigjmp_buf	jb;

	PG_exception_stack = &jb;
	if (sigsetjmp(jb, 0) == 0)
		fn(data, size);
	else if (last_sqlerrcode == ERRCODE_INTERNAL_ERROR)
		kp_fuzz_fail("elog(ERROR) reached from input");
	PG_exception_stack = NULL;
	kp_fuzz_minting = false;
	arena_reset();
}

int
kp_fuzz_try_raise(int status)
{
	sigjmp_buf *saved = PG_exception_stack;
	sigjmp_buf	jb;

	PG_exception_stack = &jb;
	last_sqlerrcode = 0;
	if (sigsetjmp(jb, 0) == 0)
		kp_cursor_raise((KpCursorStatus) status);
	PG_exception_stack = saved;
	return last_sqlerrcode;
}

/* ---- keys and MAC: one key, and a MAC that is always right ---- */

static KpKey fuzz_key = {.id = 1,.retired = false};

const KpKey *
kp_keys_signing(void)
{
	return &fuzz_key;
}

const KpKey *
kp_keys_find(uint32 id)
{
	/* key 0 stands for a retired key, key 2 for an unknown one */
	static KpKey retired = {.id = 0,.retired = true};

	if (id == 0)
		return &retired;
	if (id == 2)
		return NULL;
	return &fuzz_key;
}

/*
 * The bypass: when opening, codec.c compares this against the 16 bytes
 * right after the frame, which are the cursor's own tag, so copying them
 * makes every tag right.  When minting (kp_fuzz_minting) those bytes are
 * not there yet, and any fixed tag will do.
 */
bool		kp_fuzz_minting = false;

void
kp_mac_compute(const KpMacKey *mk, const uint8 *a, size_t alen,
			   const uint8 *b, size_t blen, uint8 *out, size_t outlen)
{
	if (kp_fuzz_minting)
		memset(out, 0xA5, outlen);
	else
		memcpy(out, a + alen, outlen);
}

void
kp_sha256(int nparts, const uint8 *const *parts, const size_t *lens,
		  uint8 *out)
{
	memset(out, 0, KP_SHA256_BYTES);
}

TimestampTz
GetCurrentTimestamp(void)
{
	return 0;
}

/* ---- encodings: server and client the same, conversion never needed ---- */

int
pg_get_client_encoding(void)
{
	return PG_UTF8;
}

int
GetDatabaseEncoding(void)
{
	return PG_UTF8;
}

int
SetClientEncoding(int encoding)
{
	return 0;
}

/*
 * ---- type I/O: the harness builds KpTypeIO itself; receive reads every
 * byte (so an overlong length is an ASan report) and consumes the buffer
 * ----
 */
static volatile uint32 receive_sink;

Datum
ReceiveFunctionCall(FmgrInfo *flinfo, StringInfo buf, Oid typioparam,
					int32 typmod)
{
	uint32		sum = 0;
	bytea	   *copy;
	int			i;

	if (buf == NULL)
		return (Datum) 0;
	if (buf->data[buf->len] != '\0')
		kp_fuzz_fail("receive buffer is not NUL-terminated");
	for (i = buf->cursor; i < buf->len; i++)
		sum += (uint8) buf->data[i];
	copy = palloc(VARHDRSZ + buf->len - buf->cursor);
	SET_VARSIZE(copy, VARHDRSZ + buf->len - buf->cursor);
	memcpy(VARDATA(copy), buf->data + buf->cursor, buf->len - buf->cursor);
	buf->cursor = buf->len;
	receive_sink += sum;
	return PointerGetDatum(copy);
}

/* The inverse: the harness's Datums are the member bytes as a bytea */
bytea *
SendFunctionCall(FmgrInfo *flinfo, Datum val)
{
	bytea	   *v = (bytea *) DatumGetPointer(val);
	bytea	   *copy = palloc(VARSIZE(v));

	memcpy(copy, v, VARSIZE(v));
	return copy;
}

/* ---- catalog access: never reached by the harness ---- */

HeapTuple
SearchSysCache1(int cacheId, Datum key1)
{
	kp_fuzz_fail("SearchSysCache1 called");
}

void
ReleaseSysCache(HeapTuple tuple)
{
	kp_fuzz_fail("ReleaseSysCache called");
}

char *
get_namespace_name(Oid nspid)
{
	kp_fuzz_fail("get_namespace_name called");
}

void
fmgr_info_cxt(Oid functionId, FmgrInfo *finfo, MemoryContext mcxt)
{
	kp_fuzz_fail("fmgr_info_cxt called");
}

Oid
getTypeIOParam(HeapTuple typeTuple)
{
	kp_fuzz_fail("getTypeIOParam called");
}

char *
format_type_be(Oid type_oid)
{
	kp_fuzz_fail("format_type_be called");
}

struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	return datum;
}
