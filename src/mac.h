/*
 * mac.h
 *	  HMAC-SHA256 with the key schedule done once per signing key, and the
 *	  one-shot SHA-256 the cursor context digest needs.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_MAC_H
#define KP_MAC_H

#include "compat.h"

#define KP_SHA256_BYTES		32

/* A signing key ready for HMAC; secret material, zeroed when dropped */
typedef struct KpMacKey
{
#ifdef KP_HAVE_SHA256_STATE
	SHA256_CTX	inner;			/* state after absorbing key ^ ipad */
	SHA256_CTX	outer;			/* state after absorbing key ^ opad */
#else
	uint8		secret[64];
	int			secret_len;
#endif
} KpMacKey;

extern void kp_mac_key_init(KpMacKey *mk, const uint8 *secret, int len);
extern void kp_mac_compute(const KpMacKey *mk,
						   const uint8 *a, size_t alen,
						   const uint8 *b, size_t blen,
						   uint8 *out, size_t outlen);
extern void kp_sha256(int nparts, const uint8 *const *parts,
					  const size_t *lens, uint8 *out);

#endif							/* KP_MAC_H */
