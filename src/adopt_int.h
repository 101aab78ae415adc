/* adopt_int.h - private to adopt_*.c. */
#ifndef RT_ADOPT_INT_H
#define RT_ADOPT_INT_H

/* The driver program (adopt_driver.c). */
extern const char rt_adopt_driver_py[];

/* Exit status of the driver when Alembic or SQLAlchemy cannot be imported. */
#define RT_ADOPT_NO_ALEMBIC 3

#endif
