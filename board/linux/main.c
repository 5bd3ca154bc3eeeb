/* The host board: edgeartist on Linux, its network a TAP device, its console stdout.
 * Nothing here opens an OS socket: every byte goes through lwIP and the TAP driver. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/board.h"
#include "app/api/router.h"
#include "app/config.h"
#include "app/http/server.h"
#include "app/jobs/jobs.h"
#include "app/log.h"
#include "drivers/tapif/tapif.h"
#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "netif/ethernet.h"
#include "port/altcp_tls3.h"
#include "port/identity.h"

int cli_generate(int argc, char **argv); /* cli_generate.c: --generate, no network */

static volatile sig_atomic_t stop_requested;
static struct netif netif;
static tapif_config_t tap_cfg = {"edge0", {0x02, 0x00, 0x5e, 0x00, 0x07, 0x02}};
static struct timespec t0;

/* ---- board.h ------------------------------------------------------------------------- */

uint64_t board_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)(ts.tv_sec - t0.tv_sec) * 1000000u + (uint64_t)(ts.tv_nsec / 1000) -
           (uint64_t)(t0.tv_nsec / 1000);
}

uint64_t board_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)(ts.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)ts.tv_nsec -
           (uint64_t)t0.tv_nsec;
}

uint32_t board_now_ms(void)
{
    return (uint32_t)(board_now_us() / 1000u);
}

int board_entropy(uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int board_entropy_is_strong(void)
{
    return 1;
}

void board_console_write(const char *s, size_t len)
{
    fwrite(s, 1, len, stdout);
    fflush(stdout);
}

void board_netif_poll(void)
{
    tapif_poll(&netif);
}

void board_idle(uint32_t max_ms)
{
    if (max_ms == 0) return;
    struct pollfd pfd = {.fd = tapif_fd(), .events = POLLIN};
    poll(&pfd, pfd.fd >= 0 ? 1 : 0, (int)max_ms);
}

int board_should_stop(void)
{
    return stop_requested;
}

void board_panic(const char *why)
{
    fprintf(stderr, "edgeartist: panic: %s\n", why);
    abort();
}

const char *board_name(void)
{
    return "linux";
}

void board_net_stats(board_net_stats_t *out)
{
    const tapif_stats_t *s = tapif_stats();
    out->frames_in = s->frames_in;
    out->frames_out = s->frames_out;
    out->dropped_in = s->dropped_in;
    out->dropped_out = s->dropped_out;
}

/* ---- main ---------------------------------------------------------------------------- */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: edgeartist [options]\n"
               "  --tap NAME        TAP device to attach to (default edge0; create it first)\n"
               "  --ip A.B.C.D      device address (default 192.168.7.2); 'dhcp' to ask a server\n"
               "  --netmask M       (default 255.255.255.0)\n"
               "  --gateway G       (default 192.168.7.1)\n"
               "  --mac XX:..:XX    (default 02:00:5e:00:07:02)\n"
               "  --http-port N     (default 80)\n"
               "  --redirect-https  answer plain HTTP with 308 to HTTPS (default off)\n"
               "  --log-level L     error, warn, info (default) or debug\n"
               "  --pace-ms N       every generation step takes at least N ms (default 0: as\n"
               "                    fast as the host goes; for demos and tests)\n"
               "  --fleet-index N   place in a fleet, 0-255 (default 0): first byte of job ids\n"
               "  --mqtt IP[:PORT]  publish fleet telemetry to this MQTT broker (default off;\n"
               "                    port 1883)\n"
               "  --name NAME       device name in telemetry topics (default edge<fleet index>)\n"
               "  --generate PROMPT one image offline, no network (see cli_generate.c)\n"
               "  --help            this text\n");
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

/* "A.B.C.D" or "A.B.C.D:PORT" into the config's broker address and port. */
static int parse_broker(const char *s, app_config_t *cfg)
{
    char ip[16];
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    if (n == 0 || n >= sizeof ip) return -1;
    memcpy(ip, s, n);
    ip[n] = 0;
    int dots = 0;
    for (size_t i = 0; i < n; i++)
        dots += ip[i] == '.';
    ip4_addr_t a; /* four dotted numbers only: aton's short forms ("1.2.3") are a typo here */
    if (dots != 3 || !ip4addr_aton(ip, &a) || ip4_addr_isany_val(a)) return -1;
    cfg->mqtt_ip = ip4_addr_get_u32(&a);
    cfg->mqtt_port = 1883;
    if (colon) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (*end || end == colon + 1 || p < 1 || p > 65535) return -1;
        cfg->mqtt_port = (uint16_t)p;
    }
    return 0;
}

static void on_netif_status(struct netif *n)
{
    if (netif_is_up(n) && !ip4_addr_isany_val(*netif_ip4_addr(n)))
        LOGI("net: %s address %s", n->name, ip4addr_ntoa(netif_ip4_addr(n)));
}

int main(int argc, char **argv)
{
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *ip = "192.168.7.2", *mask = "255.255.255.0", *gw = "192.168.7.1";
    app_config_t cfg = {.http_port = 80};
    int redirect_https = HTTP_REDIRECT_HTTPS;
    uint32_t pace = 0;
    enum {
        O_TAP = 1,
        O_IP,
        O_MASK,
        O_GW,
        O_MAC,
        O_PORT,
        O_LOG,
        O_PACE,
        O_FLEET,
        O_MQTT,
        O_NAME,
        O_REDIRECT,
        O_HELP
    };
    static const struct option opts[] = {{"tap", required_argument, 0, O_TAP},
                                         {"ip", required_argument, 0, O_IP},
                                         {"netmask", required_argument, 0, O_MASK},
                                         {"gateway", required_argument, 0, O_GW},
                                         {"mac", required_argument, 0, O_MAC},
                                         {"http-port", required_argument, 0, O_PORT},
                                         {"log-level", required_argument, 0, O_LOG},
                                         {"pace-ms", required_argument, 0, O_PACE},
                                         {"fleet-index", required_argument, 0, O_FLEET},
                                         {"mqtt", required_argument, 0, O_MQTT},
                                         {"name", required_argument, 0, O_NAME},
                                         {"redirect-https", no_argument, 0, O_REDIRECT},
                                         {"help", no_argument, 0, O_HELP},
                                         {0, 0, 0, 0}};
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--generate") == 0) return cli_generate(argc, argv);
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_TAP:
            tap_cfg.ifname = optarg;
            break;
        case O_IP:
            ip = optarg;
            break;
        case O_MASK:
            mask = optarg;
            break;
        case O_GW:
            gw = optarg;
            break;
        case O_MAC:
            if (parse_mac(optarg, tap_cfg.mac) != 0) {
                fprintf(stderr, "edgeartist: bad --mac '%s'\n", optarg);
                return 2;
            }
            break;
        case O_PORT: {
            char *end;
            long p = strtol(optarg, &end, 10);
            if (*end || p < 1 || p > 65535) {
                fprintf(stderr, "edgeartist: bad --http-port '%s'\n", optarg);
                return 2;
            }
            cfg.http_port = (uint16_t)p;
            break;
        }
        case O_LOG:
            if ((log_level = log_level_parse(optarg)) < 0) {
                fprintf(stderr, "edgeartist: bad --log-level '%s'\n", optarg);
                return 2;
            }
            break;
        case O_PACE: {
            char *end;
            long ms = strtol(optarg, &end, 10);
            if (*end || ms < 0 || ms > 60000) {
                fprintf(stderr, "edgeartist: bad --pace-ms '%s' (0 to 60000)\n", optarg);
                return 2;
            }
            pace = (uint32_t)ms;
            break;
        }
        case O_FLEET: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || end == optarg || n < 0 || n > 255) {
                fprintf(stderr, "edgeartist: bad --fleet-index '%s' (0-255)\n", optarg);
                return 2;
            }
            cfg.fleet_index = (uint8_t)n;
            break;
        }
        case O_MQTT:
            if (parse_broker(optarg, &cfg) != 0) {
                fprintf(stderr, "edgeartist: bad --mqtt '%s' (IP or IP:PORT)\n", optarg);
                return 2;
            }
            break;
        case O_NAME:
            /* A topic level and a JSON string as it is: letters, digits, '-', '_', '.'. */
            if (!*optarg || strlen(optarg) > 32 ||
                optarg[strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789-_.")]) {
                fprintf(stderr, "edgeartist: bad --name '%s' (1-32 of A-Z a-z 0-9 - _ .)\n",
                        optarg);
                return 2;
            }
            cfg.device_name = optarg;
            break;
        case O_REDIRECT:
            redirect_https = 1;
            break;
        case O_HELP:
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    int dhcp = strcmp(ip, "dhcp") == 0;
    ip4_addr_t a, m, g;
    if ((!dhcp && !ip4addr_aton(ip, &a)) || !ip4addr_aton(mask, &m) || !ip4addr_aton(gw, &g)) {
        fprintf(stderr, "edgeartist: bad address in --ip/--netmask/--gateway\n");
        return 2;
    }
    if (dhcp) ip4_addr_set_zero(&a);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    LOGI("edgeartist starting on board %s (lwIP %s)", board_name(), LWIP_VERSION_STRING);
    app_init(&cfg);
    jobs_set_pace_ms(pace);
    if (pace) LOGI("jobs: paced, at least %lu ms per step", (unsigned long)pace);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    app_set_wall_clock((uint64_t)wall.tv_sec * 1000u + (uint64_t)(wall.tv_nsec / 1000000));
    if (!netif_add(&netif, &a, &m, &g, &tap_cfg, tapif_init, ethernet_input)) {
        LOGE("net: cannot bring up TAP device %s", tap_cfg.ifname);
        return 1;
    }
    netif_set_status_callback(&netif, on_netif_status);
    netif_set_default(&netif);
    netif_set_up(&netif);
    netif_set_link_up(&netif);
    if (dhcp) dhcp_start(&netif);
    if (app_start() != 0) return 1;
    LOGI("http: listening on port %u", cfg.http_port);
    if (tls3_init(edge_identity_cert, edge_identity_cert_len, edge_identity_key,
                  edge_identity_key_len) == 0 &&
        http_server_listen(HTTPS_PORT, tls3_wrap) == 0) {
        LOGI("https: listening on port %u", HTTPS_PORT);
        if (redirect_https) {
            api_set_https_redirect(HTTPS_PORT);
            LOGI("http: redirecting to https");
        }
    }
    app_run();
    LOGI("edgeartist stopped");
    return 0;
}
