# QEMU's MPS2 AN386 board: Arm Cortex-M4. Built with Debian's arm-none-eabi toolchain.
# Floating point is off (-mfloat-abi=soft): the firmware is integer-only by design.
# No C runtime start files: board/mps2-an386/startup.c is the reset handler.
CC            := arm-none-eabi-gcc
FIRMWARE      := edgeartist.elf
BOARD_DIR     := board/mps2-an386
BOARD_SRC     := $(wildcard $(BOARD_DIR)/*.c) drivers/lan9118/lan9118.c drivers/eth/eth_netif.c
BOARD_CFLAGS  := -mcpu=cortex-m4 -mthumb -mfloat-abi=soft -Os -g -ffunction-sections \
                 -fdata-sections -fno-common
BOARD_DEFS    := -DEDGE_BOARD_CONFIG='"board/mps2-an386/board_config.h"'
BOARD_LDDEPS  := $(BOARD_DIR)/mps2-an386.ld
BOARD_LDFLAGS := -nostartfiles -T $(BOARD_DIR)/mps2-an386.ld --specs=nano.specs \
                 --specs=nosys.specs -Wl,--gc-sections -Wl,-Map,$(BUILD)/edgeartist.map
BOARD_POSTLINK = $(Q)arm-none-eabi-objcopy -O binary $@ $(BUILD)/edgeartist.bin
