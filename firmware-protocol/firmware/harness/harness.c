/* Runs the firmware ELF in simavr (libsimavr) as an ATmega2560 at 16 MHz, paced to real time, with
 * UART0 bridged to a pseudo-terminal (serial_link.c: the board's USB cable). It prints `PTY <path>`
 * and then `READY <path>` on stdout once the host may open the path. Optionally it records every edge of the
 * output pins with its cycle time, simulates the home switches from the step count or pulse width it
 * sees, and takes commands on stdin:
 *   estop 0|1      the e-stop input: 1 opens the normally-closed contact (stop), 0 closes it
 *   stats          prints `STATS cycles=<n> loops=<main-loop passes> loop_max_us=<longest pass>
 *                  late_max_us=<longest lag behind the wall clock> late_total_us=<all lag>`
 *   pos <axis>     prints `POS <axis> <position from the pins>`: step count, or pulse width - 1500
 *   reboot         resets the MCU, as the reset button does, between two lines on the wire (the
 *                  firmware boots and says BOOT); prints `OK reboot` once done
 *   unplug         pulls the USB cable: the pty closes (an open host sees a hangup) and the link goes;
 *                  the MCU runs on (serial_link.c says which board this models); prints `OK unplug`
 *   replug         plugs it in again: a new pty at the same link; prints `OK replug <pty path>`
 *   quit           ends the run (so does EOF on stdin, or SIGTERM)
 *
 * With --trace it also prints `EXEC <verb number> <seq> <device ms>` for every command the firmware
 * executes and every HELLO (the firmware writes them to GPIOR0-2; core/commands.h numbers the verbs).
 *
 * Usage: servo-edge-harness ELF [--trace] [--edges FILE] [--link PATH] [--home-switch [AXIS:]COUNTS|AXIS:none]...
 *                           [--no-pacing]
 * --home-switch COUNTS applies to every axis; AXIS:COUNTS or AXIS:none to one (none: no switch).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "avr_ioport.h"
#include "avr_uart.h"
#include "serial_link.h"
#include "sim_avr.h"
#include "sim_elf.h"
#include "sim_io.h"
#include "sim_irq.h"

#define F_CPU_HZ 16000000ull
#define AXES 4
/* The pin map of avr/board.h. */
#define STEP_PORT 'A'
#define ENABLE_PORT 'C'
#define SERVO_PORT 'L'
#define HOME_PORT 'K'
#define ESTOP_PORT 'K'
#define ESTOP_BIT 4
#define HEARTBEAT_PORT 'B'
#define HEARTBEAT_BIT 6

static avr_t *avr;
static FILE *edges;
static volatile sig_atomic_t stopping;

typedef struct {
  int64_t steps;
  int dir_up;
  uint64_t servo_rise_cycle;
  int64_t servo_width_us;
  int is_servo;
  int switch_closed;
} axis_pins;

static axis_pins axes[AXES];
/* Per axis: whether it has a simulated home switch, and where it closes. */
static int has_home_switch[AXES];
static int64_t home_switch_counts[AXES];
static int estop_level;
/* The reset pin, pressed between two lines: a reset mid-line would glue the rest of the host's view of
 * that line to BOOT, and the host would lose BOOT with it (the simulator's reboot, too, falls between
 * lines). `reboot` waits for the line on the wire to end. */
static int reboot_pending;
static int tx_at_line_start = 1;
static uint64_t last_heartbeat_cycle;
static uint64_t loop_max_cycles;
static uint64_t loop_passes;

static avr_irq_t *pin_irq(char port, int bit) { return avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(port), bit); }

/* What drives each port's input pins from outside, per port letter: simavr's SET_EXTERNAL takes the
 * whole port at once, so the bits set before are kept here. */
static uint8_t external_mask[26];
static uint8_t external_value[26];

/* Drives an input pin from outside, over the firmware's pull-up (a switch or contact to GND). */
static void drive_input(char port, int bit, int level) {
  int p = port - 'A';
  external_mask[p] |= (uint8_t)(1u << bit);
  if (level) external_value[p] |= (uint8_t)(1u << bit);
  else external_value[p] &= (uint8_t)~(1u << bit);
  avr_ioport_external_t external = {.name = port, .mask = external_mask[p], .value = external_value[p]};
  avr_ioctl(avr, AVR_IOCTL_IOPORT_SET_EXTERNAL(port), &external);
  avr_raise_irq(pin_irq(port, bit), (uint32_t)level);
}

static int64_t axis_position(int i) { return axes[i].is_servo ? axes[i].servo_width_us - 1500 : axes[i].steps; }

/* The simulated home switch: closed at or below home_switch_counts (the firmware homes downward). */
static void update_switch(int i) {
  if (!has_home_switch[i]) return;
  int closed = axis_position(i) <= home_switch_counts[i];
  if (closed == axes[i].switch_closed) return;
  axes[i].switch_closed = closed;
  drive_input(HOME_PORT, i, closed ? 0 : 1);
}

/* The inputs from outside: the e-stop contact and the home switches, as they are now. */
static void drive_inputs(void) {
  drive_input(ESTOP_PORT, ESTOP_BIT, estop_level);
  for (int i = 0; i < AXES; i++) drive_input(HOME_PORT, i, axes[i].switch_closed ? 0 : 1);
}

static void record(char port, int bit, uint32_t level) {
  if (edges) fprintf(edges, "%llu %c%d %u\n", (unsigned long long)avr->cycle, port, bit, level);
}

static void on_step_port(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  int bit = (int)(intptr_t)param;
  int i = bit / 2;
  record(STEP_PORT, bit, value);
  if (bit % 2 == 1) {
    axes[i].dir_up = value != 0;
  } else if (value) {
    /* A rising STEP edge is one step in the direction DIR says. */
    axes[i].steps += axes[i].dir_up ? 1 : -1;
    update_switch(i);
  }
}

static void on_servo_port(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  int i = (int)(intptr_t)param;
  record(SERVO_PORT, i, value);
  if (value) {
    /* Only a pulse makes an axis a servo axis: the pin's setup at boot reports level 0. */
    axes[i].is_servo = 1;
    axes[i].servo_rise_cycle = avr->cycle;
  } else if (axes[i].is_servo) {
    /* Rounded to the microsecond: the firmware times pulses in 0.5 us timer ticks. */
    axes[i].servo_width_us = (int64_t)(((avr->cycle - axes[i].servo_rise_cycle) * 1000000ull + F_CPU_HZ / 2) / F_CPU_HZ);
    update_switch(i);
  }
}

static void on_enable_port(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  record(ENABLE_PORT, (int)(intptr_t)param, value);
}

static void on_heartbeat(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)value;
  (void)param;
  uint64_t now = avr->cycle;
  loop_passes++;
  if (last_heartbeat_cycle != 0 && now - last_heartbeat_cycle > loop_max_cycles) {
    loop_max_cycles = now - last_heartbeat_cycle;
  }
  last_heartbeat_cycle = now;
}

static uint64_t wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static uint64_t late_max_ns;
/** Wall time the simulation fell behind in all, ns: pacing rebases instead of catching up. */
static uint64_t late_total_ns;

/* GPIOR0-2 in data space (I/O address + 0x20): the firmware's execution trace (avr/inputs.c). */
#define GPIOR0_DATA 0x3E
#define GPIOR1_DATA 0x4A
#define GPIOR2_DATA 0x4B

static void on_trace(avr_t *core, avr_io_addr_t addr, uint8_t value, void *param) {
  (void)param;
  core->data[addr] = value;
  unsigned seq = (unsigned)core->data[GPIOR1_DATA] | ((unsigned)core->data[GPIOR2_DATA] << 8);
  printf("EXEC %u %u %llu\n", (unsigned)(value - 1u), seq, (unsigned long long)(core->cycle * 1000u / F_CPU_HZ));
}

static void no_sleep(avr_t *core, avr_cycle_count_t how_long) {
  (void)core;
  (void)how_long;
}

static void on_uart_output(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)param;
  tx_at_line_start = value == '\n';
}

static void reboot_if_pending(void) {
  if (!reboot_pending || !tx_at_line_start) return;
  reboot_pending = 0;
  avr_reset(avr);
  drive_inputs();
  printf("OK reboot\n");
}

static void handle_command(char *line) {
  int value;
  if (sscanf(line, "estop %d", &value) == 1) {
    estop_level = value ? 1 : 0;
    drive_input(ESTOP_PORT, ESTOP_BIT, estop_level);
    printf("OK estop %d\n", value ? 1 : 0);
  } else if (strncmp(line, "stats", 5) == 0) {
    printf("STATS cycles=%llu loops=%llu loop_max_us=%llu late_max_us=%llu late_total_us=%llu\n",
           (unsigned long long)avr->cycle, (unsigned long long)loop_passes,
           (unsigned long long)(loop_max_cycles * 1000000ull / F_CPU_HZ), (unsigned long long)(late_max_ns / 1000u), (unsigned long long)(late_total_ns / 1000u));
  } else if (sscanf(line, "pos %d", &value) == 1 && value >= 1 && value <= AXES) {
    printf("POS %d %lld\n", value, (long long)axis_position(value - 1));
  } else if (strncmp(line, "reboot", 6) == 0) {
    /* The reset pin: the MCU restarts; the pins it drives go back to inputs, the axes stay put. */
    reboot_pending = 1;
  } else if (strncmp(line, "unplug", 6) == 0) {
    serial_link_unplug();
    printf("OK unplug\n");
  } else if (strncmp(line, "replug", 6) == 0) {
    if (serial_link_plug() == 0) printf("OK replug %s\n", serial_link_pty_path());
    else printf("ERR replug %s\n", strerror(errno));
  } else if (strncmp(line, "quit", 4) == 0) {
    stopping = 1;
  } else {
    printf("ERR unknown command\n");
  }
  fflush(stdout);
}

/* Reads whole lines from stdin without blocking; EOF ends the run (the parent is gone). */
static void poll_stdin(void) {
  static char buffer[256];
  static size_t used;
  struct pollfd pfd = {0, POLLIN, 0};
  if (poll(&pfd, 1, 0) <= 0) return;
  ssize_t n = read(0, buffer + used, sizeof buffer - 1 - used);
  if (n <= 0) {
    stopping = 1;
    return;
  }
  used += (size_t)n;
  buffer[used] = 0;
  char *lf;
  while ((lf = strchr(buffer, '\n')) != NULL) {
    *lf = 0;
    handle_command(buffer);
    size_t rest = used - (size_t)(lf + 1 - buffer);
    memmove(buffer, lf + 1, rest);
    used = rest;
    buffer[used] = 0;
  }
  if (used == sizeof buffer - 1) used = 0;
}

int main(int argc, char **argv) {
  const char *elf_path = NULL, *edges_path = NULL, *link_path = NULL;
  int pacing = 1;
  int trace = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--edges") == 0 && i + 1 < argc) edges_path = argv[++i];
    else if (strcmp(argv[i], "--link") == 0 && i + 1 < argc) link_path = argv[++i];
    else if (strcmp(argv[i], "--home-switch") == 0 && i + 1 < argc) {
      const char *spec = argv[++i];
      const char *colon = strchr(spec, ':');
      int first = 0, last = AXES - 1;
      if (colon) {
        first = last = atoi(spec) - 1;
        spec = colon + 1;
        if (first < 0 || first >= AXES) {
          fprintf(stderr, "--home-switch: no axis %d\n", first + 1);
          return 2;
        }
      }
      for (int a = first; a <= last; a++) {
        has_home_switch[a] = strcmp(spec, "none") != 0;
        home_switch_counts[a] = strtoll(spec, NULL, 10);
      }
    } else if (strcmp(argv[i], "--no-pacing") == 0) pacing = 0;
    else if (strcmp(argv[i], "--trace") == 0) trace = 1;
    else if (argv[i][0] != '-') elf_path = argv[i];
    else {
      fprintf(stderr, "usage: %s ELF [--trace] [--edges FILE] [--link PATH] [--home-switch [AXIS:]COUNTS|AXIS:none]... [--no-pacing]\n",
              argv[0]);
      return 2;
    }
  }
  if (!elf_path) {
    fprintf(stderr, "no ELF given\n");
    return 2;
  }
  /* simavr's parts print to stdout; keep our protocol lines apart by flushing after each. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);

  elf_firmware_t firmware;
  memset(&firmware, 0, sizeof firmware);
  if (elf_read_firmware(elf_path, &firmware) != 0) {
    fprintf(stderr, "cannot read %s\n", elf_path);
    return 1;
  }
  avr = avr_make_mcu_by_name("atmega2560");
  if (!avr) {
    fprintf(stderr, "simavr has no atmega2560\n");
    return 1;
  }
  avr_init(avr);
  avr_load_firmware(avr, &firmware);
  avr->frequency = (uint32_t)F_CPU_HZ;
  avr->log = 0;
  /* The firmware sleeps between interrupts; simavr would then usleep() for the sleep's length on its
   * own. Pacing is done once, below, against the wall clock. */
  avr->sleep = no_sleep;

  if (edges_path) {
    edges = fopen(edges_path, "w");
    if (!edges) {
      fprintf(stderr, "cannot write %s: %s\n", edges_path, strerror(errno));
      return 1;
    }
    fprintf(edges, "# servo-edge harness pin edges: <cycle at %llu Hz> <port><bit> <level>\n", F_CPU_HZ);
  }
  for (int bit = 0; bit < 2 * AXES; bit++) {
    avr_irq_register_notify(pin_irq(STEP_PORT, bit), on_step_port, (void *)(intptr_t)bit);
  }
  for (int i = 0; i < AXES; i++) {
    avr_irq_register_notify(pin_irq(SERVO_PORT, i), on_servo_port, (void *)(intptr_t)i);
    avr_irq_register_notify(pin_irq(ENABLE_PORT, i), on_enable_port, (void *)(intptr_t)i);
    axes[i].servo_width_us = 1500;
    /* A switch at or above 0 starts closed: the axis powers up on it. */
    axes[i].switch_closed = has_home_switch[i] && home_switch_counts[i] >= 0;
  }
  avr_irq_register_notify(pin_irq(HEARTBEAT_PORT, HEARTBEAT_BIT), on_heartbeat, NULL);
  if (trace) avr_register_io_write(avr, GPIOR0_DATA, on_trace, NULL);
  /* The e-stop contact is closed (pin low): the machine may run. Home switches open (high) until the
   * axis reaches its switch. */
  drive_inputs();

  if (serial_link_init(avr, '0', link_path) != 0) {
    fprintf(stderr, "cannot create the pty%s%s: %s\n", link_path ? " at " : "", link_path ? link_path : "",
            strerror(errno));
    return 1;
  }
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_uart_output, NULL);
  printf("PTY %s\n", serial_link_pty_path());
  printf("READY %s\n", link_path ? link_path : serial_link_pty_path());

  /* The wall-clock instant simulated cycle 0 stands for; moved forward when the simulation lags. */
  uint64_t start_ns = wall_ns();
  uint64_t next_check_cycle = 0;
  uint64_t next_link_cycle = 0;
  int state = cpu_Running;
  while (!stopping && state != cpu_Done && state != cpu_Crashed) {
    state = avr_run(avr);
    /* The cable every simulated 250 us: at 115200 baud that is under 3 bytes' time, and the UART's
     * receive FIFO takes more than that between two polls. */
    if (avr->cycle >= next_link_cycle) {
      next_link_cycle = avr->cycle + F_CPU_HZ / 4000u;
      serial_link_poll();
    }
    if (avr->cycle < next_check_cycle) continue;
    /* Every simulated millisecond: stdin, and pacing to the wall clock. */
    next_check_cycle = avr->cycle + F_CPU_HZ / 1000u;
    poll_stdin();
    reboot_if_pending();
    if (!pacing) continue;
    uint64_t sim_ns = avr->cycle * 1000000000ull / F_CPU_HZ;
    uint64_t real_ns = wall_ns() - start_ns;
    if (sim_ns > real_ns + 1000000ull) {
      struct timespec pause = {0, (long)(sim_ns - real_ns)};
      nanosleep(&pause, NULL);
    } else if (real_ns > sim_ns + 2000000ull) {
      /* Behind the wall clock (the machine is busy): never run faster than real time to catch up, or
       * the firmware's timers (the watchdog, leases, evto) would run fast against the host's. The
       * simulation lags instead; `stats` reports the lag since start. */
      late_total_ns += real_ns - sim_ns;
      if (real_ns - sim_ns > late_max_ns) late_max_ns = real_ns - sim_ns;
      start_ns += real_ns - sim_ns;
    }
  }
  if (edges) fclose(edges);
  /* Removes the link with the pty. */
  serial_link_close();
  fflush(stdout);
  _exit(state == cpu_Crashed ? 1 : 0);
}
