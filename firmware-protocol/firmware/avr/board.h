/* The Arduino Mega 2560 pin map (README "Wiring"). Ports and bits of the ATmega2560; Arduino pin
 * numbers in the comments. One pin per job, on whole ports, so the interrupt handlers touch one
 * register each. */
#ifndef SE_AVR_BOARD_H
#define SE_AVR_BOARD_H

#include <avr/io.h>

/* Axis n (1..4) STEP on PORTA bit 2(n-1) (D22 D24 D26 D28), DIR on bit 2(n-1)+1 (D23 D25 D27 D29). */
#define SE_STEP_PORT PORTA
#define SE_STEP_DDR DDRA
#define SE_STEP_BIT(i) (2u * (i))
#define SE_DIR_BIT(i) (2u * (i) + 1u)
/* Axis n ENABLE, active low as on A4988/DRV8825/TB6600 drivers: PORTC bit n-1 (D37 D36 D35 D34). */
#define SE_ENABLE_PORT PORTC
#define SE_ENABLE_DDR DDRC
/* Axis n hobby-servo pulse: PORTL bit n-1 (D49 D48 D47 D46). */
#define SE_SERVO_PORT PORTL
#define SE_SERVO_DDR DDRL
/* Axis n home switch, to GND, internal pull-up, closed = low: PINK bit n-1 (A8 A9 A10 A11). */
#define SE_HOME_PIN PINK
#define SE_HOME_PORT PORTK
#define SE_HOME_DDR DDRK
/* E-stop input: a normally-closed contact from A12 (PK4) to GND, internal pull-up. Pressed, or a wire
 * broken, lets the pin go high: that is the stop, so a cut cable fails safe (§Device rule 5). Not D2:
 * an INTn pin held low is level-sensed by default, which simavr polls every cycle. */
#define SE_ESTOP_PIN PINK
#define SE_ESTOP_PORT PORTK
#define SE_ESTOP_BIT PK4
/* Main-loop heartbeat: D12 (PB6) toggles once per pass, so a logic analyser (or the simavr harness)
 * measures the longest pass. D13 (PB7, the on-board LED) is lit while ESTOP or a fault is latched. */
#define SE_HEARTBEAT_BIT PB6
#define SE_LED_BIT PB7

#endif
