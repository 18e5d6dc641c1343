# keyset_pagination — PGXS build
EXTENSION   = keyset_pagination
# the one place the version lives; the control file is checked against it
EXTVERSION  = 0.2.0
MODULE_big  = keyset_pagination
OBJS        = src/guc.o src/mac.o src/codec.o src/keys.o src/cursor_funcs.o src/sortspec.o src/query.o src/page.o src/page_funcs.o
DATA        = sql/keyset_pagination--0.1.0.sql sql/keyset_pagination--0.1.0--0.2.0.sql \
              sql/keyset_pagination--$(EXTVERSION).sql
DOCS        = README.md

# pg_regress: sql/<test>.sql against expected/<test>.out
REGRESS      = cursor_basic cursor_errors cursor_settings ties offset_errors page_errors page_plans page_connection
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# pg_isolation_regress: test/isolation/specs/<test>.spec against
# test/isolation/expected/<test>.out (output in output_iso/)
ISOLATION      = forward_walk key_update backward_walk repeatable_read concurrent_ddl key_rotation
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)

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

# the two halves of installcheck, so test/suites.sh can count each
.PHONY: installcheck-regress installcheck-isolation
installcheck-regress:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)
installcheck-isolation:
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)

# make demo: the demo story on a throwaway cluster (bench/run.sh demo,
# bench/demo.sh); make bench: pgbench figures (bench/run.sh bench,
# bench/bench.sh).  Results go to bench/results/<timestamp>/.
.PHONY: demo bench
demo:
	bash bench/run.sh demo
bench:
	bash bench/run.sh bench
