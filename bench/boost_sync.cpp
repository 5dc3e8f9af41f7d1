// boost_sync: Boost.Interprocess's process-shared mutex behind the C calls
// of boost_sync.h, so that bench_sync (C) measures it beside the others.
// Each call is one out-of-line call into this file, as multiproc's and
// glibc's calls are calls into their shared libraries.
#include "boost_sync.h"

#include <new>

#include <boost/interprocess/sync/interprocess_mutex.hpp>

using boost::interprocess::interprocess_mutex;

static_assert(alignof(interprocess_mutex) <= 64, "bench_sync aligns its slots to 64 bytes");

extern "C" size_t boost_sync_mutex_size(void)
{
    return sizeof(interprocess_mutex);
}

extern "C" int boost_sync_mutex_init(void *mem)
{
    try {
        new (mem) interprocess_mutex();
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" int boost_sync_lock(void *mem)
{
    try {
        static_cast<interprocess_mutex *>(mem)->lock();
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" int boost_sync_unlock(void *mem)
{
    try {
        static_cast<interprocess_mutex *>(mem)->unlock();
        return 0;
    } catch (...) {
        return -1;
    }
}
