#include "app/net/syn_guard.h"

#include "app/config.h"
#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"

static unsigned long evicted;

unsigned long syn_guard_evicted(void)
{
    return evicted;
}

err_t syn_guard_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr)
{
    if (pcb->state != LISTEN || (TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
        return ERR_OK;
    struct tcp_pcb_listen *lpcb = (struct tcp_pcb_listen *)pcb;
    struct tcp_pcb *oldest = NULL;
    int half_open = 0;
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
        if (p->state != SYN_RCVD || p->listener != lpcb) continue;
        half_open++;
        /* The list is newest first: of equal age, the later one is older. */
        if (!oldest || (u32_t)(tcp_ticks - p->tmr) >= (u32_t)(tcp_ticks - oldest->tmr)) oldest = p;
    }
    /* Also when the PCB pool is used up by connections closing (FIN_WAIT): lwIP would drop
     * this SYN for want of a PCB (it takes back only TIME_WAIT, LAST_ACK and CLOSING ones
     * itself), and a half-open one is the cheapest to give up. */
    const struct stats_mem *pool = lwip_stats.memp[MEMP_TCP_PCB];
    int pool_full = pool->used >= pool->avail && !tcp_tw_pcbs;
    if (oldest && (half_open >= SYN_HALF_OPEN_MAX || pool_full)) {
        evicted++;
        tcp_abandon(oldest, 0);
    }
    return ERR_OK;
}
