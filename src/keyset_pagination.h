/*
 * keyset_pagination.h
 *	  Settings and error codes shared by every part of the extension.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KEYSET_PAGINATION_H
#define KEYSET_PAGINATION_H

#include "utils/elog.h"

#define KP_EXTENSION_NAME "keyset_pagination"

/*
 * SQLSTATE of every bad-cursor error: class 22 (data exception), with an
 * implementation-defined subclass.  Documented in doc/reference.md; an API
 * maps it to HTTP 400.
 */
#define ERRCODE_KP_INVALID_CURSOR MAKE_SQLSTATE('2','2','K','P','1')

/* settings (keyset_pagination.*), defined in keyset_pagination.c */
extern int	kp_max_cursor_length;
extern int	kp_max_cursor_age;
extern int	kp_max_page_size;
extern int	kp_default_page_size;
extern int	kp_max_offset;
extern int	kp_query_cache_size;
extern int	kp_max_filter_length;

#endif							/* KEYSET_PAGINATION_H */
