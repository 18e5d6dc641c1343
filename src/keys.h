/*
 * keys.h
 *	  Signing keys: kept in an extension table no ordinary role can read,
 *	  cached per backend, refreshed when the table changes.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_KEYS_H
#define KP_KEYS_H

#include "mac.h"

#define KP_KEY_TABLE "keyset_signing_key"
#define KP_KEY_BYTES		32		/* a signing key's secret */

typedef struct KpKey
{
	uint32		id;
	bool		retired;
	KpMacKey	mac;			/* the secret, ready for HMAC; unset if retired */
} KpKey;

extern void kp_keys_init(void);
extern const KpKey *kp_keys_signing(void);
extern const KpKey *kp_keys_find(uint32 id);

#endif							/* KP_KEYS_H */
