/*
 * mac.c
 *	  HMAC-SHA256 (RFC 2104) for cursor tags, with the padded-key blocks
 *	  absorbed once per signing key rather than once per cursor.
 *
 * A page mints a cursor for every row, so the tag is on the hot path.  With
 * a copyable SHA-256 state (see compat.h) a tag costs three compression
 * rounds and two struct copies, with no allocation; otherwise this falls
 * back to PostgreSQL's pg_hmac, which gives the same bytes more slowly.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "mac.h"

#include "common/cryptohash.h"
#include "common/hmac.h"

#define KP_SHA256_BLOCK		64

#ifdef KP_HAVE_SHA256_STATE

/*
 * Absorbs the key XORed with the inner and outer pads.  A key longer than a
 * block would be hashed first (RFC 2104); signing keys are 32 bytes, but the
 * rule is kept so this is HMAC for any key.
 */
void
kp_mac_key_init(KpMacKey *mk, const uint8 *secret, int len)
{
	uint8		k0[KP_SHA256_BLOCK];
	uint8		pad[KP_SHA256_BLOCK];
	SHA256_CTX	c;
	int			i;

	memset(k0, 0, sizeof(k0));
	if (len > KP_SHA256_BLOCK)
	{
		if (SHA256_Init(&c) != 1 ||
			SHA256_Update(&c, secret, len) != 1 ||
			SHA256_Final(k0, &c) != 1)
			elog(ERROR, "could not hash signing key");
	}
	else
		memcpy(k0, secret, len);

	for (i = 0; i < KP_SHA256_BLOCK; i++)
		pad[i] = k0[i] ^ 0x36;
	if (SHA256_Init(&mk->inner) != 1 ||
		SHA256_Update(&mk->inner, pad, sizeof(pad)) != 1)
		elog(ERROR, "could not prepare signing key");
	for (i = 0; i < KP_SHA256_BLOCK; i++)
		pad[i] = k0[i] ^ 0x5c;
	if (SHA256_Init(&mk->outer) != 1 ||
		SHA256_Update(&mk->outer, pad, sizeof(pad)) != 1)
		elog(ERROR, "could not prepare signing key");

	explicit_bzero(k0, sizeof(k0));
	explicit_bzero(pad, sizeof(pad));
}

/*
 * HMAC(key, a || b), truncated to outlen bytes.  Two parts because a tag
 * covers the frame and the context digest, which live apart.
 */
void
kp_mac_compute(const KpMacKey *mk, const uint8 *a, size_t alen,
			   const uint8 *b, size_t blen, uint8 *out, size_t outlen)
{
	SHA256_CTX	c;
	uint8		inner[KP_SHA256_BYTES];
	uint8		full[KP_SHA256_BYTES];

	Assert(outlen <= KP_SHA256_BYTES);
	memcpy(&c, &mk->inner, sizeof(c));
	if (SHA256_Update(&c, a, alen) != 1 ||
		SHA256_Update(&c, b, blen) != 1 ||
		SHA256_Final(inner, &c) != 1)
		elog(ERROR, "could not compute cursor MAC");
	memcpy(&c, &mk->outer, sizeof(c));
	if (SHA256_Update(&c, inner, sizeof(inner)) != 1 ||
		SHA256_Final(full, &c) != 1)
		elog(ERROR, "could not compute cursor MAC");
	memcpy(out, full, outlen);
	explicit_bzero(&c, sizeof(c));
	explicit_bzero(inner, sizeof(inner));
	explicit_bzero(full, sizeof(full));
}

/* SHA-256 of the concatenated parts */
void
kp_sha256(int nparts, const uint8 *const *parts, const size_t *lens,
		  uint8 *out)
{
	SHA256_CTX	c;
	int			i;

	if (SHA256_Init(&c) != 1)
		elog(ERROR, "could not hash cursor context");
	for (i = 0; i < nparts; i++)
		if (lens[i] > 0 && SHA256_Update(&c, parts[i], lens[i]) != 1)
			elog(ERROR, "could not hash cursor context");
	if (SHA256_Final(out, &c) != 1)
		elog(ERROR, "could not hash cursor context");
}

#else							/* !KP_HAVE_SHA256_STATE */

/* Without a copyable state the key is kept and pg_hmac does the rest */
void
kp_mac_key_init(KpMacKey *mk, const uint8 *secret, int len)
{
	if (len > (int) sizeof(mk->secret))
		elog(ERROR, "signing key of %d bytes is too long", len);
	memcpy(mk->secret, secret, len);
	mk->secret_len = len;
}

/* HMAC(key, a || b) through common/hmac.h, truncated to outlen bytes */
void
kp_mac_compute(const KpMacKey *mk, const uint8 *a, size_t alen,
			   const uint8 *b, size_t blen, uint8 *out, size_t outlen)
{
	pg_hmac_ctx *h = pg_hmac_create(PG_SHA256);
	uint8		full[KP_SHA256_BYTES];

	if (h == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
						errmsg("out of memory")));
	if (pg_hmac_init(h, mk->secret, mk->secret_len) < 0 ||
		pg_hmac_update(h, a, alen) < 0 ||
		pg_hmac_update(h, b, blen) < 0 ||
		pg_hmac_final(h, full, sizeof(full)) < 0)
	{
		const char *msg = kp_hmac_error(h);

		pg_hmac_free(h);
		elog(ERROR, "could not compute cursor MAC: %s", msg);
	}
	pg_hmac_free(h);
	memcpy(out, full, outlen);
	explicit_bzero(full, sizeof(full));
}

/* SHA-256 of the concatenated parts through common/cryptohash.h */
void
kp_sha256(int nparts, const uint8 *const *parts, const size_t *lens,
		  uint8 *out)
{
	pg_cryptohash_ctx *h = pg_cryptohash_create(PG_SHA256);
	bool		ok;
	int			i;

	if (h == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
						errmsg("out of memory")));
	ok = pg_cryptohash_init(h) == 0;
	for (i = 0; ok && i < nparts; i++)
		if (lens[i] > 0)
			ok = pg_cryptohash_update(h, parts[i], lens[i]) == 0;
	if (ok)
		ok = pg_cryptohash_final(h, out, KP_SHA256_BYTES) == 0;
	if (!ok)
	{
		const char *msg = kp_cryptohash_error(h);

		pg_cryptohash_free(h);
		elog(ERROR, "could not hash cursor context: %s", msg);
	}
	pg_cryptohash_free(h);
}

#endif							/* KP_HAVE_SHA256_STATE */
