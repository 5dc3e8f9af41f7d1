/* A FIFO of jobs (mp_pool_api.h): a ring that doubles when full. */
#include <stdlib.h>

#include "mp_core.h"
#include "mp_pool_api.h"

int mp__jobq_push(mp__jobq_t *q, mp__job_t *job)
{
    if (q->count == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 16;
        mp__job_t **grown = malloc(cap * sizeof *grown);
        if (!grown)
            return MP_ENOMEM;
        for (size_t i = 0; i < q->count; i++)
            grown[i] = q->jobs[(q->head + i) % q->cap];
        free(q->jobs);
        q->jobs = grown;
        q->cap = cap;
        q->head = 0;
    }
    q->jobs[(q->head + q->count++) % q->cap] = job;
    return 0;
}

mp__job_t *mp__jobq_peek(const mp__jobq_t *q)
{
    return q->count ? q->jobs[q->head] : NULL;
}

mp__job_t *mp__jobq_pop(mp__jobq_t *q)
{
    mp__job_t *job = mp__jobq_peek(q);
    if (job) {
        q->head = (q->head + 1) % q->cap;
        q->count--;
    }
    return job;
}

void mp__jobq_free(mp__jobq_t *q)
{
    for (mp__job_t *job; (job = mp__jobq_pop(q));)
        mp__job_unref(job);
    free(q->jobs);
    *q = (mp__jobq_t){0};
}
