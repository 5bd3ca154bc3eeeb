/* lwIP configuration for edgeartist: raw API only (NO_SYS), every pool static, sized from
 * app/config.h. The memory cost of each pool is noted; `make size` and /api/health show the
 * real figures and high-water marks. */
#ifndef EDGE_LWIPOPTS_H
#define EDGE_LWIPOPTS_H

#include "app/config.h"

/* ---- System ---------------------------------------------------------------------- */
#define NO_SYS               1
#define SYS_LIGHTWEIGHT_PROT 0 /* single-threaded superloop, no interrupts touch lwIP */
#define LWIP_SOCKET          0
#define LWIP_NETCONN         0
#define LWIP_NETIF_API       0
#define LWIP_IPV6            0
#define LWIP_RAW             0
#define LWIP_UDP             1 /* DHCP */
#define LWIP_DHCP            1
#define LWIP_ICMP            1
#define LWIP_ARP             1
#define LWIP_ETHERNET        1
#define LWIP_DNS             0
#define LWIP_IGMP            0
#define LWIP_AUTOIP          0
#define LWIP_ALTCP           1 /* one API for plain TCP and TLS */
#define LWIP_ALTCP_TLS       0 /* enabled with mbedTLS in a later step */

/* ---- Heap and pools: all static, never libc ---------------------------------------- */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT   __SIZEOF_POINTER__
/* lwIP's own small heap holds outgoing TCP data copied by tcp_write (our responses and
 * events) and ARP queueing: 24 KB, shared by all connections. When it runs out, writers
 * see no send space and wait, which is the back-pressure the fan-out relies on. */
#define MEM_SIZE (24 * 1024)

#define TCP_MSS 1460
/* Advertised receive window per connection. Input that waits behind back-pressure is held
 * (in the heap, see rx_park in app/net/conn_in.c) up to this much per connection, so it is
 * kept small: 8 connections can hold a full window at once in the heap. */
#define TCP_WND            (2 * TCP_MSS)
#define TCP_SND_BUF        (4 * TCP_MSS) /* most unacked + queued bytes per connection */
#define TCP_SND_QUEUELEN   (2 * TCP_SND_BUF / TCP_MSS + 4)
#define TCP_LISTEN_BACKLOG 1
/* Half-open connections count against the backlog: a burst of SYNs must not be dropped. */
#define TCP_DEFAULT_LISTEN_BACKLOG MAX_CONNS
#define LWIP_TCP_KEEPALIVE         1
/* SYN flood guard: every TCP segment is shown to app/http/syn_guard.c first. */
#define LWIP_HOOK_FILENAME                                             "app/net/syn_guard.h"
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) syn_guard_inpacket(pcb, hdr)
#define TCP_OVERSIZE                                                   TCP_MSS
#define LWIP_TCP_TIMESTAMPS                                            0
#define TCP_QUEUE_OOSEQ                                                1

/* One PCB per served connection plus TCP_PCB_SPARE for half-open and closing ones (the SYN
 * guard gives up the oldest half-open one when they run out; they also let connections past
 * MAX_CONNS be accepted, answered 503 and closed), and the MQTT client's (fleet telemetry):
 * ~200 B each. */
#define MEMP_NUM_TCP_PCB        (MAX_CONNS + TCP_PCB_SPARE + 1)
#define MEMP_NUM_TCP_PCB_LISTEN 3
/* lwIP's own timers plus three, ~20 B each: the job pacing's wake-up (app/jobs/jobs.c), the
 * MQTT client's cyclic timer and telemetry's one timer (app/telemetry). */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 3)
/* altcp wrappers: one per TCP PCB, listeners included, and one more per TLS connection. */
#define MEMP_NUM_ALTCP_PCB (MEMP_NUM_TCP_PCB + MEMP_NUM_TCP_PCB_LISTEN + TLS_CONNS)
/* Queued TCP segments, shared by all connections: ~32 B each. */
#define MEMP_NUM_TCP_SEG   (4 * MAX_CONNS + 16)
#define MEMP_NUM_PBUF      32 /* PBUF_ROM/REF headers (~32 B each) */
#define MEMP_NUM_UDP_PCB   2
#define MEMP_NUM_ARP_QUEUE 8
#define MEMP_NUM_REASSDATA 2
#define MEMP_NUM_FRAG_PBUF 4
#define IP_REASS_MAX_PBUFS 4
/* Receive pbufs: 16 x ~1.5 KB = 24 KB. Frames beyond this are dropped by the driver and
 * counted; TCP retransmits them. */
#define PBUF_POOL_SIZE 16

/* ---- MQTT client (fleet telemetry, app/telemetry) --------------------------------- */
/* Output ring for queued publishes: 1 KB (a burst of four jobs' lifecycle messages). */
#define MQTT_OUTPUT_RINGBUF_SIZE 1024
/* The client's timer in seconds: keep-alive and request timeouts at 1 s granularity, so
 * that a 2 s keep-alive (TELEMETRY_KEEPALIVE_S) is honoured. */
#define MQTT_CYCLIC_TIMER_INTERVAL 1

#define ARP_TABLE_SIZE                8
#define ARP_QUEUEING                  1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0

/* ---- Netif ---------------------------------------------------------------------- */
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK   1
#define LWIP_NETIF_HOSTNAME        1
#define LWIP_SINGLE_NETIF          1

/* ---- Checksums: software everywhere (TAP and the LAN9118 model offload nothing) -- */
#define CHECKSUM_GEN_IP    1
#define CHECKSUM_GEN_TCP   1
#define CHECKSUM_CHECK_IP  1
#define CHECKSUM_CHECK_TCP 1

/* ---- Statistics: pool use and high-water marks for /api/health -------------------- */
#define LWIP_STATS         1
#define LWIP_STATS_DISPLAY 0
#define MEM_STATS          1
#define MEMP_STATS         1
#define TCP_STATS          1
#define LINK_STATS         1
#define IP_STATS           0
#define ICMP_STATS         0
#define UDP_STATS          0
#define ETHARP_STATS       0
#define SYS_STATS          0

/* ---- Debug ------------------------------------------------------------------------ */
#define LWIP_DEBUG 0

#endif
