/* The axes (see motion.h). Integer maths only: positions and velocities in Q16 (counts × 2^16), time in
 * motion ticks of 1/1024 s, so a tick's displacement is velocity >> 10 and an acceleration's velocity
 * step per tick is acc × 64, both exact. Clause references are to PROTOCOL.md. */
#include "motion.h"

#include <string.h>

#include "config.h"
#include "numbers.h"
#include "platform.h"
#include "session.h"

#define ONE_Q ((int64_t)1 << SE_Q)
/** counts/s² -> Q16 counts/s gained per tick: acc × 2^16 / 1024. */
#define ACC_PER_TICK_Q(acc) ((int64_t)(acc) << (SE_Q - SE_TICK_SHIFT))

typedef enum { M_IDLE = 0, M_MOVE, M_JOG, M_STOP, M_HOME } motion_kind;
typedef enum { RAMP_UP = 0, RAMP_CRUISE, RAMP_DOWN } ramp_phase;
typedef enum { HOME_SEARCH = 0, HOME_SEARCH_STOP, HOME_BACKOFF, HOME_BACKOFF_STOP } home_phase;

typedef struct {
  uint16_t seq;
  /** §v2 Triggered moves: 1 for a TMOVE; `src`, `at` and `dir` are its trigger. */
  uint8_t triggered;
  uint8_t src;
  int8_t dir;
  int64_t target;
  int64_t at;
  int32_t vel;
  int32_t acc;
} queued_move;

typedef struct {
  /** Commanded position (power-on frame) and velocity, Q16. */
  int64_t pos_q;
  int64_t vel_q;
  int64_t prev_pos_q;
  /** Physical minus reported position, counts; HOME sets it. */
  int64_t offset;
  uint8_t motion;
  uint8_t enabled;
  uint8_t fault;
  uint8_t homed;
  /* The running profile. */
  uint8_t phase;
  uint8_t clamped;
  int8_t dir;
  /** A TMOVE at the head of the queue waits for its trigger. */
  uint8_t armed;
  int32_t ramp_steps;
  /** ramp_steps × acc_tick_q, kept up to date so no tick multiplies. */
  int64_t ramp_speed_q;
  int64_t target_q;
  int64_t vmax_q;
  int64_t acc_tick_q;
  int64_t ramp_dist_q;
  int64_t residual_q;
  /** Jog and stop: the velocity being approached. */
  int64_t jog_vel_q;
  uint8_t home_phase;
  int64_t home_start_q;
  /* Limits (§Commands SET). */
  int64_t min;
  int64_t max;
  int32_t vmax;
  int32_t amax;
  int32_t ferr;
  queued_move queue[SE_QUEUE_DEPTH];
  uint8_t q_head;
  uint8_t q_count;
} axis_state;

static struct {
  axis_state axis[SE_AXES];
  uint8_t estop_latched;
  uint8_t estop_input;
  uint8_t watchdog_fault;
  uint16_t stream_hz;
  uint64_t next_stream_ms;
  /** The motion tick being run, and its time in whole ms since boot. */
  uint64_t tick;
  uint64_t now_ms;
} m;

static const uint8_t outputs[SE_AXES] = SE_AXIS_OUTPUTS;

/* ---- small helpers ---- */

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }
/** v × dir for dir = ±1, without a 64-bit multiplication (a library call on AVR). */
static int64_t signed_by(int64_t v, int8_t dir) { return dir < 0 ? -v : v; }
static int64_t floor_counts(int64_t q) { return q >> SE_Q; }
static int64_t reported(const axis_state *a) { return floor_counts(a->pos_q) - a->offset; }

static int32_t clamp32(int64_t v) {
  if (v > SE_INT32_MAX) return (int32_t)SE_INT32_MAX;
  if (v < -SE_INT32_MAX) return (int32_t)-SE_INT32_MAX;
  return (int32_t)v;
}

static queued_move *head(axis_state *a) { return a->q_count ? &a->queue[a->q_head] : 0; }

static void pop(axis_state *a) {
  a->q_head = (uint8_t)((a->q_head + 1u) % SE_QUEUE_DEPTH);
  a->q_count--;
}

static void emit(uint8_t type, uint8_t axis, uint8_t detail, uint16_t seq, int64_t value) {
  se_event event = {type, axis, detail, seq, value};
  se_session_event(&event);
}

static uint8_t axis_number(const axis_state *a) { return (uint8_t)(a - m.axis + 1); }

static void latch_fault(axis_state *a, uint8_t code) {
  if (a->fault != SE_FAULT_NONE) return;
  a->fault = code;
  emit(SE_EV_FAULT, axis_number(a), code, 0, 0);
}

/** Every running and queued move gets exactly one ABORTED (§Commands MOVE, STOP). */
static void abort_moves(axis_state *a, uint8_t why) {
  while (a->q_count) {
    queued_move *move = head(a);
    emit(SE_EV_ABORTED, axis_number(a), why, move->seq, reported(a));
    pop(a);
  }
  a->armed = 0;
}

/** Stop dead (drive off, e-stop, following error). */
static void halt_now(axis_state *a, uint8_t why) {
  abort_moves(a, why);
  a->motion = M_IDLE;
  a->vel_q = 0;
  /* Land on a whole count, so the outputs and the reported position agree. */
  a->pos_q = floor_counts(a->pos_q) * ONE_Q;
}

/** Controlled stop at `acc` counts/s². */
static void begin_stop(axis_state *a, int64_t acc_tick_q) {
  if (a->vel_q == 0) {
    a->motion = M_IDLE;
    a->pos_q = floor_counts(a->pos_q) * ONE_Q;
    return;
  }
  a->motion = M_STOP;
  a->jog_vel_q = 0;
  a->acc_tick_q = acc_tick_q;
}

/* ---- profiles ---- */

/** A trapezoid from rest at the current position to `target` (§Commands MOVE). */
static void start_profile(axis_state *a, int64_t target, int32_t vel, int32_t acc) {
  a->target_q = target * ONE_Q;
  a->dir = a->target_q >= a->pos_q ? 1 : -1;
  a->vmax_q = (int64_t)vel << SE_Q;
  a->acc_tick_q = ACC_PER_TICK_Q(acc);
  a->phase = RAMP_UP;
  a->clamped = 0;
  a->ramp_steps = 0;
  a->ramp_speed_q = 0;
  a->ramp_dist_q = 0;
  a->residual_q = 0;
  a->vel_q = 0;
  a->motion = M_MOVE;
}

static void start_next_move(axis_state *a) {
  queued_move *move = head(a);
  if (!move || a->motion != M_IDLE) return;
  if (move->triggered && !a->armed) {
    /* §v2 Triggered moves: armed at the head of the queue; LATE if the source is already past `at`. */
    const axis_state *src = &m.axis[move->src - 1];
    if (signed_by(reported(src) - move->at, move->dir) >= 0) {
      emit(SE_EV_ABORTED, axis_number(a), SE_WHY_LATE, move->seq, reported(a));
      pop(a);
      start_next_move(a);
      return;
    }
    a->armed = 1;
    return;
  }
  if (move->triggered) return; /* armed: the trigger check starts it */
  start_profile(a, move->target, move->vel, move->acc);
}

static void finish_move(axis_state *a) {
  queued_move *move = head(a);
  a->pos_q = a->target_q;
  a->vel_q = 0;
  a->motion = M_IDLE;
  a->armed = 0;
  if (move) {
    emit(SE_EV_DONE, axis_number(a), 0, move->seq, reported(a));
    pop(a);
  }
  start_next_move(a);
}

/** A tick's travel at a speed going from `from` to `to`: their mean (trapezoidal integration), so a
 * ramp covers exactly acc·t²/2 and crossing times agree with the ideal profile. */
static int64_t travel(int64_t from, int64_t to) { return (from + to) >> (SE_TICK_SHIFT + 1); }

/**
 * One tick of a rest-to-rest trapezoid. The ramp up goes on only while the ramp down that mirrors it
 * (the same speed levels in reverse, so exactly the same distance) still fits behind this tick. What is
 * left when the ramp down starts (less than two ticks' travel) is spent as ticks that hold a speed,
 * each at the highest level it fits under, so the speed never rises again; the axis lands on the
 * target to within the last level's travel, a fraction of a count.
 */
static void profile_tick(axis_state *a) {
  int64_t remaining = signed_by(a->target_q - a->pos_q, a->dir);
  int64_t speed = signed_by(a->vel_q, a->dir);
  int64_t step = 0;
  if (a->phase == RAMP_UP) {
    int64_t next = speed + a->acc_tick_q;
    uint8_t clamp = next >= a->vmax_q;
    if (clamp) next = a->vmax_q;
    int64_t next_step = travel(speed, next);
    if (remaining - next_step < a->ramp_dist_q + next_step) {
      /* The previous tick left room for its mirror, so the leftover is never negative. */
      a->phase = RAMP_DOWN;
      a->residual_q = remaining - a->ramp_dist_q;
    } else {
      speed = next;
      step = next_step;
      a->ramp_dist_q += step;
      if (clamp) {
        a->clamped = 1;
        a->phase = RAMP_CRUISE;
      } else {
        a->ramp_steps++;
        a->ramp_speed_q = speed;
      }
    }
  } else if (a->phase == RAMP_CRUISE) {
    step = speed >> SE_TICK_SHIFT;
    if (remaining - step < a->ramp_dist_q) {
      a->phase = RAMP_DOWN;
      a->residual_q = remaining - a->ramp_dist_q;
      step = 0;
    }
  }
  if (a->phase == RAMP_DOWN) {
    if (a->residual_q < 0) a->residual_q = 0; /* rounding: land a sliver early rather than overshoot */
    int64_t hold = speed >> SE_TICK_SHIFT;
    if (a->residual_q > 0 && hold > 0 && a->residual_q >= hold) {
      step = hold;
      a->residual_q -= hold;
    } else {
      int64_t lower = 0;
      if (a->clamped) {
        a->clamped = 0;
        lower = a->ramp_speed_q;
      } else if (a->ramp_steps > 0) {
        a->ramp_steps--;
        a->ramp_speed_q -= a->acc_tick_q;
        lower = a->ramp_speed_q;
      }
      step = travel(speed, lower);
      speed = lower;
    }
    if (step >= remaining || (speed == 0 && step == 0)) {
      finish_move(a);
      return;
    }
  }
  if (step >= remaining) {
    finish_move(a);
    return;
  }
  a->vel_q = signed_by(speed, a->dir);
  a->pos_q += signed_by(step, a->dir);
}

/** Jog, stop and homing runs: approach `jog_vel_q` at `acc_tick_q`. Returns 1 when it is reached. */
static uint8_t velocity_tick(axis_state *a) {
  int64_t before = a->vel_q;
  if (a->vel_q < a->jog_vel_q) {
    a->vel_q += a->acc_tick_q;
    if (a->vel_q > a->jog_vel_q) a->vel_q = a->jog_vel_q;
  } else if (a->vel_q > a->jog_vel_q) {
    a->vel_q -= a->acc_tick_q;
    if (a->vel_q < a->jog_vel_q) a->vel_q = a->jog_vel_q;
  }
  a->pos_q += travel(before, a->vel_q);
  return (uint8_t)(a->vel_q == a->jog_vel_q);
}

static void settle(axis_state *a) {
  a->motion = M_IDLE;
  a->vel_q = 0;
  a->pos_q = floor_counts(a->pos_q) * ONE_Q;
}

/* ---- homing (§Commands HOME): search for the switch, back off until it releases, stop, set 0 ---- */

static void home_run(axis_state *a, int64_t velocity) {
  a->jog_vel_q = velocity * ONE_Q;
  a->acc_tick_q = ACC_PER_TICK_Q(SE_HOME_ACCELERATION);
}

static void home_tick(axis_state *a) {
  uint8_t closed = se_platform_home_switch(axis_number(a));
  uint8_t reached = velocity_tick(a);
  switch (a->home_phase) {
    case HOME_SEARCH:
      if (closed) {
        a->home_phase = HOME_SEARCH_STOP;
        home_run(a, 0);
      } else if (abs64(a->pos_q - a->home_start_q) >= (int64_t)SE_HOME_SEARCH_RANGE * ONE_Q) {
        /* No switch within the search range: homing failed. */
        latch_fault(a, SE_FAULT_HOME);
        begin_stop(a, a->acc_tick_q);
      }
      return;
    case HOME_SEARCH_STOP:
      if (reached) {
        a->home_phase = HOME_BACKOFF;
        home_run(a, -SE_HOME_DIRECTION * SE_HOME_BACKOFF_VELOCITY);
      }
      return;
    case HOME_BACKOFF:
      if (!closed) {
        a->home_phase = HOME_BACKOFF_STOP;
        home_run(a, 0);
      }
      return;
    default:
      if (reached) {
        /* Standing just off the switch: this is 0. */
        settle(a);
        a->offset = floor_counts(a->pos_q);
        a->homed = 1;
        emit(SE_EV_HOMED, axis_number(a), 0, 0, 0);
      }
      return;
  }
}

/* ---- per-tick work ---- */

static void check_limits(axis_state *a) {
  /* A jog ran into a soft limit: stop there and latch LIMIT (§Events FAULT). */
  if (a->motion != M_JOG && a->motion != M_STOP) return;
  int64_t pos = reported(a);
  if ((a->vel_q < 0 && pos <= a->min) || (a->vel_q > 0 && pos >= a->max)) {
    int64_t limit = a->vel_q < 0 ? a->min : a->max;
    a->pos_q = (limit + a->offset) * ONE_Q;
    settle(a);
    latch_fault(a, SE_FAULT_LIMIT);
  }
}

static void check_following_error(axis_state *a) {
  int64_t actual;
  if (!a->enabled || !se_platform_feedback(axis_number(a), &actual)) return;
  if (abs64(floor_counts(a->pos_q) - actual) <= a->ferr) return;
  /* The axis cannot follow its command: drive off, moves ABORTED (§Events FAULT code=FERR). */
  latch_fault(a, SE_FAULT_FERR);
  /* The axis is where its feedback says: the moves are ABORTED there, and the command holds it. */
  a->pos_q = actual * ONE_Q;
  halt_now(a, SE_WHY_FAULT);
  a->enabled = 0;
}

static void check_trigger(axis_state *a) {
  queued_move *move = head(a);
  if (!a->armed || !move) return;
  const axis_state *src = &m.axis[move->src - 1];
  int64_t at_q = (move->at + src->offset) * ONE_Q;
  int64_t before = signed_by(src->prev_pos_q - at_q, move->dir);
  int64_t after = signed_by(src->pos_q - at_q, move->dir);
  if (before >= 0 || after < 0) return;
  /* §v2 Triggered moves: the source crossed `at` in `dir` during this tick. `t` is the instant within
   * the tick, interpolated (one division, on a crossing only), so it is the profile's time of the
   * crossing rather than the tick's. */
  int64_t fraction_1024 = (-before * 1024) / (after - before);
  int64_t t_ms = (int64_t)((((m.tick - 1u) << SE_TICK_SHIFT) + (uint64_t)fraction_1024) * 1000u >> (2 * SE_TICK_SHIFT));
  a->armed = 0;
  emit(SE_EV_STARTED, axis_number(a), 0, move->seq, t_ms);
  start_profile(a, move->target, move->vel, move->acc);
}

static void axis_tick(axis_state *a) {
  switch (a->motion) {
    case M_MOVE:
      profile_tick(a);
      break;
    case M_JOG:
      if (velocity_tick(a) && a->jog_vel_q == 0) settle(a);
      break;
    case M_STOP:
      if (velocity_tick(a)) {
        settle(a);
        start_next_move(a);
      }
      break;
    case M_HOME:
      home_tick(a);
      break;
    default:
      break;
  }
  check_limits(a);
}

void se_motion_tick(uint64_t tick) {
  uint64_t now_ms = (tick * 1000u) >> SE_TICK_SHIFT;
  m.tick = tick;
  m.now_ms = now_ms;
  for (uint8_t i = 0; i < SE_AXES; i++) m.axis[i].prev_pos_q = m.axis[i].pos_q;
  for (uint8_t i = 0; i < SE_AXES; i++) axis_tick(&m.axis[i]);
  for (uint8_t i = 0; i < SE_AXES; i++) {
    check_trigger(&m.axis[i]);
    check_following_error(&m.axis[i]);
  }
  if (m.stream_hz && now_ms >= m.next_stream_ms) {
    uint32_t period_ms = 1000u / m.stream_hz;
    /* Fixed rate; a late loop skips samples rather than bunching them. */
    m.next_stream_ms += period_ms;
    if (m.next_stream_ms <= now_ms) m.next_stream_ms = now_ms + period_ms;
    /* Telemetry never queues behind a backed-up line: a POS sample is superseded by the next. */
    if (se_platform_tx_pending() <= SE_RX_BYTES) {
      int64_t pos[SE_AXES];
      int32_t vel[SE_AXES];
      for (uint8_t i = 0; i < SE_AXES; i++) {
        pos[i] = reported(&m.axis[i]);
        vel[i] = clamp32(m.axis[i].vel_q >> SE_Q);
      }
      se_session_position_sample(now_ms, pos, vel, SE_AXES);
    }
  }
}

/* ---- commands ---- */

static uint8_t state_of(const axis_state *a) {
  if (m.estop_latched) return SE_ST_ESTOP;
  if (a->fault != SE_FAULT_NONE || m.watchdog_fault) return SE_ST_FAULT;
  if (!a->enabled) return SE_ST_DISABLED;
  if (a->motion == M_HOME) return SE_ST_HOMING;
  if (a->motion != M_IDLE) return SE_ST_MOVING;
  return SE_ST_IDLE;
}

static void refuse_state(se_reply *reply, uint8_t st) {
  reply->code = SE_ERR_STATE;
  reply->st = st;
}

/** ERR STATE unless the axis is enabled, fault-free and in a motion of `allowed` (a bit per kind). */
static uint8_t refuse_motion(const axis_state *a, uint8_t allowed, se_reply *reply) {
  if (a->fault != SE_FAULT_NONE) refuse_state(reply, SE_ST_FAULT);
  else if (!a->enabled) refuse_state(reply, SE_ST_DISABLED);
  else if (!(allowed & (1u << a->motion))) refuse_state(reply, a->motion == M_HOME ? SE_ST_HOMING : SE_ST_MOVING);
  return (uint8_t)(reply->code != SE_OK);
}

static void get(axis_state *a, se_reply *reply) {
  queued_move *move = head(a);
  int64_t actual;
  reply->kind = SE_REPLY_GET;
  /* pos is where the axis is: its feedback where it has one, else its commanded position. */
  reply->pos = se_platform_feedback(axis_number(a), &actual) ? actual - a->offset : reported(a);
  reply->vel = clamp32(a->vel_q >> SE_Q);
  /* §v2 Fields tgt: a running move's target; otherwise the commanded position. */
  reply->tgt = a->motion == M_MOVE ? floor_counts(a->target_q) - a->offset : reported(a);
  reply->st = state_of(a);
  reply->q = a->q_count;
  reply->run = move ? move->seq : 0;
}

static void set(axis_state *a, uint8_t key, int64_t value, se_reply *reply) {
  switch (key) {
    case SE_KEY_MIN:
      if (value >= a->max) reply->code = SE_ERR_RANGE;
      else a->min = value;
      return;
    case SE_KEY_MAX:
      if (value <= a->min) reply->code = SE_ERR_RANGE;
      else a->max = value;
      return;
    default:
      if (value <= 0) {
        reply->code = SE_ERR_RANGE;
        return;
      }
      if (key == SE_KEY_VMAX) a->vmax = (int32_t)value;
      if (key == SE_KEY_AMAX) a->amax = (int32_t)value;
      if (key == SE_KEY_FERR) a->ferr = (int32_t)value;
      return;
  }
}

static void queue_move(axis_state *a, const se_command *cmd, se_reply *reply) {
  if (refuse_motion(a, (1u << M_IDLE) | (1u << M_MOVE) | (1u << M_STOP), reply)) return;
  int64_t target = cmd->arg[1];
  if (target < a->min || target > a->max || cmd->arg[2] > a->vmax || cmd->arg[3] > a->amax) {
    reply->code = SE_ERR_RANGE;
    return;
  }
  if (a->q_count >= SE_QUEUE_DEPTH) {
    reply->code = SE_ERR_QFULL;
    return;
  }
  queued_move *move = &a->queue[(a->q_head + a->q_count) % SE_QUEUE_DEPTH];
  memset(move, 0, sizeof *move);
  move->seq = cmd->seq;
  move->target = target + a->offset;
  move->vel = (int32_t)cmd->arg[2];
  move->acc = (int32_t)cmd->arg[3];
  if (cmd->verb == SE_VERB_TMOVE) {
    move->triggered = 1;
    move->src = (uint8_t)cmd->arg[4];
    move->at = cmd->arg[5];
    move->dir = (int8_t)cmd->arg[6];
  }
  a->q_count++;
  if (a->motion == M_IDLE) start_next_move(a);
}

static void jog(axis_state *a, const se_command *cmd, se_reply *reply) {
  if (refuse_motion(a, (1u << M_IDLE) | (1u << M_JOG) | (1u << M_STOP), reply)) return;
  if (a->q_count > 0) {
    refuse_state(reply, SE_ST_MOVING);
    return;
  }
  int64_t vel = cmd->arg[1];
  int64_t acc = cmd->arg[2];
  int64_t pos = reported(a);
  if (abs64(vel) > a->vmax || acc > a->amax || (vel > 0 && pos >= a->max) || (vel < 0 && pos <= a->min)) {
    reply->code = SE_ERR_RANGE;
    return;
  }
  if (vel == 0 && a->motion == M_IDLE) return;
  a->motion = M_JOG;
  a->jog_vel_q = vel * ONE_Q;
  a->acc_tick_q = ACC_PER_TICK_Q(acc);
}

static void home(axis_state *a, se_reply *reply) {
  if (refuse_motion(a, 1u << M_IDLE, reply)) return;
  a->motion = M_HOME;
  a->homed = 0;
  a->home_start_q = a->pos_q;
  a->vel_q = 0;
  if (se_platform_home_switch(axis_number(a))) {
    a->home_phase = HOME_BACKOFF;
    home_run(a, -SE_HOME_DIRECTION * SE_HOME_BACKOFF_VELOCITY);
  } else {
    a->home_phase = HOME_SEARCH;
    home_run(a, SE_HOME_DIRECTION * SE_HOME_VELOCITY);
  }
}

/** §Commands STOP: controlled stop; running and queued moves each get ABORTED; homing fails. */
static void stop(axis_state *a) {
  if (a->motion == M_IDLE && a->q_count == 0) return;
  if (a->motion == M_HOME) latch_fault(a, SE_FAULT_HOME);
  abort_moves(a, SE_WHY_STOP);
  begin_stop(a, a->motion == M_HOME ? ACC_PER_TICK_Q(SE_HOME_ACCELERATION) : a->acc_tick_q);
}

static void disable(axis_state *a) {
  if (a->motion == M_HOME) latch_fault(a, SE_FAULT_HOME);
  halt_now(a, SE_WHY_STOP);
  a->enabled = 0;
}

void se_motion_execute(const se_command *cmd, se_reply *reply) {
  switch (cmd->verb) {
    case SE_VERB_PING:
      return;
    case SE_VERB_RESET:
      /* §Commands RESET: not while the e-stop input is held. */
      if (m.estop_input) {
        reply->code = SE_ERR_ESTOP;
        return;
      }
      m.estop_latched = 0;
      m.watchdog_fault = 0;
      for (uint8_t i = 0; i < SE_AXES; i++) m.axis[i].fault = SE_FAULT_NONE;
      return;
    case SE_VERB_STREAM:
      if (cmd->arg[0] > SE_STREAM_MAX_HZ) {
        reply->code = SE_ERR_RANGE;
        return;
      }
      m.stream_hz = (uint16_t)cmd->arg[0];
      if (m.stream_hz) m.next_stream_ms = m.now_ms + 1000u / m.stream_hz;
      return;
    case SE_VERB_STOP:
      if (cmd->arg[0] > SE_AXES) {
        reply->code = SE_ERR_AXIS;
        return;
      }
      for (uint8_t i = 0; i < SE_AXES; i++) {
        if (cmd->arg[0] == 0 || cmd->arg[0] == i + 1) stop(&m.axis[i]);
      }
      return;
    default:
      break;
  }
  if (cmd->arg[0] < 1 || cmd->arg[0] > SE_AXES) {
    reply->code = SE_ERR_AXIS;
    return;
  }
  axis_state *a = &m.axis[cmd->arg[0] - 1];
  switch (cmd->verb) {
    case SE_VERB_GET:
      get(a, reply);
      return;
    case SE_VERB_SET:
      set(a, (uint8_t)cmd->arg[1], cmd->arg[2], reply);
      return;
    case SE_VERB_DISABLE:
      disable(a);
      return;
    default:
      break;
  }
  /* Motion verbs (§Device rule 5): refused while e-stopped, and while the watchdog fault is latched. */
  if (m.estop_latched) {
    reply->code = SE_ERR_ESTOP;
    return;
  }
  if (m.watchdog_fault) {
    refuse_state(reply, SE_ST_FAULT);
    return;
  }
  switch (cmd->verb) {
    case SE_VERB_ENABLE:
      if (a->fault != SE_FAULT_NONE) refuse_state(reply, SE_ST_FAULT);
      else a->enabled = 1;
      return;
    case SE_VERB_MOVE:
    case SE_VERB_TMOVE:
      queue_move(a, cmd, reply);
      return;
    case SE_VERB_JOG:
      jog(a, cmd, reply);
      return;
    case SE_VERB_RENEW:
      /* §v2 Jog lease: ERR STATE if the axis is not jogging. */
      if (a->motion != M_JOG) refuse_state(reply, state_of(a));
      return;
    case SE_VERB_HOME:
      home(a, reply);
      return;
    default:
      reply->code = SE_ERR_VERB;
      return;
  }
}

/* ---- device-wide ---- */

void se_motion_boot(void) {
  memset(&m, 0, sizeof m);
  for (uint8_t i = 0; i < SE_AXES; i++) {
    axis_state *a = &m.axis[i];
    uint8_t servo = outputs[i] == SE_OUTPUT_SERVO;
    /* A v1-only build ships with limits inside its 32-bit wire, so a jog faults LIMIT before the
     * reported position would overflow (as the TypeScript simulator's v1 device does). */
    int64_t wide = SE_MAX_PROTOCOL >= 2 ? SE_POSITION_MAX : 2000000000LL;
    a->min = servo ? -SE_SERVO_HALF_RANGE_US : -wide;
    a->max = servo ? SE_SERVO_HALF_RANGE_US : wide;
    a->vmax = SE_DEFAULT_VMAX;
    a->amax = SE_DEFAULT_AMAX;
    a->ferr = SE_DEFAULT_FERR;
  }
}

void se_motion_estop(void) {
  m.estop_latched = 1;
  for (uint8_t i = 0; i < SE_AXES; i++) {
    axis_state *a = &m.axis[i];
    if (a->motion == M_HOME) latch_fault(a, SE_FAULT_HOME);
    halt_now(a, SE_WHY_ESTOP);
    a->enabled = 0;
  }
}

void se_motion_watchdog(void) {
  m.watchdog_fault = 1;
  for (uint8_t i = 0; i < SE_AXES; i++) {
    axis_state *a = &m.axis[i];
    if (a->motion == M_IDLE && a->q_count == 0) continue;
    if (a->motion == M_HOME) latch_fault(a, SE_FAULT_HOME);
    abort_moves(a, SE_WHY_FAULT);
    begin_stop(a, a->motion == M_HOME ? ACC_PER_TICK_Q(SE_HOME_ACCELERATION) : a->acc_tick_q);
  }
}

void se_motion_session_started(void) { m.stream_hz = 0; }

uint8_t se_motion_lease_expired(uint8_t axis, int64_t *pos) {
  axis_state *a = &m.axis[axis - 1];
  if (a->motion != M_JOG) return 0;
  *pos = reported(a);
  begin_stop(a, a->acc_tick_q);
  return 1;
}

uint8_t se_motion_set_estop_input(uint8_t active) {
  uint8_t rising = (uint8_t)(active && !m.estop_input);
  m.estop_input = active;
  return rising;
}

int64_t se_motion_output_counts(uint8_t axis) { return floor_counts(m.axis[axis - 1].pos_q); }
uint8_t se_motion_output_enabled(uint8_t axis) { return m.axis[axis - 1].enabled; }

uint8_t se_motion_latched(void) {
  uint8_t latched = (uint8_t)(m.estop_latched || m.watchdog_fault);
  for (uint8_t i = 0; i < SE_AXES; i++) latched |= (uint8_t)(m.axis[i].fault != SE_FAULT_NONE);
  return latched;
}
