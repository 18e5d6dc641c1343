/*
 * keyset_pagination.c
 *	  The module: its magic block, _PG_init, and the keyset_pagination.*
 *	  settings.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"
#include "keys.h"
#include "querycache.h"
#include "scan.h"
#include "keyset_pagination.h"

/*
 * The codec fuzz harness (test/fuzz) defines this and stubs out the MAC
 * check; no file of the module may ever be built that way.
 */
#ifdef KP_FUZZ_HARNESS
#error "KP_FUZZ_HARNESS is for test/fuzz only: it bypasses the cursor MAC"
#endif

#ifndef KP_EXTVERSION
#error "KP_EXTVERSION must be defined (the Makefile passes -DKP_EXTVERSION)"
#endif
KP_MODULE_MAGIC;

int			kp_max_cursor_length = 8192;
int			kp_max_cursor_age = 0;
int			kp_max_page_size = 1000;
int			kp_default_page_size = 20;
int			kp_max_offset = 10000;
int			kp_query_cache_size = 8192;
int			kp_max_filter_length = 8192;

void		_PG_init(void);

/*
 * Settings are per-session (USERSET) so a DBA can set them per role or
 * database; the prefix is reserved so a typo is an error, not a silent no-op.
 */
static void
kp_define_settings(void)
{
	DefineCustomIntVariable("keyset_pagination.max_cursor_length",
							"Sets the longest cursor string accepted, in characters.",
							"Longer cursors are refused before any decoding.  Applies where cursors are read, not where they are minted; the default reads back the cursor of any key a btree index can hold.",
							&kp_max_cursor_length, 8192, 64, 65536,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("keyset_pagination.max_cursor_age",
							"Sets the age after which a cursor expires; 0 means never.",
							NULL,
							&kp_max_cursor_age, 0, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("keyset_pagination.max_page_size",
							"Sets the largest first or last accepted by keyset_page and page_size by keyset_offset_page.",
							NULL,
							&kp_max_page_size, 1000, 1, 1000000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("keyset_pagination.default_page_size",
							"Sets the page size used when neither first nor last is given.",
							NULL,
							&kp_default_page_size, 20, 1, 1000000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("keyset_pagination.max_offset",
							"Sets the largest row offset keyset_offset_page will skip.",
							NULL,
							&kp_max_offset, 10000, 0, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("keyset_pagination.query_cache_size",
							"Sets the memory a backend keeps for cached queries and their plans.",
							"Beyond it the least recently used queries are dropped.",
							&kp_query_cache_size, 8192, 256, INT_MAX / 1024,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("keyset_pagination.max_filter_length",
							"Sets the longest filter accepted, in bytes.",
							NULL,
							&kp_max_filter_length, 8192, 64, 1048576,
							PGC_USERSET, 0, NULL, NULL, NULL);
	kp_reserve_guc_prefix("keyset_pagination");
}

/*
 * Module load: settings first, then the invalidation callbacks that keep the
 * per-backend key and plan caches honest, then the planner path of
 * keyset_page (scan.c).
 */
void
_PG_init(void)
{
	kp_define_settings();
	kp_keys_init();
	kp_query_cache_init();
	kp_scan_init();
}
