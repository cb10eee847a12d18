/* Home switches and the e-stop input of the Mega 2560 (board.h). */
#ifndef SE_AVR_INPUTS_H
#define SE_AVR_INPUTS_H

#include <stdint.h>

void se_inputs_init(void);
/** 1 while the e-stop contact is open (pressed or cut). */
uint8_t se_inputs_estop_active(void);

#endif
