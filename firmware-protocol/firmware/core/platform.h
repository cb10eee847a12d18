/* What the portable core needs from the board. The AVR layer (avr/) implements it on the ATmega2560;
 * test/fake_platform.c implements it for the host unit tests. No AVR header is included by core/. */
#ifndef SE_PLATFORM_H
#define SE_PLATFORM_H

#include <stdint.h>

/** Queues a line's bytes for the UART, in order. Must not drop bytes: a reply or event cut short
 * would cost the host a retransmission (§Device rule 2); the core bounds what it writes. */
void se_platform_write(const uint8_t *bytes, uint8_t len);
/** Bytes written and not yet on the wire (§v2 Events: evto counts from when a copy has left). */
uint16_t se_platform_tx_pending(void);
/** 1 while the home switch of `axis` (1-based) is closed. */
uint8_t se_platform_home_switch(uint8_t axis);
/** 1 and the measured position if `axis` has feedback (an encoder); 0 otherwise (§Commands SET FERR). */
uint8_t se_platform_feedback(uint8_t axis, int64_t *actual_counts);
/**
 * A command is about to be executed (§Device rule 2: exactly once), or a HELLO started a session
 * (verb SE_VERB_HELLO). A trace for tests: the AVR build shows it to the simavr harness, which logs
 * it, so the contract suite can count executions of the real firmware. Must be cheap.
 */
void se_platform_executed(uint16_t seq, uint8_t verb);

#endif
