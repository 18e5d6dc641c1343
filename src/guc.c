/*
 * guc.c
 *	  The keyset_pagination.* settings and module initialisation.
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"
#include "keys.h"
#include "page.h"
#include "keyset_pagination.h"

#ifndef KP_EXTVERSION
#error "KP_EXTVERSION must be defined (the Makefile passes -DKP_EXTVERSION)"
#endif
KP_MODULE_MAGIC;

int			kp_max_cursor_length = 1024;
int			kp_max_cursor_age = 0;
int			kp_max_page_size = 1000;
int			kp_default_page_size = 20;
int			kp_max_offset = 10000;

void		_PG_init(void);

/*
 * Settings are per-session (USERSET) so a DBA can set them per role or
 * database; the prefix is reserved so a typo is an error, not a silent no-op.
 */
void
kp_define_settings(void)
{
	DefineCustomIntVariable("keyset_pagination.max_cursor_length",
							"Longest cursor string accepted, in characters.",
							"Longer cursors are refused before any decoding.",
							&kp_max_cursor_length, 1024, 64, 65536,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("keyset_pagination.max_cursor_age",
							"Age after which a cursor expires; 0 means never.",
							NULL,
							&kp_max_cursor_age, 0, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("keyset_pagination.max_page_size",
							"Largest first or last accepted by keyset_page and page_size by keyset_offset_page.",
							NULL,
							&kp_max_page_size, 1000, 1, 1000000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("keyset_pagination.default_page_size",
							"Page size used when neither first nor last is given.",
							NULL,
							&kp_default_page_size, 20, 1, 1000000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("keyset_pagination.max_offset",
							"Largest row offset keyset_offset_page will skip.",
							NULL,
							&kp_max_offset, 10000, 0, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	kp_reserve_guc_prefix("keyset_pagination");
}

/*
 * Module load: settings first, then the invalidation callbacks that keep the
 * per-backend key and plan caches honest.
 */
void
_PG_init(void)
{
	kp_define_settings();
	kp_keys_init();
	kp_page_init();
}
