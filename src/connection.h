/*
 * connection.h
 *	  The Relay connection document of keyset_connection (jsonb) and
 *	  keyset_connection_json (json text), built from one page.
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#ifndef KP_CONNECTION_H
#define KP_CONNECTION_H

#include "page.h"

/*
 * Runs the page and returns the connection document: jsonb (as_text false)
 * or json text in Relay key order (as_text true).  exact_numbers writes
 * bigint and numeric values as JSON strings (json_numbers => 'string').
 */
extern Datum kp_connection(const KpPageArgs *args, bool exact_numbers,
						   bool as_text);

#endif							/* KP_CONNECTION_H */
