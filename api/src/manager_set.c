/**
 * @file manager_set.c
 * @brief The manager's set on the server (Python's set as a manager's
 *        referent): its state is one mp_var_t map whose keys are the
 *        members (each value nil), so members keep their insertion order
 *        and are found in constant time. Each method runs under the
 *        server's lock (mp_manager.h), so each is atomic.
 *
 * Methods are named as Python's, operators included (`__or__` is union,
 * `__ior__` update, `__le__` issubset...). What a method takes as "the
 * other set" is a list of members or a map (its keys), checked whole
 * before the set changes: a list holding an unhashable member (a list, a
 * map) is MP_EINVAL, as Python's "unhashable type". Only memory running
 * out can stop an in-place operation halfway.
 */
#include "mp_mgrdata.h"
#include "mp_var.h"

/* The method's name in messages is "set.NAME". */
#define M(name) "set." name

/* set[member] = nil with a copy of the member (the argument is the call's). */
static int add_copy(mp_manager_call_t *call, mp_var_t *set, const mp_var_t *member)
{
    mp_var_t *k = NULL;
    int rc = mp_var_copy(&k, member);
    if (rc == 0)
        rc = mp_var_map_set(set, k, mp_var_nil()); /* takes both, also when it fails */
    return rc == 0 ? 0
                   : mp_manager_call_fail(call, rc, "set: adding a member: %s", mp_strerror(rc));
}

static bool has(const mp_var_t *set, const mp_var_t *member)
{
    return mp_var_map_get(set, member) != NULL;
}

/* Python's set(iterable) of what a method takes: a new map of the members
 * of a list (each checked hashable, duplicates once) or of a map's keys. */
static int members_of(mp_manager_call_t *call, const char *method, const mp_var_t *from,
                      mp_var_t **out)
{
    mp_var_type_t t = mp_var_type(from);
    if (t != MP_VAR_LIST && t != MP_VAR_MAP)
        return mp_manager_call_fail(call, MP_EINVAL, "%s: argument must be a list or a map, not %s",
                                    method, mp_var_type_name(t));
    size_t len = mp_var_len(from);
    for (size_t i = 0; t == MP_VAR_LIST && i < len; i++) {
        int rc = mp__mgrdata_hashable(call, method, "member", mp_var_at(from, i));
        if (rc < 0)
            return rc;
    }
    mp_var_t *set = mp_var_map();
    if (!set)
        return mp_manager_call_fail(call, MP_ENOMEM, "%s: out of memory", method);
    for (size_t i = 0; i < len; i++) {
        int rc = add_copy(call, set,
                          t == MP_VAR_LIST ? mp_var_at(from, i) : mp_var_map_key_at(from, i));
        if (rc < 0) {
            mp_var_free(set);
            return rc;
        }
    }
    *out = set;
    return 0;
}

/* The one argument of a method that takes the other set, as a set. */
static int other_arg(mp_manager_call_t *call, const char *method, mp_var_t **other)
{
    const mp_var_t *a[1];
    int n = mp__mgrdata_args(call, method, 1, 1, a);
    return n < 0 ? n : members_of(call, method, a[0], other);
}

/* The one argument of add, discard, remove and __contains__: a hashable
 * member. */
static int member_arg(mp_manager_call_t *call, const char *method, const mp_var_t **member)
{
    int n = mp__mgrdata_args(call, method, 1, 1, member);
    return n < 0 ? n : mp__mgrdata_hashable(call, method, "member", *member);
}

static int set_add(void *self, mp_manager_call_t *call)
{
    const mp_var_t *x;
    int rc = member_arg(call, M("add"), &x);
    return rc < 0 || has(self, x) ? rc : add_copy(call, self, x);
}

static int set_discard(void *self, mp_manager_call_t *call)
{
    const mp_var_t *x;
    int rc = member_arg(call, M("discard"), &x);
    if (rc == 0)
        mp__var_map_del(self, x); /* MP_EKEY when absent: discard's no-op */
    return rc;
}

static int set_remove(void *self, mp_manager_call_t *call)
{
    const mp_var_t *x;
    int rc = member_arg(call, M("remove"), &x);
    if (rc < 0)
        return rc;
    return mp__var_map_del(self, x) == 0 ? 0 : mp__mgrdata_key_error(call, NULL, x);
}

static int set_contains(void *self, mp_manager_call_t *call)
{
    const mp_var_t *x;
    int rc = member_arg(call, M("__contains__"), &x);
    return rc < 0 ? rc : mp__mgrdata_return_bool(call, has(self, x));
}

static int set_len(void *self, mp_manager_call_t *call)
{
    int n = mp__mgrdata_args(call, M("__len__"), 0, 0, NULL);
    return n < 0 ? n : mp__mgrdata_return_int(call, (int64_t)mp_var_len(self));
}

/* pop(): Python's "arbitrary member"; here the last one added (O(1)). */
static int set_pop(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("pop"), 0, 0, NULL);
    if (rc < 0)
        return rc;
    mp_var_t *member = NULL;
    if (mp__var_map_pop_last(self, &member, NULL) != 0)
        return mp_manager_call_fail(call, MP_EKEY, "'pop from an empty set'");
    return mp__mgrdata_return(call, member);
}

static int set_clear(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("clear"), 0, 0, NULL);
    if (rc == 0)
        mp__var_clear(self);
    return rc < 0 ? rc : 0;
}

/* Answer the members of `set` as a list, in order; frees `set` when
 * `owned`. */
static int return_members(mp_manager_call_t *call, mp_var_t *set, bool owned)
{
    mp_var_t *out = mp_var_list();
    int rc = out ? 0 : MP_ENOMEM;
    for (size_t i = 0; rc == 0 && i < mp_var_len(set); i++) {
        mp_var_t *k = NULL;
        if ((rc = mp_var_copy(&k, mp_var_map_key_at(set, i))) == 0)
            rc = mp_var_append(out, k);
    }
    if (owned)
        mp_var_free(set);
    if (rc != 0) {
        mp_var_free(out);
        return mp_manager_call_fail(call, rc, "set: listing the members: %s", mp_strerror(rc));
    }
    return mp__mgrdata_return(call, out);
}

static int set_copy(void *self, mp_manager_call_t *call)
{
    int rc = mp__mgrdata_args(call, M("copy"), 0, 0, NULL);
    return rc < 0 ? rc : return_members(call, self, false);
}

/* Add to `into` every member of `from` that is (want_in) or is not in
 * `test` (NULL: every member). */
static int add_filtered(mp_manager_call_t *call, mp_var_t *into, const mp_var_t *from,
                        const mp_var_t *test, bool want_in)
{
    for (size_t i = 0; i < mp_var_len(from); i++) {
        const mp_var_t *k = mp_var_map_key_at(from, i);
        if (test && has(test, k) != want_in)
            continue;
        int rc = add_copy(call, into, k);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The operators, by what they keep. */
typedef enum op { UNION, INTERSECTION, DIFFERENCE, SYMMETRIC } op_t;

/* self OP other as a new set, in self's order then other's. */
static int combine(mp_manager_call_t *call, const mp_var_t *self, const mp_var_t *other, op_t op,
                   mp_var_t **out)
{
    mp_var_t *r = mp_var_map();
    if (!r)
        return mp_manager_call_fail(call, MP_ENOMEM, "set: out of memory");
    int rc = 0;
    switch (op) {
    case UNION:
        if ((rc = add_filtered(call, r, self, NULL, false)) == 0)
            rc = add_filtered(call, r, other, NULL, false);
        break;
    case INTERSECTION: rc = add_filtered(call, r, self, other, true); break;
    case DIFFERENCE: rc = add_filtered(call, r, self, other, false); break;
    case SYMMETRIC:
        if ((rc = add_filtered(call, r, self, other, false)) == 0)
            rc = add_filtered(call, r, other, self, false);
        break;
    }
    if (rc < 0) {
        mp_var_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* union(other), __or__...: a new list, the set unchanged. */
static int new_set_op(void *self, mp_manager_call_t *call, const char *method, op_t op)
{
    mp_var_t *other = NULL, *r = NULL;
    int rc = other_arg(call, method, &other);
    if (rc == 0)
        rc = combine(call, self, other, op, &r);
    mp_var_free(other);
    return rc < 0 ? rc : return_members(call, r, true);
}

/* Delete from `set` every member of `doomed` (a list of copies, so that
 * no key borrowed from `set` is used while it changes), then free it. */
static void delete_all(mp_var_t *set, mp_var_t *doomed)
{
    for (size_t i = 0; i < mp_var_len(doomed); i++)
        mp__var_map_del(set, mp_var_at(doomed, i));
    mp_var_free(doomed);
}

/* The members of `set` that are (want_in) or are not in `test`, copied
 * into a list. */
static int members_where(mp_manager_call_t *call, const mp_var_t *set, const mp_var_t *test,
                         bool want_in, mp_var_t **out)
{
    mp_var_t *list = mp_var_list();
    int rc = list ? 0 : MP_ENOMEM;
    for (size_t i = 0; rc == 0 && i < mp_var_len(set); i++) {
        const mp_var_t *k = mp_var_map_key_at(set, i);
        mp_var_t *copy = NULL;
        if (has(test, k) == want_in && (rc = mp_var_copy(&copy, k)) == 0)
            rc = mp_var_append(list, copy);
    }
    if (rc != 0) {
        mp_var_free(list);
        return mp_manager_call_fail(call, rc, "set: out of memory");
    }
    *out = list;
    return 0;
}

/* update(other), __ior__...: the set changes in place, the answer is None.
 * Removals are listed first and cannot fail; additions can only run out
 * of memory. */
static int in_place_op(void *self, mp_manager_call_t *call, const char *method, op_t op)
{
    mp_var_t *other = NULL, *doomed = NULL, *fresh = NULL;
    int rc = other_arg(call, method, &other);
    if (rc < 0)
        return rc;
    switch (op) {
    case UNION: rc = add_filtered(call, self, other, self, false); break;
    case INTERSECTION:
        if ((rc = members_where(call, self, other, false, &doomed)) == 0)
            delete_all(self, doomed);
        break;
    case DIFFERENCE:
        if ((rc = members_where(call, self, other, true, &doomed)) == 0)
            delete_all(self, doomed);
        break;
    case SYMMETRIC:
        /* which members of other are new, decided before any changes */
        if ((rc = members_where(call, other, self, false, &fresh)) == 0 &&
            (rc = members_where(call, self, other, true, &doomed)) == 0)
            delete_all(self, doomed);
        for (size_t i = 0; rc == 0 && i < mp_var_len(fresh); i++)
            rc = add_copy(call, self, mp_var_at(fresh, i));
        mp_var_free(fresh);
        break;
    }
    mp_var_free(other);
    return rc < 0 ? rc : 0;
}

/* How many members of `a` are in `b`. */
static size_t count_in(const mp_var_t *a, const mp_var_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < mp_var_len(a); i++)
        n += has(b, mp_var_map_key_at(a, i));
    return n;
}

/* The comparisons, by what they ask. */
typedef enum cmp { SUBSET, SUPERSET, PROPER_SUBSET, PROPER_SUPERSET, DISJOINT } cmp_t;

static int compare(void *self, mp_manager_call_t *call, const char *method, cmp_t cmp)
{
    mp_var_t *other = NULL;
    int rc = other_arg(call, method, &other);
    if (rc < 0)
        return rc;
    size_t ns = mp_var_len(self), no = mp_var_len(other), common = count_in(self, other);
    bool answer = false;
    switch (cmp) {
    case SUBSET: answer = common == ns; break;
    case SUPERSET: answer = common == no; break;
    case PROPER_SUBSET: answer = common == ns && ns < no; break;
    case PROPER_SUPERSET: answer = common == no && no < ns; break;
    case DISJOINT: answer = common == 0; break;
    }
    mp_var_free(other);
    return mp__mgrdata_return_bool(call, answer);
}

/* One server method per Python name: NAME's function calls `fn` with its
 * message name and what it does. */
#define SET_OP(fname, pyname, fn, what)                   \
    static int fname(void *self, mp_manager_call_t *call) \
    {                                                     \
        return fn(self, call, M(pyname), what);           \
    }
SET_OP(set_union, "union", new_set_op, UNION)
SET_OP(set_or, "__or__", new_set_op, UNION)
SET_OP(set_intersection, "intersection", new_set_op, INTERSECTION)
SET_OP(set_and, "__and__", new_set_op, INTERSECTION)
SET_OP(set_difference, "difference", new_set_op, DIFFERENCE)
SET_OP(set_sub, "__sub__", new_set_op, DIFFERENCE)
SET_OP(set_symmetric_difference, "symmetric_difference", new_set_op, SYMMETRIC)
SET_OP(set_xor, "__xor__", new_set_op, SYMMETRIC)
SET_OP(set_update, "update", in_place_op, UNION)
SET_OP(set_ior, "__ior__", in_place_op, UNION)
SET_OP(set_intersection_update, "intersection_update", in_place_op, INTERSECTION)
SET_OP(set_iand, "__iand__", in_place_op, INTERSECTION)
SET_OP(set_difference_update, "difference_update", in_place_op, DIFFERENCE)
SET_OP(set_isub, "__isub__", in_place_op, DIFFERENCE)
SET_OP(set_symmetric_difference_update, "symmetric_difference_update", in_place_op, SYMMETRIC)
SET_OP(set_ixor, "__ixor__", in_place_op, SYMMETRIC)
SET_OP(set_issubset, "issubset", compare, SUBSET)
SET_OP(set_le, "__le__", compare, SUBSET)
SET_OP(set_lt, "__lt__", compare, PROPER_SUBSET)
SET_OP(set_issuperset, "issuperset", compare, SUPERSET)
SET_OP(set_ge, "__ge__", compare, SUPERSET)
SET_OP(set_gt, "__gt__", compare, PROPER_SUPERSET)
SET_OP(set_isdisjoint, "isdisjoint", compare, DISJOINT)
#undef SET_OP

/* set() or set(list) or set(map): the map's keys. Python's set(1234) is a
 * TypeError ("'int' object is not iterable"): MP_EINVAL here, and so is a
 * string (which Python would iterate: here a string is one scalar). */
static int set_create(void **self, mp_manager_call_t *call)
{
    const mp_var_t *a[1];
    int n = mp__mgrdata_args(call, "set", 0, 1, a);
    if (n < 0)
        return n;
    mp_var_t *set = NULL;
    if (n == 1)
        n = members_of(call, "set", a[0], &set);
    else if ((set = mp_var_map()) == NULL)
        n = mp_manager_call_fail(call, MP_ENOMEM, "set: out of memory");
    if (n < 0)
        return n;
    *self = set;
    return 0;
}

static const mp_manager_method_t set_methods[] = {
    MP_METHOD("add", set_add),
    MP_METHOD("discard", set_discard),
    MP_METHOD("remove", set_remove),
    MP_METHOD("__contains__", set_contains),
    MP_METHOD("__len__", set_len),
    MP_METHOD("pop", set_pop),
    MP_METHOD("clear", set_clear),
    MP_METHOD("copy", set_copy),
    MP_METHOD("union", set_union),
    MP_METHOD("__or__", set_or),
    MP_METHOD("__ror__", set_or),
    MP_METHOD("intersection", set_intersection),
    MP_METHOD("__and__", set_and),
    MP_METHOD("__rand__", set_and),
    MP_METHOD("difference", set_difference),
    MP_METHOD("__sub__", set_sub),
    MP_METHOD("symmetric_difference", set_symmetric_difference),
    MP_METHOD("__xor__", set_xor),
    MP_METHOD("__rxor__", set_xor),
    MP_METHOD("update", set_update),
    MP_METHOD("__ior__", set_ior),
    MP_METHOD("intersection_update", set_intersection_update),
    MP_METHOD("__iand__", set_iand),
    MP_METHOD("difference_update", set_difference_update),
    MP_METHOD("__isub__", set_isub),
    MP_METHOD("symmetric_difference_update", set_symmetric_difference_update),
    MP_METHOD("__ixor__", set_ixor),
    MP_METHOD("issubset", set_issubset),
    MP_METHOD("__le__", set_le),
    MP_METHOD("__lt__", set_lt),
    MP_METHOD("issuperset", set_issuperset),
    MP_METHOD("__ge__", set_ge),
    MP_METHOD("__gt__", set_gt),
    MP_METHOD("isdisjoint", set_isdisjoint),
    MP_METHOD_END,
};

const mp_manager_type_t mp__mgr_type_set = {
    .name = "set",
    .create = set_create,
    .destroy = mp__mgrdata_destroy,
    .methods = set_methods,
};
