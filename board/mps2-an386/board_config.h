/* Capacities this board lowers from app/config.h's defaults, so that the whole image (TLS,
 * Socket.IO, the generator arena) stays inside DESIGN's 420 KB of RAM on the Cortex-M4. Each
 * line says what it gives up. Included first by app/config.h (EDGE_BOARD_CONFIG). */
#ifndef EDGE_BOARD_CONFIG_MPS2_H
#define EDGE_BOARD_CONFIG_MPS2_H

/* 16 Socket.IO sessions instead of 32 (484 B each: -7.7 KB): half the connection table may
 * speak Socket.IO at once; the 17th handshake gets 503. */
#define MAX_SIO_SESSIONS 16

/* 8 finished images kept instead of 11 (3 KB each: -9 KB): older kept jobs give their
 * images up sooner (their paths then say 404); a job still gets all 4 it may ask for. */
#define JOB_IMAGE_SLOTS 8

#endif
