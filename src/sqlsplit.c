/* sqlsplit.c - placeholder until written. */
#include "config.h"
