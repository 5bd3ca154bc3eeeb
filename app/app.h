/* The firmware's entry points, called by each board's main(). */
#ifndef EDGE_APP_H
#define EDGE_APP_H

#include <stdint.h>

typedef struct {
    uint16_t http_port; /* 80 by default */
} app_config_t;

/* Initialise lwIP and every service. The board adds its netif after this. */
void app_init(const app_config_t *cfg);

/* Start listening; call after the netif is up. Returns 0 on success. */
int app_start(void);

/* The wall-clock time, for boards that know it (job timestamps); Unix milliseconds. */
void app_set_wall_clock(uint64_t unix_ms);

typedef struct {
    uint32_t passes;      /* superloop passes since boot */
    uint32_t max_pass_us; /* the longest one (work only, not the idle sleep) */
} app_loop_stats_t;

const app_loop_stats_t *app_loop_stats(void);

/* Run the superloop until board_should_stop(). */
void app_run(void);

/* One pass of the superloop; returns the longest time the board may sleep, in ms. */
uint32_t app_poll_once(void);

#endif
