/* `edgeartist --generate PROMPT [...]`: one generation on the host, no network,
 * for offline work, demos, the sweep test (--raw) and the benchmark (--stats).
 * Drives the generator exactly as the superloop does: gen_begin(), then
 * gen_slice() until the image is done. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/gen/gen.h"
#include "app/gen/gen_debug.h"

int cli_generate(int argc, char **argv);

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "7.5" -> 75: at most one decimal (trailing zeros allowed), parsed without
 * floating point so that the tenths are exact. */
static int parse_tenths(const char *s, long *out)
{
    char *end;
    long whole = strtol(s, &end, 10);
    if (end == s || whole < 0 || whole > 1000) return -1;
    long tenth = 0;
    if (*end == '.') {
        end++;
        if (*end >= '0' && *end <= '9') tenth = *end++ - '0';
        while (*end == '0')
            end++;
    }
    if (*end) return -1;
    *out = whole * 10 + tenth;
    return 0;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end || *s == '-' || v > max) return -1;
    *out = v;
    return 0;
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || (f != stdout && fclose(f) != 0)) {
        fprintf(stderr, "edgeartist: cannot write %s\n", path);
        return -1;
    }
    if (f == stdout) fflush(f);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: edgeartist --generate PROMPT [--negative TEXT] [--steps N (20)]\n"
               "         [--guidance G (7.5)] [--seed S (1)] [--out FILE.png] [--raw "
               "FILE]\n"
               "         [--budget MACS] [--stats]\n"
               "  --raw writes the 3072 RGB bytes (HWC; '-' for stdout); --stats prints "
               "timings\n");
}

int cli_generate(int argc, char **argv)
{
    gen_request_t r;
    memset(&r, 0, sizeof r);
    r.steps = 20;
    r.guidance10 = 75;
    r.seed = 1;
    const char *prompt = NULL, *negative = "", *out = NULL, *raw = NULL;
    unsigned long budget = 0, v;
    long tenths;
    int stats = 0;
    enum { O_GEN = 1, O_NEG, O_STEPS, O_GUID, O_SEED, O_OUT, O_RAW, O_BUDGET, O_STATS };
    static const struct option opts[] = {
        {"generate", required_argument, 0, O_GEN}, {"negative", required_argument, 0, O_NEG},
        {"steps", required_argument, 0, O_STEPS},  {"guidance", required_argument, 0, O_GUID},
        {"seed", required_argument, 0, O_SEED},    {"out", required_argument, 0, O_OUT},
        {"raw", required_argument, 0, O_RAW},      {"budget", required_argument, 0, O_BUDGET},
        {"stats", no_argument, 0, O_STATS},        {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_GEN:
            prompt = optarg;
            break;
        case O_NEG:
            negative = optarg;
            break;
        case O_STEPS:
            if (parse_ulong(optarg, 255, &v) != 0) goto bad;
            r.steps = (uint8_t)v;
            break;
        case O_GUID:
            if (parse_tenths(optarg, &tenths) != 0) goto bad;
            r.guidance10 = (uint16_t)tenths;
            break;
        case O_SEED:
            if (parse_ulong(optarg, 0xffffffffu, &v) != 0) goto bad;
            r.seed = (uint32_t)v;
            break;
        case O_OUT:
            out = optarg;
            break;
        case O_RAW:
            raw = optarg;
            break;
        case O_BUDGET:
            if (parse_ulong(optarg, 0xffffffffu, &budget) != 0) goto bad;
            break;
        case O_STATS:
            stats = 1;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!prompt || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (strlen(prompt) >= sizeof r.prompt || strlen(negative) >= sizeof r.negative) {
        fprintf(stderr, "edgeartist: %s: must be at most %d bytes\n",
                strlen(prompt) >= sizeof r.prompt ? "prompt" : "negative_prompt",
                GEN_PROMPT_MAX - 1);
        return 2;
    }
    memcpy(r.prompt, prompt, strlen(prompt) + 1);
    memcpy(r.negative, negative, strlen(negative) + 1);
    const char *field, *message;
    if (gen_validate(&r, &field, &message) != 0) {
        fprintf(stderr, "edgeartist: %s: %s\n", field, message);
        return 2;
    }
    if (budget && gen_set_slice_budget((uint32_t)budget) != 0) {
        fprintf(stderr, "edgeartist: --budget must be at least %u MACs\n", gen_debug_unit_max());
        return 2;
    }

    gen_parse_t pp;
    gen_parse(r.prompt, &pp);
    uint64_t t0 = now_ns(), longest_ns = 0, slices = 0;
    if (gen_begin(&r) != 0) {
        fprintf(stderr, "edgeartist: the generator refused the request\n");
        return 1;
    }
    for (gen_status_t st = GEN_RUNNING; st != GEN_IMAGE_DONE;) {
        uint64_t a = now_ns();
        st = gen_slice();
        uint64_t d = now_ns() - a;
        slices++;
        if (d > longest_ns) longest_ns = d;
        if (st == GEN_IDLE) {
            fprintf(stderr, "edgeartist: the generator stopped\n");
            return 1;
        }
    }
    uint64_t total_ns = now_ns() - t0;
    const uint8_t *rgb = gen_image_rgb();

    if (out) {
        static uint8_t png[GEN_PNG_MAX];
        size_t n = png_encode_rgb(rgb, GEN_W, GEN_H, png, sizeof png);
        if (n == 0 || write_file(out, png, n) != 0) return 1;
    }
    if (raw && write_file(raw, rgb, GEN_RGB_SIZE) != 0) return 1;
    fprintf(stderr,
            "slots colour %u shape %u size %u position %u background %u colour2 %u shape2 %u "
            "size2 %u relation %u; ignored:",
            pp.slot[0], pp.slot[1], pp.slot[2], pp.slot[3], pp.slot[4], pp.slot[5], pp.slot[6],
            pp.slot[7], pp.slot[8]);
    for (int i = 0; i < pp.n_ignored; i++)
        fprintf(stderr, " %s", pp.ignored[i]);
    fprintf(stderr, "\n");
    if (stats) {
        unsigned long long macs = (unsigned long long)gen_debug_total_macs();
        printf("steps %u guidance10 %u total_us %llu per_step_us %llu slices %llu "
               "longest_slice_us %llu longest_slice_macs %u macs %llu mac_per_s %llu "
               "arena_bytes %zu\n",
               r.steps, r.guidance10, (unsigned long long)(total_ns / 1000),
               (unsigned long long)(total_ns / 1000 / r.steps), (unsigned long long)slices,
               (unsigned long long)(longest_ns / 1000), gen_longest_slice_macs(), macs,
               (unsigned long long)(total_ns ? macs * 1000000000ull / total_ns : 0),
               gen_arena_bytes());
    }
    return 0;
bad:
    fprintf(stderr, "edgeartist: bad value for --%s: '%s'\n", opts[c - 1].name, optarg);
    return 2;
}
