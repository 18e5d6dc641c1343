/*
 * bench/page_fault_cost.c: what a page fault costs on this machine, for
 * reading bench/first_call.sh's figures.  A new backend's first call is
 * dominated by first touches of fresh memory (doc/design.md, "The first
 * call is page faults"), and their price differs by two orders of magnitude
 * between the VMs this project has been measured on (about 2 µs against
 * 16-150 µs), so a first-call time means little without it.
 *
 * Maps PAGES fresh anonymous pages, writes one byte to each (one minor
 * fault per page), unmaps them, ROUNDS times; prints the median time per
 * page in microseconds.
 *
 *   cc -O2 -o page_fault_cost page_fault_cost.c && ./page_fault_cost [PAGES [ROUNDS]]
 *
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	long		pages = argc > 1 ? atol(argv[1]) : 4096;
	int			rounds = argc > 2 ? atoi(argv[2]) : 5;
	long		psize = sysconf(_SC_PAGESIZE);
	double	   *us;
	int			r;

	if (pages < 1 || rounds < 1 || psize < 1)
	{
		fprintf(stderr, "usage: %s [PAGES [ROUNDS]]\n", argv[0]);
		return 2;
	}
	us = malloc(sizeof(double) * rounds);
	if (us == NULL)
		return 1;
	for (r = 0; r < rounds; r++)
	{
		struct timespec a, b;
		volatile char *p = mmap(NULL, (size_t) pages * psize, PROT_READ | PROT_WRITE,
								MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		long		i;

		if (p == MAP_FAILED)
		{
			perror("mmap");
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (i = 0; i < pages; i++)
			p[i * psize] = 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		munmap((void *) p, (size_t) pages * psize);
		us[r] = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / pages;
	}
	qsort(us, rounds, sizeof(double), cmp_double);
	printf("%.2f\n", rounds % 2 ? us[rounds / 2] : (us[rounds / 2 - 1] + us[rounds / 2]) / 2);
	free(us);
	return 0;
}
