/**
 * @file mp_handles.h
 * @brief Handle ids: what a user holds instead of an object's address.
 *
 * A handle is an id (a slot number and that slot's generation, packed into
 * a pointer-sized value), never the object's address. Destroying an object
 * retires its id for good: a slot is reused only under a new generation,
 * and a slot whose generation would wrap is never reused, so a stale handle
 * can never name a newer object (it answers MP_ECLOSED for ever), and an id
 * is looked up, never dereferenced, so a foreign pointer is harmless.
 *
 * Lookups take no lock (they are on every lock acquire); creating and
 * retiring ids take the core lock.
 */
#ifndef MP_HANDLES_H
#define MP_HANDLES_H

#include <stdbool.h>
#include <stddef.h>

/** What an id names, if anything. */
typedef enum mp__handle_state {
    MP__HANDLE_LIVE,    /**< names a live object */
    MP__HANDLE_RETIRED, /**< named an object that was destroyed */
    MP__HANDLE_FOREIGN  /**< was never an id this process handed out */
} mp__handle_state_t;

/**
 * @brief Give `object` a fresh id.
 * @return 0; MP_ENOMEM when memory or the id space (16M live handles) ran out.
 */
int mp__handle_new(void *object, void **id);

/**
 * @brief The object an id names.
 * @param[out] state what the id is (may be NULL).
 * @return the object; NULL unless `*state` is MP__HANDLE_LIVE.
 */
void *mp__handle_get(const void *id, mp__handle_state_t *state);

/** @brief Retire a live id for ever. Ignores anything else. */
void mp__handle_retire(const void *id);

/** @brief mp__handle_retire() for a caller that holds the core lock (an
 *         mp__handle_each() callback). */
void mp__handle_retire_locked(const void *id);

/**
 * @brief Call `fn` on every live object, under the core lock (so `fn` must
 *        not create or retire handles).
 */
void mp__handle_each(void (*fn)(void *object, void *ctx), void *ctx);

#endif /* MP_HANDLES_H */
