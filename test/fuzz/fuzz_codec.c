/*
 * fuzz_codec.c
 *	  libFuzzer harness for the cursor codec (src/codec.c): the strict
 *	  base64url decoder, the frame parser (kp_cursor_open) and the member
 *	  checks done before a type's receive function (kp_cursor_receive).
 *
 * Built only by test/fuzz/run.sh (make fuzz), never into the extension.
 * codec.c is compiled into this file (#include below), so its static
 * functions can be called directly; everything it needs from the server is
 * either frontend libpgcommon/libpgport or a stub in fuzz_stubs.c.  The MAC
 * check is bypassed there: the stub kp_mac_compute() answers with the tag the
 * frame already carries, so every frame reaches the parser.
 * keyset_pagination.c (part of the module, not of the harness) refuses to compile with KP_FUZZ_HARNESS.
 *
 * Input: the first byte selects a mode.
 *	  even: the rest is a frame without its tag; the harness appends a
 *			16-byte tag, base64url-encodes it and opens it (the parser path)
 *	  odd:	the rest is cursor text as a client would send it (the decoder)
 * For a frame that parses, its members go through kp_cursor_receive() twice
 * (types matching the frame's tags, and a fixed two-column key that usually
 * does not match), and are minted again and re-opened: decode(encode(v))
 * must give back v.
 */
#ifndef KP_FUZZ_HARNESS
#error "fuzz_codec.c is built only with -DKP_FUZZ_HARNESS (test/fuzz/run.sh)"
#endif

#include "../../src/codec.c"

#include "fuzz_stubs.h"

/* The key the fixed two-column schema expects: (timestamptz, bigint) */
static const uint32 fixed_tags[2] = {TIMESTAMPTZOID, INT8OID};

/* Raw frame -> cursor text, as a client would hold it */
static text *
frame_to_cursor(const uint8 *frame, size_t len)
{
	uint8	   *raw = palloc(len + KP_MAC_BYTES);

	memcpy(raw, frame, len);
	memset(raw + len, 0xA5, KP_MAC_BYTES);	/* any tag passes the stub */
	return b64url_encode(raw, (int) (len + KP_MAC_BYTES));
}

/* Member by member equality of two parsed cursors */
static void
check_same_members(const KpCursor *a, const KpCursor *b)
{
	int			i;

	if (a->nvalues != b->nvalues)
		kp_fuzz_fail("re-minted cursor has a different member count");
	for (i = 0; i < a->nvalues; i++)
	{
		const KpCursorValue *x = &a->values[i];
		const KpCursorValue *y = &b->values[i];

		if (x->tag != y->tag || x->isnull != y->isnull)
			kp_fuzz_fail("re-minted member differs in tag or nullness");
		if (!x->isnull &&
			(x->len != y->len || memcmp(x->data, y->data, x->len) != 0))
			kp_fuzz_fail("re-minted member differs in bytes");
	}
}

/*
 * The parsed members through the checks a page or decode call does next,
 * then a mint/open round trip with the same values.
 */
static void
exercise_members(const KpCursor *cur)
{
	int			n = cur->nvalues;
	KpTypeIO   *io = palloc0(sizeof(KpTypeIO) * Max(n, 1));
	Datum	   *values = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
	KpContext	ctx;
	text	   *again;
	KpCursor	back;
	int			i;

	for (i = 0; i < n; i++)
	{
		io[i].tag = cur->values[i].tag;
		io[i].sendkind = KP_SEND_FUNCTION;
		io[i].have_send = io[i].have_recv = true;
	}
	if (kp_cursor_receive(cur, n, io, NULL, values, nulls) != -1)
		kp_fuzz_fail("members whose tags match were refused");

	if (n == 2)
	{
		KpTypeIO	fixed[2];
		int			bad;

		memset(fixed, 0, sizeof(fixed));
		fixed[0].tag = fixed_tags[0];
		fixed[1].tag = fixed_tags[1];
		bad = kp_cursor_receive(cur, 2, fixed, NULL, values, nulls);
		if (bad < -1 || bad > 1 ||
			(bad >= 0 && cur->values[bad].tag == fixed_tags[bad]))
			kp_fuzz_fail("tag mismatch reported for the wrong member");
	}

	/* decode(encode(v)) == v, through the minter every page uses */
	if (n == 0)
		return;
	memset(&ctx, 0, sizeof(ctx));
	kp_fuzz_minting = true;
	again = kp_cursor_mint(n, io, values, nulls, &ctx, 0);
	kp_fuzz_minting = false;
	if (kp_cursor_open(VARDATA(again), VARSIZE(again) - VARHDRSZ, &ctx, &back)
		!= KP_CURSOR_OK)
		kp_fuzz_fail("a freshly minted cursor does not open");
	check_same_members(cur, &back);
}

/* Strict base64url: whatever decodes must encode back to the same text */
static void
check_b64url(const char *s, int len)
{
	uint8	   *raw = palloc(len + 1);
	int			rawlen;
	text	   *again;

	if (!b64url_decode(s, len, raw, &rawlen))
		return;
	again = b64url_encode(raw, rawlen);
	if (VARSIZE(again) - VARHDRSZ != len ||
		memcmp(VARDATA(again), s, len) != 0)
		kp_fuzz_fail("base64url text decodes but does not round-trip");
}

/* KP_FUZZ_VERBOSE=1: print each input's status (for reading a crash file) */
static int	verbose = -1;

static void
one_input(const uint8 *data, size_t size)
{
	KpCursor	cur;
	KpContext	ctx;
	KpCursorStatus st;
	const char *str;
	int			len;

	if (size < 1)
		return;
	if ((data[0] & 1) == 0)
	{
		text	   *t = frame_to_cursor(data + 1, size - 1);

		str = VARDATA(t);
		len = VARSIZE(t) - VARHDRSZ;
	}
	else
	{
		str = (const char *) data + 1;
		len = (int) (size - 1);
		check_b64url(str, len);
	}

	memset(&ctx, 0, sizeof(ctx));
	st = kp_cursor_open(str, len, &ctx, &cur);
	if (verbose < 0)
		verbose = getenv("KP_FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "fuzz_codec: status %d, %d members\n", (int) st,
				st == KP_CURSOR_OK ? cur.nvalues : -1);
	if (st < KP_CURSOR_OK || st > KP_CURSOR_STALE)
		kp_fuzz_fail("kp_cursor_open returned an unknown status");
	if (st == KP_CURSOR_OK)
		exercise_members(&cur);
	else
	{
		/* every refusal has its errdetail; raising must not crash either */
		if (kp_fuzz_try_raise(st) != ERRCODE_KP_INVALID_CURSOR)
			kp_fuzz_fail("kp_cursor_raise did not raise 22KP1");
	}
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kp_fuzz_run(one_input, data, size);
	return 0;
}
