/*
 * C twin of the tutorial's section 2, "Basic Multiprocessing Example:
 * Synchronous Execution Without Multiprocessing": do_something() runs twice,
 * one call after the other, in this one process. It prints
 *
 *     Sleeping for 1 second...
 *     Done sleeping...
 *     Sleeping for 1 second...
 *     Done sleeping...
 *     Finished in 2.0 seconds
 *
 * (the last number is the measured time, rounded as Python's round(x, 2)).
 * It is the baseline that tutorial_parallel.c beats.
 */
#include "example_support.h"

static void do_something(void)
{
    example_say("Sleeping for 1 second...\n");
    example_sleep(1.0);
    example_say("Done sleeping...\n");
}

int main(void)
{
    double start = example_now();

    do_something();
    do_something();

    example_print_finished(start);
    return 0;
}
