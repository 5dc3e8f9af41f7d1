/* Maps (var.h): entries in insertion order, found through an open-addressing
 * index of their keys' hashes, so that a manager's dict of 100k keys costs
 * O(1) per lookup. Deleting leaves a hole in the entries (the order of the
 * others is kept without moving them); holes are squeezed out when they
 * outnumber the live entries, and before a positional read. */
#include "mp_var_impl.h"

#include <stdlib.h>
#include <string.h>

#include "mp_backend.h"

/* ---- hashing ---------------------------------------------------------- */

/* FNV-1a over a key's type and bytes, then a finaliser (splitmix64's) so
 * that the low bits the index uses depend on every input bit. */
static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

static uint64_t key_hash(const mp_var_t *k)
{
    unsigned char type = (unsigned char)k->type;
    uint64_t h = fnv(0xcbf29ce484222325u, &type, 1);
    switch (k->type) {
    case MP_VAR_BOOL: {
        unsigned char b = k->u.b;
        h = fnv(h, &b, 1);
        break;
    }
    case MP_VAR_INT: h = fnv(h, &k->u.i, sizeof k->u.i); break;
    case MP_VAR_DOUBLE: {
        /* Equal doubles hash alike: -0.0 is 0.0, and every NaN is one key
         * (mp__var_double_same()). */
        double d = k->u.d == 0 ? 0.0 : k->u.d != k->u.d ? (double)NAN : k->u.d;
        h = fnv(h, &d, sizeof d);
        break;
    }
    case MP_VAR_STR:
    case MP_VAR_BYTES: h = fnv(h, k->u.s.data, k->u.s.len); break;
    default: break;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    return h ^ (h >> 31);
}

bool mp__var_hashable(const mp_var_t *v)
{
    return v && v->type >= MP_VAR_NIL && v->type <= MP_VAR_BYTES;
}

/* ---- the index -------------------------------------------------------- */

/* The slot that holds entry `pos` (whose hash is `hash`). */
static size_t slot_of(const mp__var_map_t *m, size_t pos, uint64_t hash)
{
    size_t mask = m->nslots - 1, i = (size_t)hash & mask;
    while (m->slots[i] != pos + 1)
        i = (i + 1) & mask;
    return i;
}

static void index_put(mp__var_map_t *m, size_t pos)
{
    size_t mask = m->nslots - 1, i = (size_t)m->entries[pos].hash & mask;
    while (m->slots[i] != 0)
        i = (i + 1) & mask;
    m->slots[i] = pos + 1;
    m->used++;
}

/* Squeeze the holes out of the entries and index them again into the
 * slots there are: no allocation, so it cannot fail. */
static void compact(mp__var_map_t *m)
{
    size_t to = 0;
    for (size_t from = 0; from < m->nentries; from++)
        if (m->entries[from].key)
            m->entries[to++] = m->entries[from];
    m->nentries = to;
    if (m->nslots == 0)
        return;
    memset(m->slots, 0, m->nslots * sizeof *m->slots);
    m->used = 0;
    for (size_t pos = 0; pos < m->nentries; pos++)
        index_put(m, pos);
}

/* Room in the index for one more key: keep it at most half full (holes'
 * slots included), growing it to a quarter full when it is rebuilt. */
static int index_reserve(mp__var_map_t *m)
{
    if ((m->used + 1) * 2 <= m->nslots)
        return 0;
    size_t want = 8;
    while (want < 4 * (m->live + 1)) {
        if (want > ((size_t)-1) / sizeof(size_t) / 8)
            return MP_ENOMEM;
        want *= 2;
    }
    if (want != m->nslots) {
        size_t *slots = malloc(want * sizeof *slots);
        if (!slots)
            return MP_ENOMEM;
        free(m->slots);
        m->slots = slots;
        m->nslots = want;
    }
    compact(m);
    return 0;
}

int mp__var_map_reserve(mp__var_map_t *m, size_t n)
{
    if (n <= m->cap - m->nentries)
        return 0;
    if (n > ((size_t)-1) / sizeof(mp__var_entry_t) / 2 - m->nentries)
        return MP_ENOMEM;
    size_t want = m->cap ? m->cap : 4;
    while (want - m->nentries < n)
        want *= 2;
    mp__var_entry_t *grown = realloc(m->entries, want * sizeof *grown);
    if (!grown)
        return MP_ENOMEM;
    m->entries = grown;
    m->cap = want;
    return 0;
}

void mp__var_map_release(mp__var_map_t *m)
{
    for (size_t i = 0; i < m->nentries; i++) {
        mp_var_free(m->entries[i].key);
        mp_var_free(m->entries[i].value);
    }
    free(m->entries);
    free(m->slots);
    *m = (mp__var_map_t){0};
}

/* Where `key` is: its entry, or -1; `slot` (may be NULL) gets its slot. */
static ptrdiff_t find(const mp__var_map_t *m, const mp_var_t *key, size_t *slot)
{
    if (m->nslots == 0 || !mp__var_hashable(key))
        return -1;
    uint64_t h = key_hash(key);
    size_t mask = m->nslots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        size_t s = m->slots[i];
        if (s == 0)
            return -1;
        if (s != MP__VAR_SLOT_GONE && m->entries[s - 1].hash == h &&
            mp_var_equal(m->entries[s - 1].key, key)) {
            if (slot)
                *slot = i;
            return (ptrdiff_t)(s - 1);
        }
    }
}

ptrdiff_t mp__var_map_find(const mp__var_map_t *m, const mp_var_t *key)
{
    return find(m, key, NULL);
}

/* ---- the calls -------------------------------------------------------- */

int mp_var_map_set(mp_var_t *map, mp_var_t *key, mp_var_t *value)
{
    int rc = 0;
    if (!key || !value)
        rc = mp__errdetail_set(MP_EINVAL, "mp_var_map_set: the %s is NULL", key ? "value" : "key");
    else if (!map || map->type != MP_VAR_MAP)
        rc = mp__var_type_error("mp_var_map_set", map, MP_VAR_MAP);
    else if (!mp__var_hashable(key))
        rc = mp__errdetail_set(MP_EINVAL, "mp_var_map_set: unhashable key type '%s'",
                               mp_var_type_name(key->type));
    else if (value == map || value == key)
        rc = mp__errdetail_set(MP_EINVAL, "mp_var_map_set: the value is the %s itself",
                               value == map ? "map" : "key");
    mp__var_map_t *m = rc == 0 ? &map->u.map : NULL;
    ptrdiff_t at = m ? find(m, key, NULL) : -1;
    if (m && at >= 0) {
        mp_var_free(m->entries[at].value);
        m->entries[at].value = value;
        mp_var_free(key);
        return 0;
    }
    if (m && ((rc = mp__var_map_reserve(m, 1)) < 0 || (rc = index_reserve(m)) < 0))
        mp__errdetail_set(rc, "mp_var_map_set: out of memory");
    if (rc < 0) {
        /* Free each distinct value once, and never the map itself. */
        if (key != map)
            mp_var_free(key);
        if (value != map && value != key)
            mp_var_free(value);
        return rc;
    }
    size_t pos = m->nentries++;
    m->entries[pos] = (mp__var_entry_t){.key = key, .value = value, .hash = key_hash(key)};
    index_put(m, pos);
    m->live++;
    return 0;
}

mp_var_t *mp_var_map_get(const mp_var_t *map, const mp_var_t *key)
{
    if (!map || map->type != MP_VAR_MAP)
        return NULL;
    ptrdiff_t at = find(&map->u.map, key, NULL);
    return at < 0 ? NULL : map->u.map.entries[at].value;
}

mp_var_t *mp_var_map_get_str(const mp_var_t *map, const char *key)
{
    if (!key)
        return NULL;
    /* A string on the stack that borrows `key`: nothing to allocate or free. */
    mp_var_t k = {.type = MP_VAR_STR, .u.s = {.data = (char *)key, .len = strlen(key)}};
    return mp_var_map_get(map, &k);
}

/* The entry at position `i` in insertion order. Holes are squeezed out
 * first so that positions are O(1); the map is the library's own
 * allocation, so casting away const is defined, and it changes no value a
 * reader sees (only where the entries sit). */
static const mp__var_entry_t *entry_at(const mp_var_t *map, size_t i)
{
    if (!map || map->type != MP_VAR_MAP || i >= map->u.map.live)
        return NULL;
    mp__var_map_t *m = (mp__var_map_t *)&map->u.map;
    if (m->nentries != m->live)
        compact(m);
    return &m->entries[i];
}

mp_var_t *mp_var_map_key_at(const mp_var_t *map, size_t i)
{
    const mp__var_entry_t *e = entry_at(map, i);
    return e ? e->key : NULL;
}

mp_var_t *mp_var_map_value_at(const mp_var_t *map, size_t i)
{
    const mp__var_entry_t *e = entry_at(map, i);
    return e ? e->value : NULL;
}

/* Take entry `pos` (in `slot`) out, leaving a hole; hand its halves over
 * (a NULL pointer frees that half). */
static void take_entry(mp__var_map_t *m, size_t pos, size_t slot, mp_var_t **key, mp_var_t **value)
{
    mp__var_entry_t e = m->entries[pos];
    m->slots[slot] = MP__VAR_SLOT_GONE;
    m->entries[pos].key = NULL;
    m->entries[pos].value = NULL;
    m->live--;
    /* Trailing holes go at once: popitem then finds the last live entry
     * at the end, and a map emptied by deletes starts again at 0. */
    while (m->nentries > 0 && !m->entries[m->nentries - 1].key)
        m->nentries--;
    if (m->nentries - m->live > 16 && m->nentries - m->live > m->live)
        compact(m);
    if (key)
        *key = e.key;
    else
        mp_var_free(e.key);
    if (value)
        *value = e.value;
    else
        mp_var_free(e.value);
}

int mp__var_map_remove(mp_var_t *map, const mp_var_t *key, mp_var_t **value)
{
    if (!map || map->type != MP_VAR_MAP)
        return mp__var_type_error("mp__var_map_remove", map, MP_VAR_MAP);
    if (!key)
        return mp__errdetail_set(MP_EINVAL, "mp__var_map_remove: the key is NULL");
    size_t slot = 0;
    ptrdiff_t at = find(&map->u.map, key, &slot);
    if (at < 0)
        return mp__errdetail_set(MP_EKEY, "no such key (a %s)", mp_var_type_name(key->type));
    take_entry(&map->u.map, (size_t)at, slot, NULL, value);
    return 0;
}

int mp__var_map_del(mp_var_t *map, const mp_var_t *key)
{
    return mp__var_map_remove(map, key, NULL);
}

int mp__var_map_pop_last(mp_var_t *map, mp_var_t **key, mp_var_t **value)
{
    if (!map || map->type != MP_VAR_MAP)
        return mp__var_type_error("mp__var_map_pop_last", map, MP_VAR_MAP);
    mp__var_map_t *m = &map->u.map;
    if (m->live == 0)
        return mp__errdetail_set(MP_EKEY, "popitem(): dictionary is empty");
    size_t pos = m->nentries - 1;
    take_entry(m, pos, slot_of(m, pos, m->entries[pos].hash), key, value);
    return 0;
}
