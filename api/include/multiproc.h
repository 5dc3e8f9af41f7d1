/**
 * @file multiproc.h
 * @brief multiproc: Python's multiprocessing and concurrent.futures for C.
 *
 * The only header a program includes. See README.md for a tour and
 * api/CONVENTIONS.md for the rules every header follows.
 */
#ifndef MULTIPROC_H
#define MULTIPROC_H

#include <multiproc/connection.h>
#include <multiproc/context.h>
#include <multiproc/error.h>
#include <multiproc/executor.h>
#include <multiproc/finalize.h>
#include <multiproc/listener.h>
#include <multiproc/log.h>
#include <multiproc/manager.h>
#include <multiproc/manager_containers.h>
#include <multiproc/manager_pool.h>
#include <multiproc/manager_set.h>
#include <multiproc/manager_sync.h>
#include <multiproc/pool.h>
#include <multiproc/process.h>
#include <multiproc/progress.h>
#include <multiproc/queue.h>
#include <multiproc/runtime.h>
#include <multiproc/shm.h>
#include <multiproc/sync.h>
#include <multiproc/task.h>
#include <multiproc/types.h>
#include <multiproc/value.h>
#include <multiproc/var.h>

#endif /* MULTIPROC_H */
