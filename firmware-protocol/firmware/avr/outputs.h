/* Axis outputs: step/dir pulses from Timer4, hobby-servo pulses from Timer1, drive enables. */
#ifndef SE_AVR_OUTPUTS_H
#define SE_AVR_OUTPUTS_H

#include <stdint.h>

void se_outputs_init(void);
/** Copies the motion core's commanded positions and enables to the interrupt handlers. */
void se_outputs_update(void);

#endif
