/* The USB cable of the simulated Mega 2560: UART0 bridged to a pseudo-terminal, as the board's
 * ATmega16U2 USB-serial chip puts UART0 on the host's /dev/ttyACM port, and a cable that can be pulled
 * and plugged in again. Single-threaded: the harness's main loop calls serial_link_poll(), and the
 * UART's own interrupts (XON, output) move bytes in between, so nothing races the simulated CPU. */
#ifndef SE_HARNESS_SERIAL_LINK_H
#define SE_HARNESS_SERIAL_LINK_H

#include "sim_avr.h"

/* Connects UART `uart` ('0') of `avr` and plugs the cable in: a new pty, linked at `link_path` if it is
 * not NULL. 0 on success; -1 with errno set. */
int serial_link_init(avr_t *avr, char uart, const char *link_path);

/* Moves the bytes waiting on either side: from the host into the UART as far as it has room, from the
 * UART to the host as far as the pty takes them. Call often (every simulated 250 us or so). */
void serial_link_poll(void);

/* Pulls the cable: the pty is closed (a host with it open sees a hangup, as when a ttyACM device
 * disappears), the link is removed, and bytes in flight either way are lost. The AVR runs on. */
void serial_link_unplug(void);

/* Plugs the cable in again: a new pty (the host's tty re-enumerates) at the same link. 0 on success
 * or if already plugged in; -1 with errno set. */
int serial_link_plug(void);

/* Whether the cable is in. */
int serial_link_plugged(void);

/* The pty's own /dev/pts path while plugged in, else "". */
const char *serial_link_pty_path(void);

/* Pulls the cable for good (the harness is exiting): same as unplug. */
void serial_link_close(void);

#endif
