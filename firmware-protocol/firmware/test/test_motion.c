/* Host unit tests of the axes (§Commands MOVE JOG STOP HOME SET, §v2 Fields, §v2 Triggered moves,
 * §v2 Jog lease): profiles checked tick by tick, the queue, homing to a (simulated) switch, soft limits,
 * following error, and the seeded random moves. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "check.h"
#include "device.h"

/* ---- a small host: numbered commands, events collected (and acknowledged in v2) ---- */

static uint16_t next_seq;
static uint8_t v2;
static char events[256][128];
static int event_count;
static int last_eseq;
static char reply[160];
static uint64_t last_sent_ms;

static void collect(void) {
  for (const char *line = dev_next_line(); line; line = dev_next_line()) {
    if (line[0] != '!') {
      snprintf(reply, sizeof reply, "%s", line);
      continue;
    }
    if (v2 && line[1] != ' ') {
      int eseq = atoi(line + 1);
      if (eseq <= last_eseq) continue; /* a retransmission */
      last_eseq = eseq;
    }
    if (event_count < 256) snprintf(events[event_count++], sizeof events[0], "%s", strchr(line, ' ') + 1);
  }
}

static const char *cmd(const char *fmt, ...) {
  char body[140];
  int n = snprintf(body, sizeof body, "%u ", next_seq++);
  va_list args;
  va_start(args, fmt);
  vsnprintf(body + n, sizeof body - (size_t)n, fmt, args);
  va_end(args);
  reply[0] = 0;
  last_sent_ms = dev_now_ms();
  dev_send(body);
  collect();
  return reply;
}

static void acknowledge(void) {
  static int acked;
  if (!v2 || last_eseq == acked) return;
  acked = last_eseq;
  cmd("ACK %d", last_eseq);
}

static void run_ms(uint32_t ms) {
  for (uint32_t done = 0; done < ms; done += 10) {
    dev_run_ms(ms - done < 10 ? ms - done : 10);
    collect();
    acknowledge();
    /* Feed the watchdog (WDOG 60000) through long moves, as a host's heartbeat does. */
    if (dev_now_ms() - last_sent_ms >= 10000) cmd("PING");
  }
}

static void start(uint8_t version) {
  dev_boot();
  dev_drain();
  v2 = version == 2;
  event_count = 0;
  last_eseq = 0;
  next_seq = 1;
  cmd(v2 ? "HELLO 2" : "HELLO");
  cmd("WDOG 60000");
}

/** Index of the first event containing `text` from `from` on, or -1. */
static int find_event(const char *text, int from) {
  for (int i = from; i < event_count; i++) {
    if (strstr(events[i], text)) return i;
  }
  return -1;
}

#define EXPECT_EVENT(text) CHECK(find_event((text), 0) >= 0, "no event \"%s\" (%d events)", (text), event_count)

static int64_t field(const char *line, const char *key) {
  char pattern[16];
  snprintf(pattern, sizeof pattern, " %s=", key);
  const char *at = strstr(line, pattern);
  return at ? strtoll(at + strlen(pattern), NULL, 10) : INT64_MIN;
}

/* ---- profile observer: every tick of axis 1 ---- */

static int64_t watch_prev_counts, watch_prev_step, watch_max_step, watch_max_jerk;
static int watch_reversals;

static void watch_axis1(void) {
  int64_t counts = se_motion_output_counts(1);
  int64_t step = counts - watch_prev_counts;
  if (llabs(step) > watch_max_step) watch_max_step = llabs(step);
  if ((step > 0 && watch_prev_step < 0) || (step < 0 && watch_prev_step > 0)) watch_reversals++;
  watch_prev_counts = counts;
  if (step != 0) watch_prev_step = step;
}

static void watch_reset(void) {
  watch_prev_counts = se_motion_output_counts(1);
  watch_prev_step = watch_max_step = watch_max_jerk = 0;
  watch_reversals = 0;
  dev_on_tick = watch_axis1;
}

/* ---- tests ---- */

/* §Commands MOVE: a trapezoid lasts distance/vel + vel/acc and lands exactly on its target. */
static void test_trapezoid(void) {
  start(1);
  CHECK(strstr(cmd("ENABLE 1"), " OK") != NULL, "ENABLE: %s", reply);
  watch_reset();
  uint16_t seq = next_seq;
  CHECK(strstr(cmd("MOVE 1 12000 4000 20000"), " OK") != NULL, "MOVE: %s", reply);
  run_ms(1000);
  const char *get = cmd("GET 1");
  CHECK(strstr(get, "st=MOVING") && field(get, "tgt") == 12000 && field(get, "q") == 1, "mid-move %s", get);
  CHECK(field(get, "vel") >= 3950 && field(get, "vel") <= 4000, "cruising at %lld", (long long)field(get, "vel"));
  run_ms(2150); /* 3150 ms: not done yet (3200 ms) */
  CHECK(find_event("DONE", 0) < 0, "done too early");
  run_ms(100);
  char done[64];
  snprintf(done, sizeof done, "DONE axis=1 seq=%u pos=12000", seq);
  EXPECT_EVENT(done);
  get = cmd("GET 1");
  CHECK(strstr(get, "pos=12000 vel=0 tgt=12000 st=IDLE q=0"), "at rest: %s", get);
  /* No tick moved more than vel/1024 (+1 for the count boundary), and the axis never went back. */
  CHECK(watch_max_step <= 4000 / 1024 + 1, "max step %lld", (long long)watch_max_step);
  CHECK(watch_reversals == 0, "%d reversals", watch_reversals);
  /* A triangle: 100 counts at 20000 counts/s² peaks below vel and takes 2·sqrt(d/a) = 141 ms. */
  event_count = 0;
  cmd("MOVE 1 11900 4000 20000");
  run_ms(130);
  CHECK(find_event("DONE", 0) < 0, "triangle done too early");
  run_ms(30);
  EXPECT_EVENT("pos=11900");
}

static uint32_t prng_state;
static uint32_t prng(void) {
  /* xorshift32: seeded and printed, so a failure can be replayed. */
  prng_state ^= prng_state << 13;
  prng_state ^= prng_state >> 17;
  prng_state ^= prng_state << 5;
  return prng_state;
}

static void test_random_moves(uint32_t seed) {
  prng_state = seed;
  printf("test_random_moves seed=%u\n", seed);
  start(1);
  cmd("ENABLE 1");
  int64_t pos = 0;
  for (int i = 0; i < 40; i++) {
    int64_t target = (int64_t)(prng() % 40001u) - 20000;
    int64_t vel = 1 + (int64_t)(prng() % 20000u);
    int64_t acc = 100 + (int64_t)(prng() % 400000u);
    double d = fabs((double)(target - pos));
    double expected_s = d >= (double)vel * vel / acc ? d / vel + (double)vel / acc : 2 * sqrt(d / acc);
    event_count = 0;
    watch_reset();
    uint64_t started = dev_now_ms();
    cmd("MOVE 1 %lld %lld %lld", (long long)target, (long long)vel, (long long)acc);
    uint64_t done_at = 0;
    while (dev_now_ms() - started < (uint64_t)(expected_s * 1000) + 500 && !done_at) {
      run_ms(10);
      if (find_event("DONE", 0) >= 0) done_at = dev_now_ms();
    }
    double took_s = (double)(done_at - started) / 1000.0;
    CHECK(done_at != 0, "seed %u move %d: no DONE", seed, i);
    /* Within 0.2 % + 12 ms of the ideal profile: ticks are 0.98 ms, and DONE is seen at the 10 ms step. */
    CHECK(fabs(took_s - expected_s) <= expected_s * 0.002 + 0.012, "seed %u move %d: %.3f s, ideal %.3f s (d=%.0f v=%lld a=%lld)",
          seed, i, took_s, expected_s, d, (long long)vel, (long long)acc);
    CHECK(watch_reversals == 0, "seed %u move %d: reversed", seed, i);
    CHECK(watch_max_step <= vel / 1024 + 2, "seed %u move %d: step %lld at vel %lld", seed, i, (long long)watch_max_step,
          (long long)vel);
    CHECK(se_motion_output_counts(1) == target, "seed %u move %d: at %lld, not %lld", seed, i,
          (long long)se_motion_output_counts(1), (long long)target);
    pos = target;
  }
}

/* §Commands MOVE: the queue (qd=4), QFULL, DONE in order; §v2 Fields q and run. */
static void test_queue(void) {
  start(2);
  cmd("ENABLE 1");
  uint16_t first = next_seq;
  cmd("MOVE 1 1000 20000 200000");
  cmd("MOVE 1 2000 20000 200000");
  cmd("MOVE 1 3000 20000 200000");
  const char *get = cmd("GET 1");
  CHECK(field(get, "q") == 3 && field(get, "run") == first, "q/run: %s", get);
  cmd("MOVE 1 4000 20000 200000");
  CHECK(strstr(cmd("MOVE 1 5000 20000 200000"), "ERR QFULL") != NULL, "QFULL: %s", reply);
  run_ms(1000);
  int a = find_event("pos=1000", 0), b = find_event("pos=2000", 0), c = find_event("pos=4000", 0);
  CHECK(a >= 0 && b > a && c > b, "DONE in order: %d %d %d", a, b, c);
  get = cmd("GET 1");
  CHECK(strstr(get, "pos=4000 vel=0 tgt=4000 st=IDLE q=0 run=0"), "drained: %s", get);
  /* Out of range, and motion while disabled. */
  CHECK(strstr(cmd("MOVE 1 10 200001 100"), "ERR RANGE"), "VMAX: %s", reply);
  CHECK(strstr(cmd("MOVE 2 10 100 100"), "ERR STATE st=DISABLED"), "disabled: %s", reply);
  CHECK(strstr(cmd("MOVE 9 10 100 100"), "ERR AXIS"), "axis: %s", reply);
}

/* §Commands STOP, §Device rule 5: a controlled stop aborts running and queued moves; the e-stop halts. */
static void test_stop_and_estop(void) {
  start(2);
  cmd("ENABLE 1");
  uint16_t running = next_seq;
  cmd("MOVE 1 100000 10000 20000");
  cmd("MOVE 1 0 10000 20000");
  run_ms(1000);
  cmd("STOP 1");
  char aborted[64];
  snprintf(aborted, sizeof aborted, "ABORTED axis=1 seq=%u", running);
  EXPECT_EVENT(aborted);
  CHECK(find_event("why=STOP", 0) >= 0, "why=STOP");
  CHECK(strstr(events[find_event("ABORTED", 0) + 1], "ABORTED") != NULL, "the queued move too");
  const char *get = cmd("GET 1");
  CHECK(strstr(get, "st=MOVING") && field(get, "q") == 0, "decelerating: %s", get);
  run_ms(600); /* 10000 counts/s at 20000 counts/s² stops in 0.5 s */
  get = cmd("GET 1");
  CHECK(strstr(get, "vel=0") && strstr(get, "st=IDLE"), "stopped: %s", get);
  int64_t at = field(get, "pos");
  /* 2500 counts ramping up, 5000 cruising, 2500 ramping down. */
  CHECK(at > 9900 && at < 10100, "stopped at %lld", (long long)at);
  /* The e-stop: halts at once, everything ABORTED why=ESTOP, ESTOP latched, drive off. */
  event_count = 0;
  cmd("MOVE 1 0 10000 20000");
  run_ms(200);
  uint8_t stop[3] = {0x96, 0x96, 0x96};
  dev_bytes(stop, 3);
  collect();
  EXPECT_EVENT("ABORTED axis=1");
  EXPECT_EVENT("why=ESTOP");
  EXPECT_EVENT("ESTOP src=host");
  get = cmd("GET 1");
  CHECK(strstr(get, "vel=0") && strstr(get, "st=ESTOP"), "halted: %s", get);
  CHECK(se_motion_output_enabled(1) == 0, "drive off");
  CHECK(strstr(cmd("ENABLE 1"), "ERR ESTOP"), "latched: %s", reply);
  cmd("RESET");
  CHECK(strstr(cmd("ENABLE 1"), " OK"), "after RESET: %s", reply);
}

/* §Commands HOME: search, back off, stop, set 0; FAULT HOME without a switch. */
static void test_homing(void) {
  start(1);
  dev_switches = 1;
  cmd("ENABLE 1");
  cmd("HOME 1");
  CHECK(strstr(cmd("GET 1"), "st=HOMING"), "homing: %s", reply);
  CHECK(strstr(cmd("MOVE 1 5 100 100"), "ERR STATE st=HOMING"), "busy: %s", reply);
  run_ms(2000);
  EXPECT_EVENT("HOMED axis=1 pos=0");
  const char *get = cmd("GET 1");
  CHECK(strstr(get, "pos=0 vel=0 tgt=0 st=IDLE"), "homed: %s", get);
  /* Homed zero is just off the switch, physically. */
  int64_t physical = se_motion_output_counts(1);
  CHECK(physical > dev_switch_counts && physical < dev_switch_counts + 100, "zero at %lld", (long long)physical);
  /* Moves are in the homed frame. */
  cmd("MOVE 1 -5 100 10000");
  run_ms(200);
  CHECK(se_motion_output_counts(1) == physical - 5, "homed frame: %lld", (long long)se_motion_output_counts(1));
  /* No switch within the search range: FAULT HOME. */
  start(1);
  cmd("ENABLE 2");
  cmd("HOME 2");
  run_ms(102000);
  EXPECT_EVENT("FAULT axis=2 code=HOME");
  CHECK(strstr(cmd("GET 2"), "st=FAULT"), "faulted: %s", reply);
  cmd("RESET");
  CHECK(strstr(cmd("GET 2"), "st=IDLE"), "reset: %s", reply);
}

/* §Commands SET MIN/MAX: moves beyond are RANGE; a jog stops on the limit and latches LIMIT. */
static void test_soft_limits(void) {
  start(1);
  cmd("ENABLE 1");
  cmd("SET 1 MAX 1000");
  CHECK(strstr(cmd("MOVE 1 1001 100 100"), "ERR RANGE"), "beyond MAX: %s", reply);
  CHECK(strstr(cmd("JOG 1 5000 100000"), " OK"), "jog: %s", reply);
  run_ms(500);
  EXPECT_EVENT("FAULT axis=1 code=LIMIT");
  const char *get = cmd("GET 1");
  CHECK(strstr(get, "pos=1000 vel=0") && strstr(get, "st=FAULT"), "on the limit: %s", get);
  CHECK(strstr(cmd("JOG 1 5000 100000"), "ERR STATE st=FAULT"), "latched: %s", reply);
  cmd("RESET");
  CHECK(strstr(cmd("JOG 1 5000 100000"), "ERR RANGE"), "outward at the limit: %s", reply);
  CHECK(strstr(cmd("JOG 1 -5000 100000"), " OK"), "inward: %s", reply);
  cmd("STOP 1");
  run_ms(200);
  CHECK(strstr(cmd("GET 1"), "vel=0 ") && strstr(reply, "st=IDLE"), "jog stopped: %s", reply);
}

/* §Commands SET FERR: an axis with feedback that cannot follow faults, drive off, moves ABORTED. */
static void test_following_error(void) {
  start(2);
  fake_platform.axis[0].has_feedback = 1;
  fake_platform.axis[0].feedback_counts = 0; /* jammed at 0 */
  cmd("ENABLE 1");
  cmd("SET 1 FERR 500");
  cmd("MOVE 1 10000 5000 50000");
  run_ms(500);
  EXPECT_EVENT("FAULT axis=1 code=FERR");
  EXPECT_EVENT("pos=0 why=FAULT"); /* aborted where the axis is, not where it was commanded */
  const char *get = cmd("GET 1");
  CHECK(strstr(get, "pos=0 ") && strstr(get, "st=FAULT"), "jammed: %s", get);
  CHECK(se_motion_output_enabled(1) == 0, "drive off");
}

/* §Device rule 6 while moving: a controlled stop, moves ABORTED why=FAULT. */
static void test_watchdog_stops_motion(void) {
  start(2);
  cmd("ENABLE 1");
  cmd("WDOG 200");
  cmd("MOVE 1 100000 10000 100000");
  run_ms(300);
  EXPECT_EVENT("FAULT axis=0 code=WATCHDOG");
  EXPECT_EVENT("why=FAULT");
  run_ms(200);
  const char *get = cmd("GET 1");
  CHECK(strstr(get, "vel=0") && strstr(get, "st=FAULT"), "stopped: %s", get);
}

/* §v2 Triggered moves. */
static void test_triggered_moves(void) {
  start(2);
  cmd("ENABLE 1");
  cmd("ENABLE 2");
  uint16_t tmove = next_seq;
  CHECK(strstr(cmd("TMOVE 2 500 20000 400000 1 2000 1"), " OK"), "TMOVE: %s", reply);
  const char *get = cmd("GET 2");
  CHECK(strstr(get, "st=IDLE") && field(get, "q") == 1 && field(get, "run") == tmove, "armed: %s", get);
  cmd("MOVE 1 4000 10000 100000");
  run_ms(1000);
  char started[64];
  snprintf(started, sizeof started, "STARTED axis=2 seq=%u", tmove);
  int s = find_event(started, 0);
  CHECK(s >= 0, "STARTED");
  /* The crossing time: axis 1 reaches 2000 after its 0.1 s ramp (500 counts) and 0.15 s of cruise. */
  if (s >= 0) {
    int64_t t = field(events[s], "t");
    CHECK(t >= 245 && t <= 255, "t=%lld", (long long)t);
  }
  CHECK(find_event("DONE axis=2", 0) > s, "DONE after STARTED");
  /* LATE: axis 1 is at 4000, past 2000 upward. */
  event_count = 0;
  tmove = next_seq;
  cmd("TMOVE 2 0 20000 400000 1 2000 1");
  run_ms(10);
  char late[80];
  snprintf(late, sizeof late, "ABORTED axis=2 seq=%u pos=500 why=LATE", tmove);
  EXPECT_EVENT(late);
  /* STOP cancels an armed one. */
  event_count = 0;
  cmd("TMOVE 2 0 20000 400000 1 5000 1");
  cmd("STOP 2");
  EXPECT_EVENT("why=STOP");
  CHECK(field(cmd("GET 2"), "q") == 0, "cancelled: %s", reply);
  CHECK(strstr(cmd("TMOVE 2 0 1 1 2 0 1"), "ERR ARGS"), "src == axis: %s", reply);
  CHECK(strstr(cmd("TMOVE 2 0 1 1 7 0 1"), "ERR AXIS"), "src out of range: %s", reply);
}

/* §v2 Jog lease. */
static void test_jog_lease(void) {
  start(2);
  cmd("ENABLE 1");
  CHECK(strstr(cmd("JOG 1 -2500 10000"), "ERR ARGS"), "v2 JOG needs a lease: %s", reply);
  CHECK(strstr(cmd("JOG 1 -2500 10000 49"), "ERR RANGE"), "lease bounds: %s", reply);
  CHECK(strstr(cmd("RENEW 1 300"), "ERR STATE"), "not jogging: %s", reply);
  CHECK(strstr(cmd("JOG 1 -2500 10000 300"), " OK"), "jog: %s", reply);
  run_ms(200);
  CHECK(strstr(cmd("RENEW 1 300"), " OK"), "renew: %s", reply);
  run_ms(250);
  CHECK(find_event("LEASE", 0) < 0, "renewed lease still running");
  run_ms(100);
  EXPECT_EVENT("LEASE axis=1 pos=-");
  run_ms(400);
  const char *get = cmd("GET 1");
  CHECK(strstr(get, "vel=0") && strstr(get, "st=IDLE"), "stopped by the lease: %s", get);
  /* STOP ends a jog without LEASE. */
  event_count = 0;
  cmd("JOG 1 2500 10000 300");
  cmd("STOP 1");
  run_ms(600);
  CHECK(find_event("LEASE", 0) < 0, "no LEASE after STOP");
  /* v1 JOG: no lease, runs until STOP. */
  start(1);
  cmd("ENABLE 1");
  CHECK(strstr(cmd("JOG 1 1000 10000"), " OK"), "v1 jog: %s", reply);
  run_ms(2000);
  CHECK(strstr(cmd("GET 1"), "vel=1000"), "still jogging: %s", reply);
}

int main(int argc, char **argv) {
  uint32_t seed = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 20261202u;
  test_trapezoid();
  test_random_moves(seed);
  test_queue();
  test_stop_and_estop();
  test_homing();
  test_soft_limits();
  test_following_error();
  test_watchdog_stops_motion();
  test_triggered_moves();
  test_jog_lease();
  return TEST_SUMMARY("test_motion");
}
