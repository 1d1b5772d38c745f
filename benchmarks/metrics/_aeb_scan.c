/*
 * Compiled scan for AEB's shingle matching (benchmarks/metrics/aeb_compiled.py is its Python side).
 *
 * AEB's evaluate.py tokenises with re.findall(r"\w+", text), counts 4-token tuples per page in a
 * Counter and intersects gold and prediction. Here the gold is indexed once (each page's distinct
 * tokens and distinct 4-token shingles with their counts, in one small hash table per page) and a
 * prediction is one pass over its code points, read in place from the Python str: a token is a
 * maximal run of word characters, looked up among its gold page's tokens, and every window of 4
 * found tokens among the gold page's shingles; a shingle counts as a true positive up to its gold
 * count (the same sum as AEB's loop over the union of both multisets). Where the prediction follows
 * the gold, the next token is compared with the gold's next one and a window of such tokens is the
 * gold's window there, without hash tables (a good extractor's output mostly follows its gold).
 *
 * Exact by construction:
 * - a word character is what re's \w matches in a str pattern: CPython's sre defines
 *   SRE_UNI_IS_WORD(ch) as Py_UNICODE_ISALNUM(ch) || ch == '_', which is used here (tabulated for
 *   the Basic Multilingual Plane), so tokens are re's on every code point, lone surrogates included;
 * - a hash only says where a search starts: a token is found only when its code points equal a gold
 *   token's, a shingle only when its 4 ids equal a gold shingle's. hash_mask = 0 sends every search
 *   to one slot (tests check that nothing else decides).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define NGRAM 4
#define EMPTY (-1)
#define CAPSULE "pagegold.aeb_gold"
#define H0 0xCBF29CE484222325ULL
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(address) __builtin_prefetch(address)
#else
#define PREFETCH(address) ((void)(address))
#endif

static uint8_t BMP_WORD[0x10000];

static inline int is_word(Py_UCS4 c)
{
    return c < 0x10000 ? BMP_WORD[c] : (Py_UNICODE_ISALNUM(c) || c == '_');
}

static inline uint64_t mix(uint64_t x)  /* splitmix64's finaliser */
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static inline uint64_t hash_step(uint64_t h, Py_UCS4 c) { return ((h << 5) | (h >> 59)) ^ c; }

static inline uint64_t shingle_hash(int32_t a, int32_t b, int32_t c, int32_t d)
{
    return mix((uint64_t)a * 0x9E3779B97F4A7C15ULL + (uint64_t)b * 0xC2B2AE3D27D4EB4FULL
               + (uint64_t)c * 0x165667B19E3779F9ULL + (uint64_t)d * 0xD6E8FEB86659FD93ULL);
}

/* read a code point of a str of a known kind (constant after inlining: one loop per kind) */
static inline Py_UCS4 read_cp(int kind, const void *data, Py_ssize_t i)
{
    return kind == PyUnicode_1BYTE_KIND ? ((const Py_UCS1 *)data)[i]
         : kind == PyUnicode_2BYTE_KIND ? ((const Py_UCS2 *)data)[i] : ((const Py_UCS4 *)data)[i];
}

static int64_t table_size(int64_t n)
{
    int64_t size = 8;
    while (size < 2 * n) size *= 2;
    return size;
}

typedef struct {
    Py_ssize_t n_pages;
    uint64_t hash_mask;
    Py_UCS4 *cps;       /* code points of the distinct tokens of every page, back to back */
    int64_t *v_start;   /* distinct token v: cps[v_start[v]:v_start[v + 1]]; its id is v + 1 */
    int64_t *g_off;     /* page p's token ids: ids[g_off[p]:g_off[p + 1]] */
    int32_t *ids;
    int64_t *vt_off;    /* page p's token table: vt[vt_off[p]:vt_off[p + 1]] (distinct token or EMPTY) */
    int32_t *vt;
    int64_t *st_off;    /* page p's shingle table: st[st_off[p]:st_off[p + 1]] (entry or EMPTY) */
    int32_t *st;
    int32_t *keys;      /* entry e: the 4 ids keys[4e:4e + 4] */
    int32_t *counts;    /* occurrences of entry e on its page */
    int32_t *at;        /* entry e's first window: ids[at[e]:at[e] + 4] */
    int32_t *win;       /* the entry of the window ids[t:t + 4] (for t where one starts) */
    int32_t *tok_at;    /* distinct token v's first occurrence: ids[tok_at[v]] */
    int64_t n_entries;
    int64_t *e_off;     /* page p's entries: e_off[p]:e_off[p + 1] */
} Gold;


static void gold_free(Gold *g)
{
    if (!g) return;
    PyMem_Free(g->cps); PyMem_Free(g->v_start); PyMem_Free(g->g_off); PyMem_Free(g->ids);
    PyMem_Free(g->vt_off); PyMem_Free(g->vt); PyMem_Free(g->st_off); PyMem_Free(g->st); PyMem_Free(g->keys); PyMem_Free(g->at); PyMem_Free(g->win); PyMem_Free(g->tok_at); PyMem_Free(g->e_off);
    PyMem_Free(g->counts);
    PyMem_Free(g);
}

static void capsule_free(PyObject *capsule) { gold_free((Gold *)PyCapsule_GetPointer(capsule, CAPSULE)); }

/* the str of item i of a list of str or None (NULL for None and for an error, which is then set) */
static PyObject *text_at(PyObject *seq, Py_ssize_t i, const char *what)
{
    PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
    if (t == Py_None) return NULL;
    if (!PyUnicode_Check(t)) {
        PyErr_Format(PyExc_TypeError, "%s text %zd must be a str or None, not %.100s", what, i, Py_TYPE(t)->tp_name);
        return NULL;
    }
    if (PyUnicode_READY(t) < 0) return NULL;  /* a str made by the legacy API: kind and data set now */
    return t;
}

/* the gold page's distinct token equal to text[s:e] (hash h), or EMPTY; *slot: where it is or would go */
/* whether text[s:e] is the gold's distinct token v, code point for code point */
static inline int same_token(const Gold *g, int32_t v, int kind, const void *data, Py_ssize_t s, Py_ssize_t e)
{
    int64_t vs = g->v_start[v];
    if (g->v_start[v + 1] - vs != e - s) return 0;
    Py_ssize_t k = 0;
    while (k < e - s && read_cp(kind, data, s + k) == g->cps[vs + k]) k++;
    return k == e - s;
}

static inline int32_t find_token(const Gold *g, const int32_t *table, int64_t size, uint64_t h,
                                 int kind, const void *data, Py_ssize_t s, Py_ssize_t e, int64_t *slot_out)
{
    uint64_t mask = (uint64_t)(size - 1);
    uint64_t slot = h & mask & g->hash_mask;
    for (;;) {
        int32_t v = table[slot];
        if (v == EMPTY) break;
        if (same_token(g, v, kind, data, s, e)) { *slot_out = (int64_t)slot; return v; }
        slot = (slot + 1) & mask;
    }
    *slot_out = (int64_t)slot;
    return EMPTY;
}

/* the slot of shingle (a, b, c, d) in a gold page's table, or of the empty slot where it would go */
static inline int32_t *find_shingle(const Gold *g, int32_t *table, int64_t size, int32_t a, int32_t b, int32_t c, int32_t d)
{
    uint64_t mask = (uint64_t)(size - 1);
    uint64_t slot = shingle_hash(a, b, c, d) & mask & g->hash_mask;
    for (;;) {
        int32_t v = table[slot];
        if (v == EMPTY) return table + slot;
        const int32_t *key = g->keys + NGRAM * (int64_t)v;
        if (key[0] == a && key[1] == b && key[2] == c && key[3] == d) return table + slot;
        slot = (slot + 1) & mask;
    }
}

static int64_t count_tokens(int kind, const void *data, Py_ssize_t n, int64_t *n_cps)
{
    int64_t count = 0, cps = 0;
    int inside = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int w = is_word(read_cp(kind, data, i));
        count += w && !inside;
        cps += w;
        inside = w;
    }
    *n_cps += cps;
    return count;
}

/* page p of the gold: number its distinct tokens (adding them to g->cps) and record its ids */
static void index_page_tokens(Gold *g, Py_ssize_t p, int kind, const void *data, Py_ssize_t n,
                              int64_t *n_distinct, int64_t *n_cps)
{
    int32_t *table = g->vt + g->vt_off[p];
    int64_t size = g->vt_off[p + 1] - g->vt_off[p], t = g->g_off[p];
    Py_ssize_t i = 0;
    while (i < n) {
        Py_UCS4 c = read_cp(kind, data, i);
        if (!is_word(c)) { i++; continue; }
        Py_ssize_t s = i;
        uint64_t h = H0;
        while (i < n && is_word(c = read_cp(kind, data, i))) { h = hash_step(h, c); i++; }
        int64_t slot;
        int32_t v = find_token(g, table, size, mix(h), kind, data, s, i, &slot);
        if (v == EMPTY) {
            v = (int32_t)(*n_distinct)++;
            table[slot] = v;
            g->tok_at[v] = (int32_t)t;
            for (Py_ssize_t k = s; k < i; k++) g->cps[(*n_cps)++] = read_cp(kind, data, k);
            g->v_start[v + 1] = *n_cps;
        }
        g->ids[t++] = v + 1;
    }
}

static void index_page_shingles(Gold *g, Py_ssize_t p)
{
    int32_t *table = g->st + g->st_off[p];
    int64_t size = g->st_off[p + 1] - g->st_off[p];
    for (int64_t i = g->g_off[p]; i + NGRAM <= g->g_off[p + 1]; i++) {
        const int32_t *w = g->ids + i;
        int32_t *x = find_shingle(g, table, size, w[0], w[1], w[2], w[3]);
        if (*x == EMPTY) {
            *x = (int32_t)g->n_entries++;
            memcpy(g->keys + NGRAM * (int64_t)*x, w, NGRAM * sizeof(int32_t));
            g->counts[*x] = 0;
            g->at[*x] = (int32_t)i;
        }
        g->counts[*x]++;
        g->win[i] = *x;
    }
}

#define ALLOC(ptr, n, type) do { if (!((ptr) = PyMem_Calloc((size_t)(n) + 1, sizeof(type)))) goto nomem; } while (0)

static PyObject *index_gold(PyObject *self, PyObject *args)
{
    PyObject *texts;
    unsigned long long hash_mask;
    if (!PyArg_ParseTuple(args, "OK", &texts, &hash_mask)) return NULL;
    PyObject *seq = PySequence_Fast(texts, "gold texts must be a sequence of str or None");
    if (!seq) return NULL;
    Py_ssize_t n_pages = PySequence_Fast_GET_SIZE(seq);
    Gold *g = PyMem_Calloc(1, sizeof(Gold));
    if (!g) goto nomem;
    g->n_pages = n_pages;
    g->hash_mask = hash_mask;
    ALLOC(g->g_off, n_pages + 1, int64_t);
    ALLOC(g->vt_off, n_pages + 1, int64_t);
    ALLOC(g->st_off, n_pages + 1, int64_t);
    ALLOC(g->e_off, n_pages + 1, int64_t);
    int64_t total_cps = 0;
    for (Py_ssize_t p = 0; p < n_pages; p++) {  /* sizes first: tokens and table segments per page */
        PyObject *t = text_at(seq, p, "gold");
        if (!t && PyErr_Occurred()) goto fail;
        int64_t n_tok = t ? count_tokens(PyUnicode_KIND(t), PyUnicode_DATA(t), PyUnicode_GET_LENGTH(t), &total_cps) : 0;
        int64_t n_win = n_tok >= NGRAM ? n_tok - NGRAM + 1 : 0;
        g->g_off[p + 1] = g->g_off[p] + n_tok;
        g->vt_off[p + 1] = g->vt_off[p] + table_size(n_tok);
        g->st_off[p + 1] = g->st_off[p] + table_size(n_win);
    }
    int64_t n_tokens = g->g_off[n_pages];
    if (n_tokens >= INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "the gold has too many tokens for 32-bit ids");
        goto fail;
    }
    ALLOC(g->cps, total_cps, Py_UCS4);
    ALLOC(g->v_start, n_tokens + 1, int64_t);
    ALLOC(g->ids, n_tokens, int32_t);
    ALLOC(g->counts, n_tokens, int32_t);
    ALLOC(g->at, n_tokens, int32_t);
    ALLOC(g->win, n_tokens, int32_t);
    ALLOC(g->tok_at, n_tokens, int32_t);
    ALLOC(g->vt, g->vt_off[n_pages], int32_t);
    ALLOC(g->keys, NGRAM * n_tokens, int32_t);
    ALLOC(g->st, g->st_off[n_pages], int32_t);
    memset(g->vt, 0xFF, (size_t)g->vt_off[n_pages] * sizeof(int32_t));  /* every slot EMPTY (-1) */
    memset(g->st, 0xFF, (size_t)g->st_off[n_pages] * sizeof(int32_t));
    int64_t n_distinct = 0, n_cps = 0;
    for (Py_ssize_t p = 0; p < n_pages; p++) {
        PyObject *t = text_at(seq, p, "gold");
        if (t) index_page_tokens(g, p, PyUnicode_KIND(t), PyUnicode_DATA(t), PyUnicode_GET_LENGTH(t), &n_distinct, &n_cps);
        index_page_shingles(g, p);
        g->e_off[p + 1] = g->n_entries;
    }
    Py_DECREF(seq);
    PyObject *capsule = PyCapsule_New(g, CAPSULE, capsule_free);
    if (!capsule) gold_free(g);
    return capsule;
nomem:
    PyErr_NoMemory();
fail:
    gold_free(g);
    Py_DECREF(seq);
    return NULL;
}

/* one predicted page against gold page p: TP (up to the gold's counts), tokens, equal token lists */
static inline void score_page(const Gold *g, Py_ssize_t p, int kind, const void *data, Py_ssize_t n, int32_t *used,
                              int64_t *tp_out, int64_t *n_tokens_out, uint8_t *exact_out)
{
    const int32_t *vt = g->vt + g->vt_off[p], *gold_ids = g->ids + g->g_off[p];
    int32_t *st = g->st + g->st_off[p];
    int64_t vt_size = g->vt_off[p + 1] - g->vt_off[p], st_size = g->st_off[p + 1] - g->st_off[p];
    int64_t g_count = g->g_off[p + 1] - g->g_off[p], k = 0, tp = 0, slot;
    /* this page's gold tables are read at random below: ask for them all now, so that their cache
     * misses overlap instead of stalling one after another (a third faster on AEB's outputs) */
    for (int64_t x = 0; x < vt_size; x += 16) PREFETCH(vt + x);  /* 16 int32: a cache line */
    for (int64_t x = 0; x < st_size; x += 16) PREFETCH(st + x);
    for (int64_t x = NGRAM * g->e_off[p]; x < NGRAM * g->e_off[p + 1]; x += 16) PREFETCH(g->keys + x);
    int same = 1;  /* the token list so far is the start of the gold's */
    int32_t a = 0, b = 0, c = 0;  /* ids of the 3 tokens before (0: not a token of the gold page) */
    /* Where the prediction follows the gold: j is a gold position of the last token (−1: none
     * known) and run how many tokens up to it are the gold's at j − run + 1 … j. The next token is
     * first compared with the gold's at j + 1 (no hash table), and a window of 4 such tokens is the
     * gold's window at j − 3, whose entry is known (win). Each is an equality of code points or of
     * ids, so the counts are those of the hash lookups, which decide everywhere else. */
    int64_t j = -1, run = 0;
    const int32_t *win = g->win + g->g_off[p];
    Py_ssize_t i = 0;
    while (i < n) {
        Py_UCS4 ch = read_cp(kind, data, i);
        if (!is_word(ch)) { i++; continue; }
        Py_ssize_t s = i;
        uint64_t h = H0;
        while (i < n && is_word(ch = read_cp(kind, data, i))) { h = hash_step(h, ch); i++; }
        int32_t d;
        if (j >= 0 && j + 1 < g_count && same_token(g, gold_ids[j + 1] - 1, kind, data, s, i)) {
            d = gold_ids[++j];
            run++;
        } else {
            d = find_token(g, vt, vt_size, mix(h), kind, data, s, i, &slot) + 1;  /* EMPTY → 0 */
            j = d ? g->tok_at[d - 1] - g->g_off[p] : -1;
            run = d ? 1 : 0;
        }
        if (same && (k >= g_count || d == 0 || gold_ids[k] != d)) same = 0;
        k++;
        if (k >= NGRAM && a && b && c && d) {
            int32_t v;
            if (run >= NGRAM) {
                v = win[j - (NGRAM - 1)];
            } else {
                v = *find_shingle(g, st, st_size, a, b, c, d);
                if (v != EMPTY) { j = g->at[v] - g->g_off[p] + NGRAM - 1; run = NGRAM; }
            }
            if (v != EMPTY && ++used[v] <= g->counts[v]) tp++;
        }
        a = b; b = c; c = d;
    }
    same = same && k == g_count;
    if (same && k > 0 && k < NGRAM) tp++;  /* a text of 1–3 tokens is one shingle, found when equal */
    *tp_out = tp;
    *n_tokens_out = k;
    *exact_out = (uint8_t)same;
}

static int check_buffer(Py_buffer *buf, Py_ssize_t n, Py_ssize_t itemsize, const char *name)
{
    if (buf->len != n * itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes (%zd items), got %zd", name, n * itemsize, n, buf->len);
        return -1;
    }
    return 0;
}

static PyObject *score(PyObject *self, PyObject *args)
{
    PyObject *capsule, *preds;
    Py_buffer tp = {0}, n_tokens = {0}, exact = {0};
    if (!PyArg_ParseTuple(args, "OOw*w*w*", &capsule, &preds, &tp, &n_tokens, &exact)) return NULL;
    PyObject *result = NULL, *seq = NULL;
    int32_t *used = NULL;
    Gold *g = PyCapsule_GetPointer(capsule, CAPSULE);
    if (!g) goto done;
    seq = PySequence_Fast(preds, "predictions must be a sequence of str or None");
    if (!seq) goto done;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n != g->n_pages) {
        PyErr_Format(PyExc_ValueError, "%zd gold texts but %zd predictions", g->n_pages, n);
        goto done;
    }
    if (check_buffer(&tp, n, 8, "tp") || check_buffer(&n_tokens, n, 8, "n_tokens") || check_buffer(&exact, n, 1, "exact"))
        goto done;
    for (Py_ssize_t p = 0; p < n; p++)
        if (!text_at(seq, p, "predicted") && PyErr_Occurred()) goto done;
    used = PyMem_Calloc((size_t)g->n_entries + 1, sizeof(int32_t));  /* predicted count of each gold shingle */
    if (!used) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t p = 0; p < n; p++) {
        PyObject *t = text_at(seq, p, "predicted");
        int64_t *tp_p = (int64_t *)tp.buf + p, *n_p = (int64_t *)n_tokens.buf + p;
        uint8_t *ex_p = (uint8_t *)exact.buf + p;
        Py_ssize_t len = t ? PyUnicode_GET_LENGTH(t) : 0;
        const void *data = t ? PyUnicode_DATA(t) : NULL;
        switch (t ? PyUnicode_KIND(t) : PyUnicode_1BYTE_KIND) {  /* one specialised loop per kind */
        case PyUnicode_1BYTE_KIND: score_page(g, p, PyUnicode_1BYTE_KIND, data, len, used, tp_p, n_p, ex_p); break;
        case PyUnicode_2BYTE_KIND: score_page(g, p, PyUnicode_2BYTE_KIND, data, len, used, tp_p, n_p, ex_p); break;
        default: score_page(g, p, PyUnicode_4BYTE_KIND, data, len, used, tp_p, n_p, ex_p); break;
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(used);
    Py_XDECREF(seq);
    PyBuffer_Release(&tp);
    PyBuffer_Release(&n_tokens);
    PyBuffer_Release(&exact);
    return result;
}

static PyObject *gold_token_counts(PyObject *self, PyObject *args)
{
    PyObject *capsule;
    Py_buffer out = {0};
    if (!PyArg_ParseTuple(args, "Ow*", &capsule, &out)) return NULL;
    Gold *g = PyCapsule_GetPointer(capsule, CAPSULE);
    PyObject *result = NULL;
    if (g && !check_buffer(&out, g->n_pages, 8, "out")) {
        for (Py_ssize_t p = 0; p < g->n_pages; p++) ((int64_t *)out.buf)[p] = g->g_off[p + 1] - g->g_off[p];
        result = Py_NewRef(Py_None);
    }
    PyBuffer_Release(&out);
    return result;
}

static PyObject *tokenize(PyObject *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) return PyErr_Format(PyExc_TypeError, "text must be a str, not %.100s", Py_TYPE(text)->tp_name);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    PyObject *out = PyList_New(0);
    while (out && i < n) {
        if (!is_word(read_cp(kind, data, i))) { i++; continue; }
        Py_ssize_t s = i;
        while (i < n && is_word(read_cp(kind, data, i))) i++;
        PyObject *token = PyUnicode_Substring(text, s, i);
        if (!token || PyList_Append(out, token) < 0) Py_CLEAR(out);
        Py_XDECREF(token);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"index_gold", index_gold, METH_VARARGS,
     "index_gold(texts, hash_mask) -> capsule: each page's distinct tokens and 4-token shingles with their counts."},
    {"score", score, METH_VARARGS,
     "score(gold, preds, tp, n_tokens, exact): per page TP shingles (int64), tokens (int64), equal token lists (uint8), "
     "written into the three buffers."},
    {"gold_token_counts", gold_token_counts, METH_VARARGS, "gold_token_counts(gold, out): tokens per gold page (int64)."},
    {"tokenize", tokenize, METH_O, "tokenize(text) -> list of str: the \\w+ tokens as this scan finds them (for tests)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_aeb_scan", "Compiled scan for AEB's shingle matching.", -1, methods};

PyMODINIT_FUNC PyInit__aeb_scan(void)
{
    for (Py_UCS4 c = 0; c < 0x10000; c++) BMP_WORD[c] = Py_UNICODE_ISALNUM(c) || c == '_';
    return PyModule_Create(&module);
}
