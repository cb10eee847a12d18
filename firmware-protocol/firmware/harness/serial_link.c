/* The USB cable of the simulated Mega 2560 (serial_link.h): UART0 on a pty that can be unplugged.
 *
 * What a pulled cable is here. On the Arduino Mega 2560 the host's /dev/ttyACM port is the ATmega16U2's
 * USB CDC interface; UART0 of the ATmega2560 is wired to the 16U2, not to USB. Pulling the cable makes
 * the tty disappear (an open port hangs up, and /dev/serial/by-id/usb-Arduino... goes away) and plugging
 * it in makes a new one appear at the same by-id path. Whether the 2560 itself resets is the board's
 * power and auto-reset wiring, not the cable: the 16U2's DTR line reaches the 2560's RESET through a
 * 100 nF capacitor (Arduino Mega 2560 Rev3 schematic; datasheet "Automatic (Software) Reset"), so a
 * host that opens the port (DTR asserted) resets it, unless the RESET-EN trace is cut. This harness
 * models a board powered from its own supply (VIN or the barrel jack, as a machine's controller is)
 * with auto-reset disabled: the 2560 runs on through the unplug and the replug, and opening the port
 * never resets it. The other cases are a `reboot` after the `replug` (auto-reset left enabled) or a
 * power loss (a USB-powered board), which the harness's `reboot` command models.
 *
 * Replaces simavr's uart_pty part, whose pty lives for the whole run and whose thread feeds the UART
 * concurrently with avr_run(): here the main loop moves the bytes, with the same XON/XOFF flow control
 * on the UART's receive FIFO (avr_uart.h: feed while XON, stop at XOFF). */
#define _GNU_SOURCE
#include "serial_link.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "avr_uart.h"
#include "sim_io.h"
#include "sim_irq.h"

/* Bytes read from the host and not yet taken by the UART: one read's worth. */
#define FROM_HOST_BYTES 512
/* Bytes from the UART not yet taken by the pty. When the host reads nothing (no client open, or a slow
 * one) the pty fills up and then this: beyond it bytes are dropped, as a UART with no reader overruns. */
#define TO_HOST_BYTES 4096

static avr_t *avr;
static avr_irq_t *uart_input;
static const char *link_path;
static int master_fd = -1;
/* The pty's slave side, kept open by the harness as uart_pty does: a host closing the port then does
 * not hang the pty up, so it can be opened again (the 16U2's port stays while the cable is in). */
static int slave_fd = -1;
static char pty_path[64];
static int uart_has_room;

static uint8_t from_host[FROM_HOST_BYTES];
static size_t from_host_len, from_host_done;
static uint8_t to_host[TO_HOST_BYTES];
static size_t to_host_head, to_host_count;

/* Into the UART's receive FIFO while it has room; the UART raises XOFF (synchronously, inside the
 * raise) when the FIFO is full, and XON again as the firmware reads it. */
static void feed_uart(void) {
  while (uart_has_room && from_host_done < from_host_len) {
    avr_raise_irq(uart_input, from_host[from_host_done++]);
  }
}

static void on_xon(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)value;
  (void)param;
  uart_has_room = 1;
  feed_uart();
}

static void on_xoff(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)value;
  (void)param;
  uart_has_room = 0;
}

/* A byte the firmware transmitted: to the host if the cable is in and there is room. */
static void on_uart_output(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)param;
  if (master_fd < 0 || to_host_count == TO_HOST_BYTES) return;
  to_host[(to_host_head + to_host_count) % TO_HOST_BYTES] = (uint8_t)value;
  to_host_count++;
}

static void make_raw(int fd) {
  struct termios tio;
  if (tcgetattr(fd, &tio) != 0) return;
  cfmakeraw(&tio);
  tcsetattr(fd, TCSANOW, &tio);
}

int serial_link_plug(void) {
  if (master_fd >= 0) return 0;
  int master, slave;
  char name[sizeof pty_path];
  if (openpty(&master, &slave, name, NULL, NULL) != 0) return -1;
  make_raw(master);
  make_raw(slave);
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  if (link_path) {
    unlink(link_path);
    if (symlink(name, link_path) != 0) {
      int saved = errno;
      close(master);
      close(slave);
      errno = saved;
      return -1;
    }
  }
  master_fd = master;
  slave_fd = slave;
  memcpy(pty_path, name, sizeof pty_path);
  return 0;
}

void serial_link_unplug(void) {
  if (master_fd < 0) return;
  /* The link first, so nothing opens the dying pty; then its master, which hangs up an open host. */
  if (link_path) unlink(link_path);
  close(master_fd);
  close(slave_fd);
  master_fd = slave_fd = -1;
  pty_path[0] = 0;
  /* What was on the wire is lost with the cable. */
  from_host_len = from_host_done = 0;
  to_host_head = to_host_count = 0;
}

void serial_link_close(void) { serial_link_unplug(); }

int serial_link_plugged(void) { return master_fd >= 0; }

const char *serial_link_pty_path(void) { return pty_path; }

int serial_link_init(avr_t *core, char uart, const char *link) {
  avr = core;
  link_path = link;
  /* simavr would otherwise print every transmitted byte on stdout, which carries the harness's lines. */
  uint32_t flags = 0;
  avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS(uart), &flags);
  flags &= ~AVR_UART_FLAG_STDIO;
  avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS(uart), &flags);
  uart_input = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ(uart), UART_IRQ_INPUT);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ(uart), UART_IRQ_OUTPUT), on_uart_output, NULL);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ(uart), UART_IRQ_OUT_XON), on_xon, NULL);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ(uart), UART_IRQ_OUT_XOFF), on_xoff, NULL);
  return serial_link_plug();
}

void serial_link_poll(void) {
  if (master_fd < 0) return;
  if (from_host_done == from_host_len) {
    /* EAGAIN (nothing sent) and EIO (no host has the port open) both mean: no bytes now. */
    ssize_t n = read(master_fd, from_host, sizeof from_host);
    if (n > 0) {
      from_host_len = (size_t)n;
      from_host_done = 0;
    }
  }
  feed_uart();
  while (to_host_count > 0) {
    size_t chunk = TO_HOST_BYTES - to_host_head;
    if (chunk > to_host_count) chunk = to_host_count;
    ssize_t n = write(master_fd, to_host + to_host_head, chunk);
    if (n <= 0) break;
    to_host_head = (to_host_head + (size_t)n) % TO_HOST_BYTES;
    to_host_count -= (size_t)n;
  }
}
