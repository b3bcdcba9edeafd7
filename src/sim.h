#ifndef DFU_SIM_H
#define DFU_SIM_H
#endif
