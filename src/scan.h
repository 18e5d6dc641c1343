/*
 * scan.h
 *	  The planner path of keyset_page (scan.c): a custom scan in place of
 *	  the function scan.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_SCAN_H
#define KP_SCAN_H

extern void kp_scan_init(void);

#endif							/* KP_SCAN_H */
