#ifndef CONFIG_CONFIG_INTERNAL_H
#define CONFIG_CONFIG_INTERNAL_H

/*
 * What the loader's files share, and nobody outside bot/config/ may
 * include. The public API is bot/config.h.
 *
 *   config.c          names, defaults (set by field name), life cycle,
 *                     diagnostics, and config_load_*: the order of the passes
 *   text.c            pass 1, the raw text: UTF-8, control characters, tabs,
 *                     layouts YAML readers disagree on
 *   yaml_tree.c       pass 2, libyaml's events -> a tree of struct ynode;
 *                     the ONLY file that includes yaml.h
 *   fields.c          scalar typing, the schema's string patterns, keys and
 *                     did-you-mean, and the readers of one field each
 *   sections.c        pass 3, the tree -> struct config, section by section
 *   portable_regex.c  the subset of regular expressions `redact` accepts
 *   pending.c         config_pending_keys: keys accepted but not used yet,
 *                     and the warnings about them
 *   config_json.c     config_to_json(): the effective configuration
 *
 * Loading runs in passes, each reporting every problem it can find:
 *
 *  1. the raw text: size, UTF-8, control characters, tabs in indentation,
 *     and layouts YAML readers disagree on (checked here rather than left
 *     to libyaml, whose messages for these are cryptic or whose reading
 *     differs from other tools', and so that the schema test applies the
 *     very same rules);
 *  2. libyaml's event stream -> a small tree of nodes that remember their
 *     line:column, with aliases resolved and their expansion counted (the
 *     billion-laughs guard), duplicate keys, non-string keys, explicit
 *     tags and badly indented continuation lines reported;
 *  3. the tree -> struct config, section by section, by the same rules as
 *     config-schema/autofix.schema.json, then what JSON Schema cannot say:
 *     upstreams named by services, warning <= critical, redact patterns.
 *
 * Pass 2 runs only on text that passed 1; pass 3 runs after 2 unless 2
 * could not build a tree. Plain scalars are typed as YAML 1.2's core
 * schema types them (what the `yaml` npm package and most editors do):
 * `true` is a boolean, `30` an integer, `yes` and `30m` strings.
 *
 * Every diagnostic goes through cfg_report*() into the loader's
 * config_diags; the tree's nodes belong to the loader (cfg_free_tree()).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util/strbuf.h"

/* ---- the tree (pass 2) ---------------------------------------------- */

enum ykind { Y_SCALAR, Y_MAP, Y_SEQ };

struct ynode {
	enum ykind kind;
	int line, col;        /* 1-based */
	char *str;            /* scalars: the text */
	int plain;            /* an untagged plain scalar: typed by the core schema */
	struct ynode **kids;  /* sequence items; mapping: key, value, key, value... */
	size_t nr, alloc;
	size_t weight;        /* nodes once aliases are expanded, this one included */
	struct ynode *next_alloc; /* every node of a document, for freeing (aliases share nodes) */
};

struct anchor {
	char *name;
	struct ynode *node;
};

struct frame {
	struct ynode *node;
	char *anchor;
	int flow;             /* a [ ] or { } collection */
	size_t start_line;    /* 0-based, where it began */
};

/* The state of one load: the text, the tree, the diagnostics, the config being filled. */
struct loader {
	const char *file;
	struct config_diags *diags;
	size_t diags_start;
	size_t dropped;           /* diagnostics past MAX_DIAGS (config.c) */
	struct ynode *all;
	struct ynode *root;
	struct anchor *anchors;
	size_t anchors_nr, anchors_alloc;
	struct frame *stack;
	size_t depth, stack_alloc;
	size_t expanded;          /* nodes so far, aliases expanded */
	const char *buf;          /* the text, and where each line starts in it */
	size_t len;
	size_t *line_starts;
	size_t lines;
	int flow_depth;           /* open [ ] and { } collections */
	struct config *cfg;
};

/* YAML 1.2 core-schema types of a node. */
enum ytype { YT_NULL, YT_BOOL, YT_INT, YT_FLOAT, YT_STR, YT_MAP, YT_SEQ };

/* ---- config.c: names, defaults, diagnostics ----------------------------- */

/* NULL-terminated key lists, indexed by their enums. */
extern const char *const cfg_signal_names[SIGNAL__COUNT + 1];
extern const char *const cfg_prom_query_names[PROM_QUERY__COUNT + 1];
extern const char *const cfg_token_kind_names[];
extern const char *const cfg_llm_provider_names[];
extern const char *const cfg_verify_failure_names[];

/* Fills every default into a zeroed cfg. */
void cfg_set_defaults(struct config *cfg);
/* Frees the first nr strings of v, then v. */
void cfg_strv_free(char **v, size_t nr);

/* Appends a diagnostic (path may be NULL for the document). */
void cfg_vreport(struct loader *L, int line, int col, const char *path,
		 const char *fmt, va_list ap);
__attribute__((format(printf, 5, 6)))
void cfg_report(struct loader *L, int line, int col, const char *path, const char *fmt, ...);
/* At n's line:column (0:0 when n is NULL), under path. */
__attribute__((format(printf, 4, 5)))
void cfg_report_at(struct loader *L, const struct ynode *n, const struct strbuf *path,
		   const char *fmt, ...);
/* Whether this load reported anything so far. */
int cfg_had_problems(const struct loader *L);

/* ---- text.c: pass 1 ------------------------------------------------------ */

/* YAML's printable set: TAB, LF, CR and what is not a control character. */
int cfg_is_printable(unsigned cp);
/* Decodes one UTF-8 sequence at s; returns its length, 0 when it is not valid UTF-8. */
size_t cfg_utf8_decode(const unsigned char *s, size_t avail, unsigned *cp);
void cfg_check_text(struct loader *L, const char *buf, size_t len);
/* Sets L->line_starts and L->lines from L->buf. */
void cfg_index_lines(struct loader *L);
void cfg_check_indicators(struct loader *L);
/* Lines first+1..last (0-based) continue something begun on line first. */
void cfg_check_span(struct loader *L, size_t first, size_t last);

/* ---- yaml_tree.c: pass 2 ------------------------------------------------- */

/* Builds L->root; returns -1 when no usable tree could be built (reported). */
int cfg_build_tree(struct loader *L, const char *buf, size_t len);
/* Frees the tree, the anchors, the stack and the line index. */
void cfg_free_tree(struct loader *L);

/* ---- fields.c: typing, patterns, keys, field readers --------------------- */

enum ytype cfg_ytype(const struct ynode *n);
double cfg_number_value(const struct ynode *n);
/* "a mapping", "the number 30", "'high'": what was found, for messages. */
void cfg_describe(struct strbuf *sb, const struct ynode *n);
/* "expected <expected_fmt>, found <what n is>". */
__attribute__((format(printf, 4, 5)))
void cfg_report_type(struct loader *L, const struct ynode *n, const struct strbuf *path,
		     const char *expected_fmt, ...);

/* Each has a twin pattern in autofix.schema.json. */
typedef int (*match_fn)(const char *s);
int cfg_match_name(const char *s);
int cfg_match_env_name(const char *s);
int cfg_match_prom_label(const char *s);
int cfg_match_prom_query(const char *s);
int cfg_match_url(const char *s);
int cfg_match_token(const char *s);
int cfg_match_login(const char *s);
int cfg_match_bot_login(const char *s);
int cfg_match_reviewer(const char *s);
int cfg_match_branch_prefix(const char *s);
int cfg_match_repo_path(const char *s);
int cfg_match_label(const char *s);
int cfg_match_glob(const char *s);
int cfg_match_email(const char *s);
int cfg_match_person(const char *s);

/* The candidate nearest to word, or NULL when none is near enough to be a typo. */
const char *cfg_nearest(const char *word, const char *const *candidates);
void cfg_path_push(struct strbuf *path, const char *key, size_t *saved);
void cfg_path_pop(struct strbuf *path, size_t saved);
const struct ynode *cfg_map_get(const struct ynode *map, const char *key);
/*
 * The value of key in map, with path pushed to it (the caller pops it
 * with cfg_path_pop(path, *saved)); NULL, path untouched, when there is none.
 */
const struct ynode *cfg_enter_key(const struct ynode *map, const char *key,
				  struct strbuf *path, size_t *saved);
/* Reports every key of map that is not in allowed (NULL-terminated). */
void cfg_check_keys(struct loader *L, const struct ynode *map, struct strbuf *path,
		    const char *const *allowed);
void cfg_require_key(struct loader *L, const struct ynode *map, struct strbuf *path,
		     const char *key);
/* 1 when n is a mapping; otherwise reports it and returns 0. */
int cfg_want_map(struct loader *L, const struct ynode *n, struct strbuf *path);

/*
 * The readers: each reads map[key] when present, reports what is wrong
 * with it, and leaves *out alone unless the value is good.
 */
int cfg_string_value(struct loader *L, const struct ynode *v, struct strbuf *path,
		     match_fn match, const char *expected);
void cfg_rd_str(struct loader *L, const struct ynode *map, const char *key,
		struct strbuf *path, char **out, match_fn match, const char *expected);
void cfg_rd_bool(struct loader *L, const struct ynode *map, const char *key,
		 struct strbuf *path, int *out);
void cfg_rd_number(struct loader *L, const struct ynode *map, const char *key,
		   struct strbuf *path, double *out, double min, double max, int integer_only);
void cfg_rd_num(struct loader *L, const struct ynode *map, const char *key,
		struct strbuf *path, double *out, double min, double max);
void cfg_rd_int(struct loader *L, const struct ynode *map, const char *key,
		struct strbuf *path, int64_t *out, int64_t min, int64_t max);
void cfg_rd_small_int(struct loader *L, const struct ynode *map, const char *key,
		      struct strbuf *path, int *out, int min, int max);
int cfg_duration_value(struct loader *L, const struct ynode *v, struct strbuf *path,
		       int64_t *out, int positive);
void cfg_rd_duration(struct loader *L, const struct ynode *map, const char *key,
		     struct strbuf *path, int64_t *out, int positive);
/* A percentage of at most 100%, as a fraction. */
int cfg_percent_value(struct loader *L, const struct ynode *v, struct strbuf *path, double *out);
void cfg_rd_percent(struct loader *L, const struct ynode *map, const char *key,
		    struct strbuf *path, double *out);
void cfg_rd_enum(struct loader *L, const struct ynode *map, const char *key,
		 struct strbuf *path, int *out, const char *const *names);
/* A list of distinct strings each accepted by match; replaces *out when present. */
void cfg_rd_str_list(struct loader *L, const struct ynode *map, const char *key,
		     struct strbuf *path, char ***out, size_t *out_nr,
		     match_fn match, const char *expected);

/* ---- sections.c: pass 3 -------------------------------------------------- */

/* Reads the whole document into L->cfg (defaults already set). */
void cfg_read_config(struct loader *L, const struct ynode *root);
/* Error rates and p95 latency: the signals that have `min_requests`. */
int cfg_signal_counts_requests(enum signal s);

/* ---- pending.c ------------------------------------------------------------ */

/*
 * Appends a warning for each entry of config_pending_keys that the
 * document under root writes (one per entry, at its first place; the
 * message counts the other places).
 */
void cfg_warn_pending(struct loader *L, const struct ynode *root);

/* ---- portable_regex.c ---------------------------------------------------- */

/* NULL when re is in the portable subset, else why not (*at: 1-based position). */
const char *cfg_regex_not_portable(const char *re, size_t *at);

#endif
