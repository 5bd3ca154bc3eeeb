# Host builds for tests: unit tests (gcc, ASan+UBSan) and fuzzers (clang, libFuzzer).
# Every tests/unit/test_*.c links against one static library of all app/, port/ and
# third-party sources, so a test pulls in only the objects it uses.
TBUILD      := build/test
TEST_SRC    := $(APP_SRC) $(WEB_GEN) $(PORT_SRC) $(LWIP_SRC) $(MBEDTLS_SRC) $(CJSON_SRC)
TEST_FLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -D_DEFAULT_SOURCE \
               -DGEN_PROFILE=1
TEST_OBJ    := $(TEST_SRC:%.c=$(TBUILD)/%.o)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(TBUILD)/unit/%)

$(TBUILD)/app/%.o $(TBUILD)/port/%.o: T_EXTRA = $(WARN)
$(TBUILD)/$(TP)/cjson/%.o: T_EXTRA = $(CJSON_DEFS)

$(TBUILD)/%.o: %.c | $(TP)/lwip/src/core/init.c
	@mkdir -p $(dir $@)
	@echo "  CC[t]   $<"
	$(Q)gcc $(CSTD) $(TEST_FLAGS) $(T_EXTRA) $(INCLUDES) $(DEFS) -MMD -MP -c $< -o $@

$(TBUILD)/libedge.a: $(TEST_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(TBUILD)/unit/%: tests/unit/%.c $(TBUILD)/libedge.a tests/unit/stub_board.c
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)gcc $(CSTD) $(TEST_FLAGS) $(WARN) $(INCLUDES) $(DEFS) -o $@ $< tests/unit/stub_board.c \
	  $(TBUILD)/libedge.a -lcmocka -lz

test-unit-build: $(UNIT_BIN)

test-unit: $(UNIT_BIN)
	$(Q)bash tests/run_unit.sh $(UNIT_BIN)

-include $(TEST_OBJ:.o=.d)

# ---- fuzzers -----------------------------------------------------------------------
FBUILD     := build/fuzz
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -D_DEFAULT_SOURCE
FUZZ_OBJ   := $(TEST_SRC:%.c=$(FBUILD)/%.o)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/%.c=$(FBUILD)/%)

$(FBUILD)/$(TP)/cjson/%.o: F_EXTRA = $(CJSON_DEFS)

$(FBUILD)/%.o: %.c | $(TP)/lwip/src/core/init.c
	@mkdir -p $(dir $@)
	@echo "  CC[f]   $<"
	$(Q)clang $(CSTD) $(FUZZ_FLAGS) $(F_EXTRA) $(INCLUDES) $(DEFS) -MMD -MP -c $< -o $@

$(FBUILD)/libedge.a: $(FUZZ_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

# The TLS fuzzer needs a device identity: the one `make certs` made.
$(FBUILD)/fuzz_tls: FUZZ_EXTRA = $(IDENTITY_C)
$(FBUILD)/fuzz_tls: $(IDENTITY_C)

$(FBUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FBUILD)/libedge.a tests/unit/stub_board.c
	@echo "  FUZZ    $@"
	$(Q)clang $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined $(INCLUDES) $(DEFS) \
	  -o $@ $< tests/unit/stub_board.c $(FUZZ_EXTRA) $(FBUILD)/libedge.a

fuzz-build: $(FUZZ_BIN)

-include $(FUZZ_OBJ:.o=.d)
