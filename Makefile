# keyset_pagination — PGXS build
EXTENSION   = keyset_pagination
# the one place the version lives; the control file is checked against it
EXTVERSION  = 0.2.0
MODULE_big  = keyset_pagination
OBJS        = src/keyset_pagination.o src/mac.o src/codec.o src/keys.o src/cursor_funcs.o src/fragment.o src/filter.o src/sortspec.o src/query.o src/querycache.o src/page.o src/offset.o src/page_funcs.o src/scan.o src/connection.o src/jsonbw.o
DATA        = sql/keyset_pagination--0.1.0.sql sql/keyset_pagination--0.1.0--0.2.0.sql \
              sql/keyset_pagination--$(EXTVERSION).sql
DOCS        = README.md

# pg_regress: sql/<test>.sql against expected/<test>.out
REGRESS      = cursor_basic cursor_errors cursor_settings ties offset_errors page_errors page_plans page_connection relation_plans page_scan
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# pg_isolation_regress: test/isolation/specs/<test>.spec against
# test/isolation/expected/<test>.out (output in output_iso/)
ISOLATION      = forward_walk key_update backward_walk repeatable_read concurrent_ddl key_rotation check_rename dropped_rowtype
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)
# the specs are generated: test/isolation/specs.in/<test>.spec with the shared
# setup (test/isolation/walk_setup.spec) inserted at its "#include" line
ISOLATION_SPECS = $(ISOLATION:%=test/isolation/specs/%.spec)
EXTRA_CLEAN     = $(ISOLATION_SPECS)

# make installcheck is defined below (regress, isolation, then pgTAP)
NO_INSTALLCHECK = 1

# the version string PostgreSQL 18's module magic reports (src/compat.h)
PG_CPPFLAGS += -DKP_EXTVERSION=\"$(EXTVERSION)\"

PG_CONFIG ?= $(shell command -v pg_config 2>/dev/null || echo /usr/lib/postgresql/15/bin/pg_config)
# extra warnings; CI adds -Werror through KP_WERROR=1
PG_CFLAGS  += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
ifeq ($(KP_WERROR),1)
PG_CFLAGS  += -Werror
endif

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# src/mac.c uses OpenSSL's SHA-256 directly when the server was built with it
ifneq ($(filter -lcrypto,$(LIBS)),)
SHLIB_LINK += -lcrypto
endif

# make test PGVER=N: the suite against PostgreSQL N.  The host's version
# (15) runs on the host; 17 and 18 run inside Debian roots (test/root.sh:
# trixie and sid, built once and cached under /var/cache/keyset_pagination).
# make test-matrix: 15, 17 and 18 and the 15 -> 17/18 dump/restore test, one
# summary line (test/matrix.sh).
PGVER         ?= 15
KP_HOST_PGVER ?= 15
.PHONY: test test-matrix
test:
ifeq ($(PGVER),$(KP_HOST_PGVER))
	PGVER=$(PGVER) bash test/run_all.sh
else
	bash test/root.sh run $(PGVER) bash test/run_all.sh
endif
test-matrix:
	KP_HOST_PGVER=$(KP_HOST_PGVER) bash test/matrix.sh 15 17 18

# make installcheck: every suite that needs only a running server with the
# extension installed (make && sudo make install && make installcheck; PG*
# variables choose the server): pg_regress, the isolation specs, and pgTAP
# when the server has pgtap and pg_prove is installed (skipped otherwise).
# Each part is a target of its own, so test/suites.sh can count each.
.PHONY: installcheck installcheck-regress installcheck-isolation installcheck-pgtap
installcheck:
	$(MAKE) installcheck-regress
	$(MAKE) installcheck-isolation
	$(MAKE) installcheck-pgtap
installcheck-regress:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)
installcheck-isolation: $(ISOLATION_SPECS)
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)
test/isolation/specs/%.spec: test/isolation/specs.in/%.spec test/isolation/walk_setup.spec
	@mkdir -p $(@D)
	awk '$$0 == "#include walk_setup.spec" { while ((getline l < "test/isolation/walk_setup.spec") > 0) print l; close("test/isolation/walk_setup.spec"); next } { print }' $< >$@.tmp && mv $@.tmp $@
installcheck-pgtap:
	bash test/pgtap_installcheck.sh

# make dist: the PGXN release zip of the committed tree (git archive of
# HEAD: uncommitted changes are not in it)
DISTNAME = $(EXTENSION)-$(EXTVERSION)
.PHONY: dist
dist:
	@git diff --quiet HEAD -- || echo "make dist: warning: uncommitted changes are not in $(DISTNAME).zip" >&2
	git archive --format=zip --prefix=$(DISTNAME)/ -o $(DISTNAME).zip HEAD

# make distcheck: make dist, unpack the zip in a temporary directory, build
# and install it there, make installcheck on a throwaway cluster (about 2
# minutes; test/dist_installcheck.sh)
.PHONY: distcheck
distcheck:
	bash test/dist_installcheck.sh

# make demo: the demo story on a throwaway cluster (bench/run.sh demo,
# bench/demo.sh); make bench: pgbench figures (bench/run.sh bench,
# bench/bench.sh), then the client and peer benchmarks (make bench-clients:
# bench/run.sh clients, bench/clients.sh; node-postgres, psycopg,
# PostGraphile, first call), both into one bench/results/<timestamp>/.
.PHONY: demo bench bench-clients
demo:
	bash bench/run.sh demo
bench:
	out=$${KP_RESULTS_DIR:-$(CURDIR)/bench/results/$$(date -u +%Y%m%dT%H%M%SZ)}; \
	KP_RESULTS_DIR=$$out bash bench/run.sh bench && KP_RESULTS_DIR=$$out bash bench/run.sh clients
bench-clients:
	bash bench/run.sh clients

# make fuzz: the codec's libFuzzer harness (test/fuzz/run.sh) for
# FUZZ_SECONDS (default 300), then the SQL-level signed-frame fuzzer
# (test/fuzz/sql_fuzz.sh) for FUZZ_SQL_ITERATIONS on a throwaway cluster.
# make memcheck: pg_regress and pgTAP with every backend under valgrind
# (test/memcheck/run.sh).  See doc/development.md.
FUZZ_SECONDS ?= 300
FUZZ_SQL_ITERATIONS ?= 20000
.PHONY: fuzz fuzz-codec fuzz-sql memcheck
fuzz: fuzz-codec fuzz-sql
fuzz-codec:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash test/fuzz/run.sh
fuzz-sql:
	FUZZ_SQL_ITERATIONS=$(FUZZ_SQL_ITERATIONS) bash test/fuzz/sql_run.sh
memcheck:
	bash test/memcheck/run.sh
