/* Host unit tests of the device session (§Device rules 1-6, §v2 Negotiation, §v2 Events, §v2 Stop):
 * byte strings in, lines out, time stepped; and the v2 vectors a host sends, through a live session. */
#include "../core/commands.h"
#include "check.h"
#include "device.h"
#include "vectors.h"

#define HELLO_V1 "proto=1 fw=0.1.0 axes=4 rx=128 win=4 qd=4 wd=1000"
#define HELLO_V2 HELLO_V1 " ev=8 pmax=140737488355327 feat=TRIG,LEASE"

static void session_v1(void) {
  dev_boot();
  dev_drain();
  dev_send("1 HELLO");
  EXPECT_LINE("1 OK " HELLO_V1);
}

static void session_v2(uint16_t hello_seq) {
  char body[32];
  dev_boot();
  dev_drain();
  snprintf(body, sizeof body, "%u HELLO 2", hello_seq);
  dev_send(body);
  dev_drain();
}

static void test_boot_and_hello(void) {
  dev_boot();
  EXPECT_LINE("! BOOT fw=0.1.0 proto=1 axes=4 max=2");
  /* §Device rule 3: nothing but HELLO before the first HELLO. */
  dev_send("2 PING");
  EXPECT_LINE("2 ERR HELLO");
  dev_send("2 HELLO 2");
  EXPECT_LINE("2 OK proto=2 fw=0.1.0 axes=4 rx=128 win=4 qd=4 wd=1000 ev=8 pmax=140737488355327 feat=TRIG,LEASE");
  CHECK(se_session_version() == 2, "v2 session");
  /* §v2 Negotiation: a plain HELLO is v1, and its reply is exactly the v1 reply; so is HELLO 1. */
  dev_send("7 HELLO");
  EXPECT_LINE("7 OK " HELLO_V1);
  CHECK(se_session_version() == 1, "v1 session");
  dev_send("8 HELLO 1");
  EXPECT_LINE("8 OK " HELLO_V1);
  dev_send("9 HELLO 3");
  EXPECT_LINE("9 OK proto=2 fw=0.1.0 axes=4 rx=128 win=4 qd=4 wd=1000 ev=8 pmax=140737488355327 feat=TRIG,LEASE");
  dev_send("10 HELLO 0");
  EXPECT_LINE("10 ERR ARGS");
  EXPECT_NOTHING();
}

static void test_seq_rules(void) {
  session_v1();
  dev_send("2 PING");
  EXPECT_LINE("2 OK");
  dev_send("3 GET 1");
  EXPECT_LINE("3 OK pos=0 vel=0 tgt=0 st=DISABLED q=0");
  /* §Device rule 2: a retransmission is answered from the cache, byte for byte, not executed again. */
  dev_send("3 GET 1");
  EXPECT_LINE("3 OK pos=0 vel=0 tgt=0 st=DISABLED q=0");
  dev_send("9 GET 1");
  EXPECT_LINE("9 ERR SEQ next=4");
  /* Executed once: the HELLO, PING 2 and GET 3, nothing for the retransmission or the refused seq. */
  CHECK(fake_platform.executed_count == 3, "%u executions", fake_platform.executed_count);
  CHECK(fake_platform.executed[2].seq == 3 && fake_platform.executed[2].verb == SE_VERB_GET, "GET 3 ran");
  /* Not executed, not cached: 4 is still next. */
  dev_send("4 FLY 1");
  EXPECT_LINE("4 ERR VERB");
  dev_send("4 FLY 1");
  EXPECT_LINE("4 ERR VERB");
  dev_send("5 GET 9");
  EXPECT_LINE("5 ERR AXIS");
  dev_send("6 GET");
  EXPECT_LINE("6 ERR ARGS");
  /* VERB and ARGS are answered (and cached) without executing anything; AXIS is the command's answer. */
  CHECK(fake_platform.executed_count == 4, "%u executions", fake_platform.executed_count);
  /* v1 caches 32: seq 2 is 5 back and still answered. */
  dev_send("2 PING");
  EXPECT_LINE("2 OK");
  /* §Device rule 1: link errors are not cached and do not move next. */
  dev_bytes("7 PING*0000\n", 12);
  EXPECT_LINE("7 ERR CRC");
  dev_bytes("7 PING\n", 7);
  EXPECT_LINE("7 ERR SYNTAX");
  dev_bytes("garbage\n", 8);
  EXPECT_LINE("! BADFRAME");
  dev_send("7 PING");
  EXPECT_LINE("7 OK");
  char longline[140];
  memset(longline, 'x', sizeof longline);
  memcpy(longline, "8 PING ", 7);
  longline[139] = '\n';
  dev_bytes(longline, sizeof longline);
  EXPECT_LINE("8 ERR TOO_LONG");
  dev_send("8 PING");
  EXPECT_LINE("8 OK");
  /* §Framing: after 65535 comes 1. */
  dev_send("65535 HELLO");
  dev_drain();
  dev_send("65535 PING");
  EXPECT_LINE("65535 ERR SEQ next=1");
  dev_send("1 PING");
  EXPECT_LINE("1 OK");
  dev_send("65535 PING");
  EXPECT_LINE("65535 ERR SEQ next=2");
  EXPECT_NOTHING();
}

static void test_v2_cache_is_the_window(void) {
  /* §v2 Sizing: a v2 session caches `win` replies (4 here), not 32. */
  session_v2(1);
  for (int seq = 2; seq <= 7; seq++) {
    char body[24];
    snprintf(body, sizeof body, "%d PING", seq);
    dev_send(body);
  }
  dev_drain();
  dev_send("4 PING");
  EXPECT_LINE("4 OK");
  dev_send("3 PING");
  EXPECT_LINE("3 ERR SEQ next=8");
}

/* The v2 vectors a host sends, through a live session of the vector's version: the refused ones get
 * the vector's code, the valid ones are never refused as malformed. */
static void test_vectors_through_a_session(void) {
  int refused = 0, accepted = 0;
  for (size_t i = 0; i < SE_INVALID_COUNT; i++) {
    const se_invalid_vector *v = &SE_INVALID[i];
    if (strcmp(v->from, "host") != 0) continue;
    uint16_t seq = se_readable_seq((const uint8_t *)v->line, (uint8_t)v->line_len);
    char hello[32];
    dev_boot();
    snprintf(hello, sizeof hello, v->version == 2 ? "%u HELLO 2" : "%u HELLO", seq == 1 ? 65535u : seq - 1u);
    dev_send(hello);
    dev_drain();
    dev_bytes(v->line, v->line_len);
    char expected[64];
    snprintf(expected, sizeof expected, "%u ERR %s", seq, v->codes);
    EXPECT_LINE(expected);
    refused++;
  }
  for (size_t i = 0; i < SE_VALID_COUNT; i++) {
    const se_valid_vector *v = &SE_VALID[i];
    if (strcmp(v->from, "host") != 0 || strstr(v->body, "HELLO")) continue;
    uint16_t seq = se_readable_seq((const uint8_t *)v->line, (uint8_t)v->line_len);
    char hello[32];
    dev_boot();
    snprintf(hello, sizeof hello, v->version == 2 ? "%u HELLO 2" : "%u HELLO", seq - 1u);
    dev_send(hello);
    dev_drain();
    dev_bytes(v->line, v->line_len);
    const char *reply = dev_next_line();
    /* A reply to this seq, or the event that a command caused and then its reply. */
    while (reply && reply[0] == '!') reply = dev_next_line();
    CHECK(reply != NULL, "%s: no reply", v->body);
    if (!reply) continue;
    const char *malformed[] = {"ERR SYNTAX", "ERR CRC", "ERR VERB", "ERR ARGS", "ERR SEQ", "ERR HELLO"};
    for (size_t k = 0; k < sizeof malformed / sizeof malformed[0]; k++) {
      CHECK(strstr(reply, malformed[k]) == NULL, "%s: %s", v->body, reply);
    }
    accepted++;
  }
  CHECK(refused >= 14 && accepted >= 20, "refused %d accepted %d", refused, accepted);
}

/* §Device rule 5 and §v2 Stop. */
static void test_stops(void) {
  session_v1();
  dev_send("2 ENABLE 1");
  EXPECT_LINE("2 OK");
  /* The partial line goes with the stop; its rest arrives as a line of its own and is refused. */
  dev_bytes("3 PI\030NG*428F\n", 13);
  EXPECT_LINE("! ESTOP src=host");
  EXPECT_LINE("! BADFRAME");
  dev_send("3 ENABLE 1");
  EXPECT_LINE("3 ERR ESTOP");
  dev_send("4 GET 1");
  EXPECT_LINE("4 OK pos=0 vel=0 tgt=0 st=ESTOP q=0");
  dev_send("5 RESET");
  EXPECT_LINE("5 OK");
  dev_send("6 ENABLE 1");
  EXPECT_LINE("6 OK");
  /* v1: 0x96 is an ordinary non-line byte. */
  uint8_t copies[8];
  memset(copies, 0x96, sizeof copies);
  dev_bytes(copies, sizeof copies);
  dev_send("7 PING");
  EXPECT_LINE("! BADFRAME");
  dev_send("7 PING");
  EXPECT_LINE("7 OK");
  EXPECT_NOTHING();

  session_v2(1);
  dev_send("2 ENABLE 1");
  dev_drain();
  dev_bytes(copies, sizeof copies);
  EXPECT_LINE("!1 ESTOP src=host");
  EXPECT_NOTHING();
  dev_send("3 ENABLE 1");
  EXPECT_LINE("3 ERR ESTOP");
  /* v2: 0x18 is not a stop, only a byte that makes its line SYNTAX. */
  dev_bytes("4 PI\030NG*0000\n", 13);
  EXPECT_LINE("4 ERR SYNTAX");
  /* A copy replaced in the middle splits the burst: still one stop. (ENABLE above was a valid frame,
   * so this is a new stop, and its second run of three is the same stop.) */
  const uint8_t split[] = {0x96, 0x96, 0x96, 0x41, 0x96, 0x96, 0x96, 0x96, '\n'};
  dev_bytes(split, sizeof split);
  EXPECT_LINE("!2 ESTOP src=host");
  EXPECT_LINE("! BADFRAME");
  EXPECT_NOTHING();
  /* Without a valid frame in between, another stop is the same stop. */
  dev_bytes(copies, sizeof copies);
  EXPECT_NOTHING();
  /* A stop, a valid frame and a stop are two. */
  dev_send("4 PING");
  EXPECT_LINE("4 OK");
  dev_bytes(copies, 3);
  EXPECT_LINE("!3 ESTOP src=host");
  /* Fewer than three in a row are not a stop. */
  dev_bytes("5 PI\226\226NG*0000\n", 14);
  EXPECT_LINE("5 ERR SYNTAX");
  EXPECT_NOTHING();
  /* The e-stop input: same, src=input; RESET is refused while it is held. */
  dev_send("5 RESET");
  EXPECT_LINE("5 OK");
  se_motion_set_estop_input(1);
  se_session_estop_input();
  EXPECT_LINE("!4 ESTOP src=input");
  dev_send("6 RESET");
  EXPECT_LINE("6 ERR ESTOP");
  se_motion_set_estop_input(0);
  dev_send("7 RESET");
  EXPECT_LINE("7 OK");
}

/* §Device rule 6. */
static void test_watchdog(void) {
  session_v1();
  dev_send("2 WDOG 99");
  EXPECT_LINE("2 ERR RANGE");
  dev_send("3 WDOG 60001");
  EXPECT_LINE("3 ERR RANGE");
  dev_send("4 WDOG 250");
  EXPECT_LINE("4 OK");
  dev_run_ms(240);
  EXPECT_NOTHING();
  dev_send("5 PING"); /* a valid frame feeds it */
  EXPECT_LINE("5 OK");
  dev_run_ms(240);
  EXPECT_NOTHING();
  dev_run_ms(20);
  EXPECT_LINE("! FAULT axis=0 code=WATCHDOG");
  dev_run_ms(1000);
  EXPECT_NOTHING(); /* latched, reported once */
  dev_send("6 ENABLE 1");
  EXPECT_LINE("6 ERR STATE st=FAULT");
  dev_send("7 GET 2");
  EXPECT_LINE("7 OK pos=0 vel=0 tgt=0 st=FAULT q=0");
  dev_send("8 RESET");
  EXPECT_LINE("8 OK");
  dev_send("9 ENABLE 1");
  EXPECT_LINE("9 OK");
  /* A new HELLO restores the default period. */
  dev_send("10 HELLO");
  dev_drain();
  dev_run_ms(990);
  EXPECT_NOTHING();
  dev_run_ms(20);
  EXPECT_LINE("! FAULT axis=0 code=WATCHDOG");
}

/* §v2 Events: eseq, ACK, RESEND, go-back-N after evto, OVERFLOW. */
static void test_events(void) {
  session_v2(1);
  dev_send("2 WDOG 60000");
  dev_send("3 ENABLE 1");
  dev_drain();
  dev_send("4 MOVE 1 10 4000 20000");
  EXPECT_LINE("4 OK");
  dev_run_ms(50);
  EXPECT_LINE("!1 DONE axis=1 seq=4 pos=10");
  CHECK(se_session_unacked_events() == 1, "kept until acknowledged");
  /* Not acknowledged: resent after evto (100 ms + wire time), byte for byte. */
  dev_run_ms(120);
  EXPECT_LINE("!1 DONE axis=1 seq=4 pos=10");
  dev_send("5 ACK 40");
  EXPECT_LINE("5 ERR RANGE");
  dev_send("6 ACK 1");
  EXPECT_LINE("6 OK");
  CHECK(se_session_unacked_events() == 0, "freed");
  dev_send("7 ACK 1");
  EXPECT_LINE("7 OK"); /* a repeat */
  dev_send("8 ACK 0");
  EXPECT_LINE("8 ERR RANGE"); /* neither the last acknowledged nor one of the ev before it */
  dev_run_ms(500);
  EXPECT_NOTHING();
  /* RESEND: the oldest unacknowledged event goes out at once, before the reply. */
  dev_send("9 MOVE 1 0 4000 20000");
  EXPECT_LINE("9 OK");
  dev_run_ms(50);
  EXPECT_LINE("!2 DONE axis=1 seq=9 pos=0");
  dev_send("10 ACK 1 RESEND");
  EXPECT_LINE("!2 DONE axis=1 seq=9 pos=0");
  EXPECT_LINE("10 OK");
  dev_send("11 ACK 2");
  EXPECT_LINE("11 OK");
  /* Overflow: 8 events fill the buffer, the 9th and 10th are counted; the first ACK frees and reports. */
  for (int i = 0; i < 10; i++) {
    char body[40];
    snprintf(body, sizeof body, "%d MOVE 1 %d 4000 20000", 12 + i, (i + 1) * 5);
    dev_send(body);
    dev_run_ms(60); /* a 5-count triangle at 20000 counts/s² takes 32 ms */
  }
  int dones = 0;
  for (const char *line = dev_next_line(); line; line = dev_next_line()) dones += strstr(line, " DONE ") != NULL;
  CHECK(dones >= 8, "%d DONE lines", dones);
  CHECK(se_session_unacked_events() == 8, "buffer full: %u", se_session_unacked_events());
  CHECK(se_session_get_stats()->events_lost == 2, "2 lost: %u", se_session_get_stats()->events_lost);
  dev_send("22 ACK 5");
  EXPECT_LINE("!11 OVERFLOW lost=2");
  EXPECT_LINE("22 OK");
  /* A new HELLO empties the buffer and restarts eseq at 1. */
  dev_send("23 HELLO 2");
  dev_drain();
  CHECK(se_session_unacked_events() == 0, "emptied");
  dev_send("24 MOVE 1 0 4000 20000");
  dev_run_ms(150); /* 50 counts: a 100 ms triangle */
  EXPECT_LINE("24 OK");
  EXPECT_LINE("!1 DONE axis=1 seq=24 pos=0");
  dev_send("25 ACK 0 RESEND");
  EXPECT_LINE("!1 DONE axis=1 seq=24 pos=0");
  EXPECT_LINE("25 OK");
}

static void test_get_set(void) {
  session_v2(1);
  dev_send("2 GET 1");
  EXPECT_LINE("2 OK pos=0 vel=0 tgt=0 st=DISABLED q=0 run=0");
  dev_send("3 SET 1 VMAX 50000");
  EXPECT_LINE("3 OK");
  dev_send("4 SET 1 VMAX 0");
  EXPECT_LINE("4 ERR RANGE");
  dev_send("5 SET 1 VMAX 2147483648");
  EXPECT_LINE("5 ERR RANGE"); /* §v2 Positions: VMAX stays 32-bit */
  dev_send("6 SET 1 MIN 100");
  EXPECT_LINE("6 OK");
  dev_send("7 SET 1 MAX 100");
  EXPECT_LINE("7 ERR RANGE");
  dev_send("8 SET 1 MAX 140737488355328");
  EXPECT_LINE("8 ERR RANGE"); /* beyond pmax */
  dev_send("9 SET 1 MAX 140737488355327");
  EXPECT_LINE("9 OK");
  dev_send("10 SET 1 SPEED 5");
  EXPECT_LINE("10 ERR ARGS");
  dev_send("11 SET 5 MAX 5");
  EXPECT_LINE("11 ERR AXIS");
  dev_send("12 STREAM 201");
  EXPECT_LINE("12 ERR RANGE");
  dev_send("13 STREAM 10");
  EXPECT_LINE("13 OK");
  dev_run_ms(105);
  EXPECT_LINE("! POS t=100 p=0,0,0,0 v=0,0,0,0");
  dev_send("14 STREAM 0");
  EXPECT_LINE("14 OK");
  dev_run_ms(300);
  EXPECT_NOTHING();
  /* §v2 Negotiation: v2 verbs are unknown in a v1 session, and a leased JOG has too many arguments. */
  session_v1();
  dev_send("2 ACK 1");
  EXPECT_LINE("2 ERR VERB");
  dev_send("3 JOG 1 100 1000 300");
  EXPECT_LINE("3 ERR ARGS");
  dev_send("4 MOVE 1 2147483648 100 100");
  EXPECT_LINE("4 ERR ARGS");
}

int main(void) {
  test_boot_and_hello();
  test_seq_rules();
  test_v2_cache_is_the_window();
  test_vectors_through_a_session();
  test_stops();
  test_watchdog();
  test_events();
  test_get_set();
  return TEST_SUMMARY("test_session");
}
