# Included by the Makefile: the replay build of each fuzz target,
# $(BUILD)/tests/fuzz/NAME-replay from tests/fuzz/NAME.c + replay.c, part of
# `make tests` so every build (the ASan+UBSan one included) replays the
# committed corpora (tests/integration/fuzz-replay.sh).  The libFuzzer builds
# are made by tests/fuzz/run (`make fuzz`).
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%-replay,$(FUZZ_SRC))

tests: $(FUZZ_BIN)

$(BUILD)/tests/fuzz/%-replay: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS) -lpthread

.PRECIOUS: $(BUILD)/obj/tests/fuzz/%.o
