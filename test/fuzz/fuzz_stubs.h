/*
 * fuzz_stubs.h
 *	  What the codec harness gets from fuzz_stubs.c besides the server
 *	  functions it stands in for.
 */
#ifndef KP_FUZZ_STUBS_H
#define KP_FUZZ_STUBS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* Runs one input with an error handler set and frees all it allocated */
extern void kp_fuzz_run(void (*fn) (const uint8_t *, size_t),
						const uint8_t *data, size_t size);

/* Calls kp_cursor_raise(status) and returns the SQLSTATE it raised */
extern int	kp_fuzz_try_raise(int status);

/* Set while the harness mints: the MAC stub then makes up a tag */
extern bool kp_fuzz_minting;

/* An invariant does not hold: abort, so libFuzzer keeps the input */
extern void kp_fuzz_fail(const char *what) __attribute__((noreturn));

#endif							/* KP_FUZZ_STUBS_H */
