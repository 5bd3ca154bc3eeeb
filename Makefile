# edgeartist — every target. `make help` lists them.
#   make                 host firmware build/linux/edgeartist
#   make run             deps, build, simulated network, start the device, print its URL
#   make test            everything CI checks (unit, static checks, fuzz, end-to-end, QEMU)
#   make deps            third-party sources and Debian packages (idempotent)
#   make BOARD=<name>    firmware for another board (board/<name>/)
#   make size            RAM and flash per module for every board that builds
#   make check-heap      proves no object calls malloc/calloc/realloc/free
#   make bench           benchmarks (tables with peers measured in the same run)
#   make SAN=1           host firmware with ASan + UBSan (build/linux-san/)
#   make soak | valgrind | fuzz-long   reliability runs outside CI (README, "Faults")

BOARD ?= linux
BUILD := build/$(BOARD)
TP    := third_party
V     ?= 0
Q     := $(if $(filter 1,$(V)),,@)

include board/$(BOARD)/board.mk

# SAN=1: the host firmware built with AddressSanitizer and UndefinedBehaviorSanitizer, in its
# own tree (build/linux-san/), for the san tier and the fault scenarios (FIRMWARE=...).
ifeq ($(SAN),1)
BUILD         := build/$(BOARD)-san
BOARD_CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer
BOARD_LDFLAGS += -fsanitize=address,undefined
endif

LWIP_DIR := $(TP)/lwip/src
LWIP_SRC := $(addprefix $(LWIP_DIR)/core/,init.c def.c inet_chksum.c ip.c mem.c memp.c netif.c \
              pbuf.c stats.c sys.c altcp.c altcp_alloc.c altcp_tcp.c tcp.c tcp_in.c tcp_out.c \
              timeouts.c udp.c) \
            $(addprefix $(LWIP_DIR)/core/ipv4/,acd.c dhcp.c etharp.c icmp.c ip4.c ip4_addr.c ip4_frag.c) \
            $(LWIP_DIR)/netif/ethernet.c
MBEDTLS_SRC := $(wildcard $(TP)/mbedtls/library/*.c)
MBEDTLS_SRC := $(filter-out %/net_sockets.c %/psa_its_file.c %/entropy_poll.c %/timing.c,$(MBEDTLS_SRC))
CJSON_SRC := $(TP)/cjson/cJSON.c

APP_SRC   := $(shell find app -name '*.c' | sort)
PORT_SRC  := $(wildcard port/*.c)
OWN_SRC   := $(APP_SRC) $(PORT_SRC) $(BOARD_SRC)
TP_SRC    := $(LWIP_SRC) $(MBEDTLS_SRC) $(CJSON_SRC)

INCLUDES := -I. -Iport -I$(LWIP_DIR)/include -I$(TP)/mbedtls/include -I$(TP)/cjson
DEFS     := -DMBEDTLS_CONFIG_FILE='"port/mbedtls_config.h"' $(BOARD_DEFS)
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CSTD     := -std=c11
# cJSON's default allocator is redirected onto our static arena at compile time, so that
# not even an unused reference to the libc heap is linked (see port/json_arena.c).
CJSON_DEFS := -Dmalloc=json_arena_malloc -Dfree=json_arena_free -Drealloc=json_arena_realloc

# ---- Static files served from flash (app/api/assets.h) -------------------------------
# Each entry is /url/path=file; the content type follows the file's extension
# (scripts/embed_assets.py). Adding a file is one line, e.g.
#   WEB_ASSETS += /socket.io/socket.io.min.js=path/to/socket.io.min.js
# Every file is stored gzip -9n (sent when the client accepts it) and plain, with an ETag.
WEB_ASSETS := /=app/web/index.html /test/websocket=app/web/index.html \
              /app.css=app/web/app.css /app.js=app/web/app.js \
              /test/socketio=app/web/socketio.html /socketio.js=app/web/socketio.js \
              /api/openapi.json=docs/openapi.json
WEB_GEN    := build/gen/web_assets.c
WEB_FILES   = $(sort $(foreach a,$(WEB_ASSETS),$(word 2,$(subst =, ,$(a)))))

$(WEB_GEN): scripts/embed_assets.py Makefile $(WEB_FILES)
	@mkdir -p $(dir $@)
	@echo "  EMBED   $(words $(WEB_ASSETS)) assets"
	$(Q)/usr/bin/python3 scripts/embed_assets.py $@ $(WEB_ASSETS)

OWN_SRC += $(WEB_GEN)
OWN_OBJ := $(OWN_SRC:%.c=$(BUILD)/%.o)
TP_OBJ  := $(TP_SRC:%.c=$(BUILD)/%.o)
OBJ     := $(OWN_OBJ) $(TP_OBJ)

.DEFAULT_GOAL := all
.PHONY: all deps run test test-unit test-e2e check-heap size bench clean help model \
        compile_commands.json fuzz qemu test-target valgrind soak fuzz-long

all: $(BUILD)/$(FIRMWARE)

deps:
	$(Q)bash scripts/deps.sh

$(TP)/lwip/src/core/init.c:
	$(Q)bash scripts/deps.sh

$(BUILD)/$(FIRMWARE): $(OBJ) $(BOARD_LDDEPS)
	@echo "  LD      $@"
	$(Q)$(CC) $(BOARD_CFLAGS) -o $@ $(OBJ) $(BOARD_LDFLAGS)
	$(BOARD_POSTLINK)

$(BUILD)/app/%.o $(BUILD)/port/%.o $(BUILD)/board/%.o $(BUILD)/drivers/%.o: CFLAGS_EXTRA = $(WARN)
$(BUILD)/build/gen/%.o: CFLAGS_EXTRA = $(WARN)
$(BUILD)/$(TP)/cjson/%.o: CFLAGS_EXTRA = $(CJSON_DEFS)

$(BUILD)/%.o: %.c | $(TP)/lwip/src/core/init.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CSTD) $(BOARD_CFLAGS) $(CFLAGS_EXTRA) $(INCLUDES) $(DEFS) -MMD -MP -c $< -o $@

-include $(OBJ:.o=.d)

# ---- Host test builds (unit tests, fuzzers) live in their own trees --------------------
include tests/tests.mk
include model/model.mk

run: deps
	$(Q)$(MAKE) --no-print-directory BOARD=linux all
	$(Q)bash sim/run.sh

test:
	$(Q)bash tests/run_all.sh

qemu:
	$(Q)$(MAKE) --no-print-directory BOARD=mps2-an386 all && bash sim/qemu.sh

test-target:
	$(Q)bash tests/run_qemu.sh --target "$(TARGET)"

# Outside CI: the e2e suite against the firmware under valgrind (memcheck), the soak, and
# an hour of each fuzzer (FUZZ_LONG_SECONDS) with its executions and coverage.
valgrind:
	$(Q)bash tests/run_valgrind.sh

soak:
	$(Q)bash tests/run_soak.sh

fuzz-long:
	$(Q)bash tests/run_fuzz_long.sh

bench:
	$(Q)for b in bench/*_bench.sh; do bash $$b || exit 1; done

size:
	$(Q)bash scripts/size.sh

check-heap:
	$(Q)bash scripts/check_heap.sh

compile_commands.json:
	$(Q)bear --output $@ -- $(MAKE) -B BOARD=linux all

clean:
	rm -rf build

help:
	@sed -n '1,11p' Makefile
