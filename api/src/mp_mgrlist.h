/**
 * @file mp_mgrlist.h
 * @brief The manager's list on the server, split over three files: the
 *        type and its plain methods (manager_list.c), indexing and slices
 *        (manager_list_items.c), searching and arithmetic
 *        (manager_list_ops.c). Each method's `self` is the mp_var_t list.
 */
#ifndef MP_MGRLIST_H
#define MP_MGRLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mp_mgrdata.h"

/** The method's name in messages: "list.NAME". */
#define MP__LIST_M(name) "list." name

/**
 * @brief Python's index into a list of `len`: negative counts from the end.
 * @return whether it names an element (then `*at` is its position).
 */
bool mp__mgrlist_index(int64_t i, size_t len, size_t *at);

/** @brief Python's clamping of a slice bound (or of insert's index):
 *         negative counts from the end, then clamped into [0, len]. */
size_t mp__mgrlist_clamp(int64_t i, size_t len);

/**
 * @brief An index argument: an int, checked to name an element.
 * @param what "list index out of range", the IndexError's message.
 * @return 0 (`*at` set); MP_EINVAL (not an int) or MP_EINDEX, answered.
 */
int mp__mgrlist_index_arg(mp_manager_call_t *call, const char *method, const mp_var_t *v,
                          size_t len, const char *what, size_t *at);

/* The methods of manager_list_items.c: each takes an index ([i]) or a
 * slice ([start, stop], each an int or nil, Python's l[a:b]). */
int mp__mgrlist_getitem(void *self, mp_manager_call_t *call);
int mp__mgrlist_setitem(void *self, mp_manager_call_t *call);
int mp__mgrlist_delitem(void *self, mp_manager_call_t *call);

/* The methods of manager_list_ops.c. */
int mp__mgrlist_remove(void *self, mp_manager_call_t *call);
int mp__mgrlist_find(void *self, mp_manager_call_t *call); /**< "index" */
int mp__mgrlist_count(void *self, mp_manager_call_t *call);
int mp__mgrlist_contains(void *self, mp_manager_call_t *call);
int mp__mgrlist_add(void *self, mp_manager_call_t *call);
int mp__mgrlist_mul(void *self, mp_manager_call_t *call);
int mp__mgrlist_imul(void *self, mp_manager_call_t *call);

#endif /* MP_MGRLIST_H */
