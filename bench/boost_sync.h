/*
 * boost_sync: Boost.Interprocess's interprocess_mutex for bench_sync, as
 * C-callable functions (boost_sync.cpp). The mutex lives in memory the
 * caller gives, MAP_SHARED so that forked children share it.
 */
#ifndef BENCH_BOOST_SYNC_H
#define BENCH_BOOST_SYNC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes (and alignment, at most 64) an interprocess_mutex needs. */
size_t boost_sync_mutex_size(void);

/** Construct an interprocess_mutex in `mem`; 0, or -1 when Boost threw. */
int boost_sync_mutex_init(void *mem);

/** Lock and unlock the mutex in `mem`; 0, or -1 when Boost threw. */
int boost_sync_lock(void *mem);
int boost_sync_unlock(void *mem);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_BOOST_SYNC_H */
