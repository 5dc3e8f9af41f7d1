/*
 * C twin of the tutorial's multiprocessing.Manager example: a manager
 * serves a list, a child appends to it through its proxy, and the parent,
 * once the child has ended, prints it.
 *
 *     def worker(shared_list):
 *         shared_list.append("Hello from process!")
 *
 *     if __name__ == "__main__":
 *         manager = multiprocessing.Manager()
 *         shared_list = manager.list()
 *
 *         p = multiprocessing.Process(target=worker, args=(shared_list,))
 *         p.start()
 *         p.join()
 *
 *         print("Shared List:", shared_list)
 *
 * The list lives in the manager's server process; the parent and the child
 * each hold a proxy, which sends every call there. Printing a ListProxy
 * prints the repr of a copy of the list, which is what the parent does
 * here (mp_list_copy(), then mp_var_repr()). It prints
 *
 *     Shared List: ['Hello from process!']
 */
#include "example_support.h"

/* worker(shared_list): runs in the child, which gets the proxy as object 0. */
static int worker(mp_task_t *task)
{
    mp_proxy_t *shared_list;
    int rc = mp_task_proxy(task, 0, &shared_list);
    if (rc < 0)
        return rc;
    /* shared_list.append(...): one call to the server, which has appended
     * the string when it returns. */
    return mp_list_appendf(shared_list, "s", "Hello from process!");
}

static const mp_task_def_t tasks[] = {MP_TASK(worker), MP_TASK_END};

int main(int argc, char **argv)
{
    example_check(mp_init(&argc, &argv, tasks), "mp_init");

    /* Manager(): starts the server process. */
    mp_manager_t *manager;
    example_check(mp_manager_start(&manager, NULL), "mp_manager_start");
    mp_proxy_t *shared_list;
    example_check(mp_manager_list(manager, &shared_list), "mp_manager_list");

    mp_process_t *p;
    example_check(
        mp_process_create(&p, &(mp_process_opts_t){.task = "worker", MP_OBJECTS(shared_list)}),
        "mp_process_create");
    example_check(mp_process_start(p), "mp_process_start");
    example_join(p);

    /* print("Shared List:", shared_list): the repr of a local copy. */
    mp_var_t *copy;
    example_check(mp_list_copy(shared_list, &copy), "mp_list_copy");
    char text[256];
    example_check(mp_var_repr(copy, text, sizeof text, NULL), "mp_var_repr");
    example_say("Shared List: %s\n", text);

    mp_var_free(copy);
    mp_process_destroy(p);
    mp_proxy_destroy(shared_list);
    /* The end of the program: Python's manager shuts its server down when
     * it is collected; here, explicitly. */
    example_check(mp_manager_shutdown(manager), "mp_manager_shutdown");
    mp_manager_destroy(manager);
    return 0;
}
