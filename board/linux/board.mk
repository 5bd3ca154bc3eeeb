# Host board: Linux, network over a TAP device.
CC            ?= gcc
FIRMWARE      := edgeartist
BOARD_SRC     := $(wildcard board/linux/*.c) drivers/tapif/tapif.c drivers/eth/eth_netif.c
BOARD_CFLAGS  := -O2 -g -fno-common
BOARD_DEFS    := -D_DEFAULT_SOURCE
BOARD_LDFLAGS :=
