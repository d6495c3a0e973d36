/*
 * The step journal: durable runs in SQLite. See journal.h for the contract.
 *
 * The file holds three tables: runs (one row per run, with its lock),
 * steps (one row per step of a run, with its result or last error) and
 * attempts (one row per failed attempt). Every write is one BEGIN
 * IMMEDIATE transaction, so that a crash leaves either the whole step
 * commit or none of it, and a second process waits on the busy timeout
 * instead of failing half-way through an upgrade from reader to writer.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "journal.h"
#include "util/env.h"
#include "util/error.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/units.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * 1: runs, steps, attempts. 2: runs.fingerprint, the digest of the inputs
 * a run was begun with (NULL: unknown, as for every run made by version 1).
 */
#define SCHEMA_VERSION 2
#define STR_(x) #x
#define STR(x) STR_(x)
#define BUSY_TIMEOUT_MS 10000
#define MAX_THREADS 8

struct journal {
	sqlite3 *db;
	/* One connection shared by threads: each transaction holds this. */
	pthread_mutex_t mu;
	char *path;
	char host[256];
	/* The last failed write was the disk's (full, I/O error, read-only); under mu. */
	int disk_error;
};

struct journal_run {
	struct journal *j;
	char *id;
	char *workflow;
	char *fingerprint; /* opts.fingerprint points here */
	char owner[400]; /* pid@host#nonce: unique per handle, even within one process */
	struct journal_run_options opts;
	atomic_int next_seq;
	const char *crash_after;
	const char *crash_before;
	char *pause_step; /* AUTOFIX_PAUSE_AFTER_STEP: K, then pause_ms */
	int pause_ms;
	const char *pause_until; /* AUTOFIX_PAUSE_UNTIL: the file that ends the pause early */
	const char *full_at; /* AUTOFIX_JOURNAL_FULL_AT_STEP: K */
	/* Set once a write failed for the disk's sake: later steps run without the journal. */
	atomic_int unjournaled;
	int finished;

	pthread_t heartbeat;
	int heartbeat_started;
	pthread_mutex_t hb_mu;
	pthread_cond_t hb_cv;
	int hb_stop;
};

/* ---------------------------------------------------------------- time */

/* Lock expiry and timestamps follow the real clock, never AUTOFIX_NOW. */
static int64_t now_ms(void)
{
	return time_wall_ms();
}

static void real_sleep_ms(void *data, int ms)
{
	(void)data;
	time_sleep_ms(ms);
}

/* ---------------------------------------------------------------- SQLite helpers */

/* Notes whether the error just met is the disk's rather than the database's or ours. */
static void note_disk_error(struct journal *j)
{
	int code = sqlite3_errcode(j->db) & 0xff;

	j->disk_error = code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_READONLY;
}

static int db_fail(struct journal *j, const char *what)
{
	note_disk_error(j);
	if (sqlite3_errcode(j->db) == SQLITE_NOTADB)
		return bot_error(BOT_EINVALID, "'%s' is not a state database (%s)", j->path,
				 sqlite3_errmsg(j->db));
	return bot_error(BOT_EIO, "state database '%s': %s: %s", j->path, what,
			 sqlite3_errmsg(j->db));
}

static int db_exec(struct journal *j, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(j->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc;

		note_disk_error(j);
		rc = bot_error(BOT_EIO, "state database '%s': %s", j->path,
				   msg ? msg : sqlite3_errmsg(j->db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static int db_prepare(struct journal *j, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(j->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return db_fail(j, "prepare");
	}
	return 0;
}

/* Binds text, or NULL for a NULL pointer. */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/*
 * Binds text that may quote what a server sent (an error message), with
 * every registered secret masked as in the logs: the state file outlives
 * the job (users keep it with actions/cache) and is shown by a process
 * that may not know the secret.
 */
static void bind_redacted(sqlite3_stmt *st, int i, const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	if (!s) {
		sqlite3_bind_null(st, i);
		return;
	}
	strbuf_addstr(&sb, s);
	log_redact(&sb);
	sqlite3_bind_text(st, i, sb.buf, (int)sb.len, SQLITE_TRANSIENT);
	strbuf_release(&sb);
}

/*
 * A step's result as the journal keeps it: its JSON text with every
 * registered secret masked in its strings (a server may echo a token in
 * data). Masked in the tree, not in the text, where an escaped secret
 * would not match and a masked escape would break the JSON. The caller's
 * result is left as it is. The caller frees the text.
 */
/* A result this large in text is freed while it is written, and read back after (step_run). */
#define LARGE_RESULT (1u << 20)

static char *result_text(const struct json *res)
{
	struct json *copy;
	char *text;

	if (!json_any_string(res, log_has_secret))
		return json_print(res, 0);
	copy = json_dup(res);
	json_map_strings(copy, log_redact);
	text = json_print(copy, 0);
	json_free(copy);
	return text;
}

/* Runs a statement that returns no rows; finalizes it. */
static int db_done(struct journal *j, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(j, "write");
	return 0;
}

static int tx_begin(struct journal *j)
{
	return db_exec(j, "BEGIN IMMEDIATE");
}

static int tx_commit(struct journal *j)
{
	return db_exec(j, "COMMIT");
}

static void tx_rollback(struct journal *j)
{
	/* Keeps the error that made us roll back. */
	sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* ---------------------------------------------------------------- open */

const char *journal_path(const char *flag)
{
	const char *env = env_get("AUTOFIX_STATE");

	if (flag && *flag)
		return flag;
	if (env)
		return env;
	return JOURNAL_DEFAULT_PATH;
}

/* Takes group and other permissions away from path if it exists; errors are left to SQLite. */
static void tighten(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
		chmod(path, st.st_mode & 0700);
}

/*
 * Makes the state file readable by its owner only. SQLite creates a new
 * database 0644 (less the umask) and gives its -wal and -shm files the
 * database's mode, so the database is created 0600 here first; one left
 * looser by an earlier autofix (or restored by actions/cache) is
 * tightened, with the -wal and -shm files it already has.
 */
static void restrict_mode(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	struct strbuf p = STRBUF_INIT;
	size_t i;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s%s", path, suffixes[i]);
		tighten(p.buf);
	}
	strbuf_release(&p);
}

/*
 * The directory of the state file holds a .gitignore (as pytest's and
 * mypy's caches do), so that the state inside a checkout never shows up as
 * untracked: every entry of the directory is ignored but templates/, which
 * a repository commits there (.autofix/templates/ overrides autofix's
 * templates). Written whole or not at all, never over an existing one; a
 * failure is only a warning: the state is still usable.
 */
static void write_gitignore(const char *dir)
{
	static const char text[] = "# Created by autofix: its state, never committed (templates/ is yours).\n"
				   "/*\n!/templates/\n";
	struct strbuf path = STRBUF_INIT;
	int fd;

	strbuf_addf(&path, "%s/.gitignore", dir);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno != EEXIST)
			log_warning("cannot create '%s': %s", path.buf, strerror(errno));
	} else {
		int failed = write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1);
		int saved = errno;

		if (close(fd) < 0 && !failed) {
			failed = 1;
			saved = errno;
		}
		if (failed) {
			log_warning("cannot write '%s': %s", path.buf, strerror(saved));
			unlink(path.buf);
		}
	}
	strbuf_release(&path);
}

/* Whether dir's last component is ".autofix", the default directory of the state. */
static int is_autofix_dir(const char *dir)
{
	const char *base = strrchr(dir, '/');

	return !strcmp(base ? base + 1 : dir, ".autofix");
}

/*
 * mkdir -p of the directory part of path. The innermost directory gets a
 * .gitignore when it is made here, or when it is a checkout's .autofix/
 * that existed already (it holds committed templates).
 */
static int make_parent_dirs(const char *path)
{
	char *dir = xstrdup(path), *p;
	int rc = 0, made = 0;

	p = strrchr(dir, '/');
	if (!p || p == dir) {
		free(dir);
		return 0;
	}
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			/* Only the user: the state file quotes what servers answered. */
			made = mkdir(dir, 0700) == 0;
			if (!made && errno != EEXIST) {
				rc = bot_error(BOT_EIO, "cannot create directory '%s': %s", dir,
					       strerror(errno));
				break;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	if (!rc && (made || is_autofix_dir(dir)))
		write_gitignore(dir);
	free(dir);
	return rc;
}

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS runs ("
	" id TEXT PRIMARY KEY,"
	" workflow TEXT NOT NULL,"
	" trigger TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('running','succeeded','failed')),"
	" started_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" finished_at INTEGER,"
	" resumes INTEGER NOT NULL DEFAULT 0,"
	" error TEXT,"
	" lock_owner TEXT, lock_pid INTEGER, lock_host TEXT, lock_expires INTEGER,"
	" fingerprint TEXT);"
	"CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at);"
	"CREATE TABLE IF NOT EXISTS steps ("
	" run_id TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('running','succeeded','failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" result TEXT,"
	" error TEXT, error_code INTEGER,"
	" started_at INTEGER, finished_at INTEGER, duration_ms INTEGER,"
	" PRIMARY KEY (run_id, name));"
	"CREATE TABLE IF NOT EXISTS attempts ("
	" run_id TEXT NOT NULL, step TEXT NOT NULL, attempt INTEGER NOT NULL,"
	" at INTEGER NOT NULL, duration_ms INTEGER NOT NULL,"
	" error_code INTEGER NOT NULL, error TEXT,"
	" PRIMARY KEY (run_id, step, attempt));";

static int user_version(struct journal *j, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(j->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		goto fail;
	}
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
fail:
	if (sqlite3_errcode(j->db) == SQLITE_NOTADB)
		return bot_error(BOT_EINVALID, "'%s' is not a state database (%s)", j->path,
				 sqlite3_errmsg(j->db));
	return db_fail(j, "read schema version");
}

/* The schema version in *version; a file from a newer autofix is refused (BOT_EINVALID). */
static int known_version(struct journal *j, int *version)
{
	int rc;

	if ((rc = user_version(j, version)) < 0)
		return rc;
	if (*version > SCHEMA_VERSION)
		return bot_error(BOT_EINVALID,
				 "state database '%s' has schema version %d, newer than this autofix (%d)",
				 j->path, *version, SCHEMA_VERSION);
	return 0;
}

static int set_up_schema(struct journal *j)
{
	int version, rc;

	if ((rc = known_version(j, &version)) < 0)
		return rc;
	if (version == SCHEMA_VERSION)
		return 0;
	if ((rc = tx_begin(j)) < 0)
		return rc;
	/* Another process may have created it while we waited for the write lock. */
	if ((rc = user_version(j, &version)) < 0 || version == SCHEMA_VERSION) {
		tx_rollback(j);
		return rc;
	}
	/*
	 * The upgrade from the version found runs in this one transaction
	 * with the new version number, so that a crash leaves the file at
	 * its old version, which the next open upgrades again.
	 */
	if (version == 0)
		rc = db_exec(j, schema_sql);
	else if (version == 1)
		rc = db_exec(j, "ALTER TABLE runs ADD COLUMN fingerprint TEXT");
	else
		rc = bot_error(BOT_EINVALID, "state database '%s' has schema version %d, which this autofix cannot upgrade",
			       j->path, version);
	if (rc < 0 || (rc = db_exec(j, "PRAGMA user_version = " STR(SCHEMA_VERSION))) < 0) {
		tx_rollback(j);
		return rc;
	}
	return tx_commit(j);
}

/*
 * Switching a new file to WAL needs the write lock while the statement
 * already holds a read lock. When another connection has the write lock
 * (another process switching the same new file), SQLite refuses at once
 * with "database is locked" instead of calling the busy handler, since
 * waiting could deadlock. So the switch is retried here, within the busy
 * timeout; two `autofix scan`s started together on a fresh state file
 * used to see one of them go on without a journal, so without the run
 * lock. Once the file is in WAL mode the pragma only reads.
 */
static int set_wal(struct journal *j)
{
	int64_t deadline = time_monotonic_ms() + BUSY_TIMEOUT_MS;
	sqlite3_stmt *st;
	int rc = 0, attempt;

	for (attempt = 1; ; attempt++) {
		if ((rc = db_prepare(j, &st, "PRAGMA journal_mode = WAL")) < 0)
			return rc;
		if (sqlite3_step(st) == SQLITE_ROW)
			break;
		if ((sqlite3_errcode(j->db) & 0xff) == SQLITE_BUSY && time_monotonic_ms() < deadline) {
			sqlite3_finalize(st);
			/* Two openers that retry in step would collide again. */
			time_sleep_ms(5 + (getpid() + attempt) % 16);
			continue;
		}
		rc = sqlite3_errcode(j->db) == SQLITE_NOTADB
			? bot_error(BOT_EINVALID, "'%s' is not a state database (%s)", j->path,
				    sqlite3_errmsg(j->db))
			: db_fail(j, "set WAL mode");
		sqlite3_finalize(st);
		return rc;
	}
	if (strcmp(col_text(st, 0) ? col_text(st, 0) : "", "wal") &&
	    strcmp(j->path, JOURNAL_MEMORY))
		rc = bot_error(BOT_EIO, "state database '%s': cannot use WAL mode (got '%s')",
			       j->path, col_text(st, 0) ? col_text(st, 0) : "");
	sqlite3_finalize(st);
	return rc;
}

int journal_open(struct journal **out, const char *path)
{
	struct journal *j;
	int rc, version;

	if ((rc = make_parent_dirs(path)) < 0)
		return rc;
	j = xcalloc(1, sizeof(*j));
	j->path = xstrdup(path);
	pthread_mutex_init(&j->mu, NULL);
	if (gethostname(j->host, sizeof(j->host) - 1) < 0)
		snprintf(j->host, sizeof(j->host), "unknown");
	if (strcmp(path, JOURNAL_MEMORY))
		restrict_mode(path);
	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		rc = bot_error(BOT_EIO, "cannot open state database '%s': %s", path,
			       j->db ? sqlite3_errmsg(j->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(j->db, BUSY_TIMEOUT_MS);
	/*
	 * WAL lets `autofix runs` read while a run writes; FULL makes each
	 * step commit survive a power cut too, which costs one fsync per step.
	 */
	/* A newer autofix's file is refused before anything is written to it (WAL mode is a write). */
	if ((rc = known_version(j, &version)) < 0 ||
	    (rc = set_wal(j)) < 0 ||
	    (rc = db_exec(j, "PRAGMA synchronous = FULL")) < 0 ||
	    (rc = set_up_schema(j)) < 0)
		goto fail;
	*out = j;
	return 0;
fail:
	journal_close(j);
	return rc;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	sqlite3_close(j->db);
	pthread_mutex_destroy(&j->mu);
	free(j->path);
	free(j);
}

/* ---------------------------------------------------------------- run ids */

static int valid_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > 128)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._:/@+-", c)))
			return 0;
	}
	return 1;
}

int journal_run_id(struct strbuf *out, const char *workflow, const char *explicit_id,
		   const char *fingerprint)
{
	const char *gh_run = getenv("GITHUB_RUN_ID");
	const char *gh_repo = env_repository(NULL);
	const char *gh_job = getenv("GITHUB_JOB");
	size_t start = out->len;

	if (explicit_id) {
		if (!valid_id(explicit_id))
			return bot_error(BOT_EINVALID,
					 "bad run id '%s': expected 1-128 characters of A-Z a-z 0-9 . _ : / @ + -",
					 explicit_id);
		strbuf_addstr(out, explicit_id);
		return 0;
	}
	if (gh_run && *gh_run) {
		/* Not GITHUB_RUN_ATTEMPT: every attempt of a workflow run must map to one journal run. */
		strbuf_addf(out, "gh:%s:%s:%s:%s", gh_repo && *gh_repo ? gh_repo : "-", gh_run, workflow,
			    gh_job && *gh_job ? gh_job : "-");
		if (fingerprint)
			strbuf_addf(out, ":%.8s", fingerprint);
		if (!valid_id(out->buf + start)) {
			strbuf_setlen(out, start);
			return bot_error(BOT_EINVALID,
					 "cannot derive a run id under GitHub Actions (from GITHUB_RUN_ID '%s' and GITHUB_JOB '%s'): pass --run-id",
					 gh_run, gh_job ? gh_job : "");
		}
		return 0;
	} else {
		unsigned char rnd[3] = { 0 };
		struct tm tm;
		time_t t = time(NULL);
		char stamp[32];

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			/* Uniqueness only matters between runs a second apart or more; the pid helps. */
			unsigned pid = (unsigned)getpid();
			memcpy(rnd, &pid, sizeof(rnd));
		}
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		strbuf_addf(out, "%s-%s-%02x%02x%02x", workflow, stamp, rnd[0], rnd[1], rnd[2]);
	}
	return 0;
}

/* ---------------------------------------------------------------- retry policy */

int journal_error_is_retryable(int code)
{
	switch (code) {
	case BOT_ETRANSIENT:
	case BOT_ETIMEOUT:
	case BOT_ERATELIMIT:
	case BOT_EIO:
		return 1;
	default:
		return 0;
	}
}

static int backoff_ms(const struct journal_retry *r, int attempt)
{
	int64_t d = r->backoff_base_ms;
	int i;

	for (i = 1; i < attempt && d < r->backoff_cap_ms; i++)
		d *= 2;
	if (d > r->backoff_cap_ms)
		d = r->backoff_cap_ms;
	return d < 0 ? 0 : (int)d;
}

int journal_retention(int64_t *out_ms)
{
	const char *v = env_get("AUTOFIX_RETENTION");
	int rc;

	if (!v) {
		*out_ms = JOURNAL_DEFAULT_RETENTION_MS;
		return 0;
	}
	if ((rc = units_parse_duration(out_ms, v)) < 0)
		return bot_error_wrap(rc, "AUTOFIX_RETENTION: ");
	return 0;
}

/* ---------------------------------------------------------------- locks */

/* Whether the holder recorded in a runs row still holds it at time now. */
static int lock_live(struct journal *j, const char *owner, int64_t pid, const char *host,
		     int64_t expires, int64_t now)
{
	if (!owner)
		return 0;
	if (expires < now)
		return 0;
	/* On this host a dead pid frees the lock at once: resuming after SIGKILL needs no wait. */
	if (host && !strcmp(host, j->host) && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0;
	return 1;
}

/* One attempt at creating or taking over the run; BOT_ECONFLICT when held. */
static int try_begin(struct journal_run *run, const char *trigger)
{
	struct journal *j = run->j;
	sqlite3_stmt *st = NULL;
	int64_t now = now_ms(), expires = now + run->opts.lock_stale_ms;
	int rc, exists = 0;

	pthread_mutex_lock(&j->mu);
	if ((rc = tx_begin(j)) < 0)
		goto out_unlocked_tx;
	if ((rc = db_prepare(j, &st, "SELECT workflow, lock_owner, lock_pid, lock_host, lock_expires,"
				     " fingerprint FROM runs WHERE id = ?1")) < 0)
		goto out;
	bind_text(st, 1, run->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *wf = col_text(st, 0), *owner = col_text(st, 1), *host = col_text(st, 3);
		const char *fp = col_text(st, 5);
		int64_t pid = sqlite3_column_int64(st, 2), exp = sqlite3_column_int64(st, 4);

		exists = 1;
		if (strcmp(wf, run->workflow)) {
			rc = bot_error(BOT_EINVALID, "run '%s' is a '%s' run, not '%s'", run->id, wf,
				       run->workflow);
			goto out;
		}
		/*
		 * Before the lock: whoever holds it, these inputs may not use
		 * this run. NULL is a run from before fingerprints: it takes ours.
		 */
		if (fp && run->opts.fingerprint && strcmp(fp, run->opts.fingerprint)) {
			rc = bot_error(BOT_EINVALID,
				       "run '%s' was started with other inputs (fingerprint %.12s, now %.12s); "
				       "its stored results do not apply: use a new --run-id",
				       run->id, fp, run->opts.fingerprint);
			goto out;
		}
		if (lock_live(j, owner, pid, host, exp, now)) {
			rc = bot_error(BOT_ECONFLICT,
				       "run '%s' is being run by process %lld on host '%s' (its lock expires in %llds)",
				       run->id, (long long)pid, host ? host : "?",
				       (long long)((exp - now + 999) / 1000));
			goto out;
		}
		if (owner)
			log_warning("run '%s': taking over from process %lld on '%s' (%s)", run->id,
				    (long long)pid, host ? host : "?",
				    exp < now ? "its lock expired" : "it is gone");
	} else if (rc != SQLITE_DONE) {
		rc = db_fail(j, "read run");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;

	if (exists)
		rc = db_prepare(j, &st, "UPDATE runs SET status = 'running', updated_at = ?2,"
					" finished_at = NULL, error = NULL, resumes = resumes + 1,"
					" lock_owner = ?3, lock_pid = ?4, lock_host = ?5, lock_expires = ?6,"
					" fingerprint = COALESCE(fingerprint, ?9)"
					" WHERE id = ?1");
	else
		rc = db_prepare(j, &st, "INSERT INTO runs (id, updated_at, lock_owner, lock_pid, lock_host,"
					" lock_expires, workflow, trigger, status, started_at, fingerprint)"
					" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', ?2, ?9)");
	if (rc < 0)
		goto out;
	bind_text(st, 1, run->id);
	sqlite3_bind_int64(st, 2, now);
	bind_text(st, 3, run->owner);
	sqlite3_bind_int64(st, 4, (int64_t)getpid());
	bind_text(st, 5, j->host);
	sqlite3_bind_int64(st, 6, expires);
	bind_text(st, 9, run->opts.fingerprint);
	if (!exists) {
		bind_text(st, 7, run->workflow);
		bind_text(st, 8, trigger ? trigger : "cli");
	}
	rc = db_done(j, st);
	st = NULL;
	if (rc < 0)
		goto out;
	rc = tx_commit(j);
	if (rc < 0)
		tx_rollback(j);
	pthread_mutex_unlock(&j->mu);
	return rc;
out:
	sqlite3_finalize(st);
	tx_rollback(j);
out_unlocked_tx:
	pthread_mutex_unlock(&j->mu);
	return rc;
}

/* Refreshes the lock's expiry; 0 when we still hold it. Caller holds j->mu. */
static int refresh_lock(struct journal_run *run)
{
	struct journal *j = run->j;
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(j, &st, "UPDATE runs SET lock_expires = ?1, updated_at = ?2"
				     " WHERE id = ?3 AND lock_owner = ?4")) < 0)
		return rc;
	sqlite3_bind_int64(st, 1, now_ms() + run->opts.lock_stale_ms);
	sqlite3_bind_int64(st, 2, now_ms());
	bind_text(st, 3, run->id);
	bind_text(st, 4, run->owner);
	if ((rc = db_done(j, st)) < 0)
		return rc;
	if (sqlite3_changes(j->db) != 1)
		return bot_error(BOT_ECONFLICT,
				 "run '%s': lost its lock to another process (stalled longer than %dms?)",
				 run->id, run->opts.lock_stale_ms);
	return 0;
}

static void *heartbeat_main(void *arg)
{
	struct journal_run *run = arg;
	int period = run->opts.lock_stale_ms / 3;

	if (period < 50)
		period = 50;
	pthread_mutex_lock(&run->hb_mu);
	while (!run->hb_stop) {
		struct timespec ts;
		int64_t until;

		until = time_wall_ms() + period;
		ts.tv_sec = until / 1000;
		ts.tv_nsec = (long)(until % 1000) * 1000000L;
		pthread_cond_timedwait(&run->hb_cv, &run->hb_mu, &ts);
		if (run->hb_stop)
			break;
		pthread_mutex_lock(&run->j->mu);
		if (tx_begin(run->j) == 0) {
			if (refresh_lock(run) == 0)
				tx_commit(run->j);
			else
				tx_rollback(run->j);
		}
		pthread_mutex_unlock(&run->j->mu);
	}
	pthread_mutex_unlock(&run->hb_mu);
	return NULL;
}

static void heartbeat_stop(struct journal_run *run)
{
	if (!run->heartbeat_started)
		return;
	pthread_mutex_lock(&run->hb_mu);
	run->hb_stop = 1;
	pthread_cond_signal(&run->hb_cv);
	pthread_mutex_unlock(&run->hb_mu);
	pthread_join(run->heartbeat, NULL);
	run->heartbeat_started = 0;
}

/* ---------------------------------------------------------------- runs */

/* Frees the handle; its heartbeat is stopped (or never started) and its lock released. */
static void run_destroy(struct journal_run *run)
{
	pthread_mutex_destroy(&run->hb_mu);
	pthread_cond_destroy(&run->hb_cv);
	free(run->pause_step);
	free(run->id);
	free(run->workflow);
	free(run->fingerprint);
	free(run);
}

int journal_run_begin(struct journal_run **out, struct journal *j, const char *id,
		      const char *workflow, const char *trigger,
		      const struct journal_run_options *opts)
{
	static const struct journal_run_options defaults = JOURNAL_RUN_OPTIONS_INIT;
	struct journal_run *run;
	unsigned char nonce[4] = { 0 };
	int64_t deadline;
	int rc, waiting;

	if (!valid_id(id))
		return bot_error(BOT_EINVALID, "bad run id '%s'", id);
	run = xcalloc(1, sizeof(*run));
	run->j = j;
	run->id = xstrdup(id);
	run->workflow = xstrdup(workflow);
	run->opts = opts ? *opts : defaults;
	if (run->opts.fingerprint)
		run->opts.fingerprint = run->fingerprint = xstrdup(run->opts.fingerprint);
	if (run->opts.lock_stale_ms <= 0)
		run->opts.lock_stale_ms = defaults.lock_stale_ms;
	if (!run->opts.sleep_ms)
		run->opts.sleep_ms = real_sleep_ms;
	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		memcpy(nonce, &run, sizeof(nonce) < sizeof(run) ? sizeof(nonce) : sizeof(run));
	snprintf(run->owner, sizeof(run->owner), "%ld@%s#%02x%02x%02x%02x", (long)getpid(),
		 j->host, nonce[0], nonce[1], nonce[2], nonce[3]);
	run->crash_after = env_get("AUTOFIX_CRASH_AFTER_STEP");
	run->crash_before = env_get("AUTOFIX_CRASH_BEFORE_STEP");
	run->full_at = env_get("AUTOFIX_JOURNAL_FULL_AT_STEP");
	if (env_get("AUTOFIX_PAUSE_AFTER_STEP")) {
		char *colon;

		run->pause_step = xstrdup(env_get("AUTOFIX_PAUSE_AFTER_STEP"));
		colon = strrchr(run->pause_step, ':');
		if (colon) {
			*colon = '\0';
			run->pause_ms = (int)strtol(colon + 1, NULL, 10);
		}
		run->pause_until = env_get("AUTOFIX_PAUSE_UNTIL");
	}
	pthread_mutex_init(&run->hb_mu, NULL);
	pthread_cond_init(&run->hb_cv, NULL);

	if (run->opts.retention_ms > 0 && (rc = journal_prune(j, run->opts.retention_ms)) < 0)
		log_warning("cannot prune old runs: %s", bot_error_last());

	deadline = time_monotonic_ms() + run->opts.lock_wait_ms;
	for (waiting = 0; (rc = try_begin(run, trigger)) == BOT_ECONFLICT &&
			  time_monotonic_ms() < deadline; waiting = 1) {
		/* A process that sits silent for minutes looks hung: say whom it waits for. */
		if (!waiting)
			log_info("%s; waiting up to %ds for it", bot_error_last(),
				 (run->opts.lock_wait_ms + 999) / 1000);
		real_sleep_ms(NULL, 200);
	}
	if (rc < 0) {
		run_destroy(run);
		return rc;
	}
	if (pthread_create(&run->heartbeat, NULL, heartbeat_main, run) == 0)
		run->heartbeat_started = 1;
	else
		log_warning("run '%s': no heartbeat thread; the lock may look stale after %dms",
			    id, run->opts.lock_stale_ms);
	*out = run;
	return 0;
}

const char *journal_run_get_id(const struct journal_run *run)
{
	return run->id;
}

struct journal *journal_run_get_journal(const struct journal_run *run)
{
	return run->j;
}

/* Writes the run's end state and drops its lock. status NULL keeps it as it is. */
static int release_run(struct journal_run *run, const char *status, const char *error)
{
	struct journal *j = run->j;
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&j->mu);
	if ((rc = tx_begin(j)) < 0)
		goto out;
	if (status)
		rc = db_prepare(j, &st, "UPDATE runs SET status = ?3, finished_at = ?4, updated_at = ?4,"
					" error = ?5, lock_owner = NULL, lock_pid = NULL,"
					" lock_host = NULL, lock_expires = NULL"
					" WHERE id = ?1 AND lock_owner = ?2");
	else
		rc = db_prepare(j, &st, "UPDATE runs SET lock_owner = NULL, lock_pid = NULL,"
					" lock_host = NULL, lock_expires = NULL"
					" WHERE id = ?1 AND lock_owner = ?2");
	if (rc < 0) {
		tx_rollback(j);
		goto out;
	}
	bind_text(st, 1, run->id);
	bind_text(st, 2, run->owner);
	if (status) {
		bind_text(st, 3, status);
		sqlite3_bind_int64(st, 4, now_ms());
		bind_redacted(st, 5, error);
	}
	if ((rc = db_done(j, st)) < 0) {
		tx_rollback(j);
		goto out;
	}
	if (status && sqlite3_changes(j->db) != 1) {
		tx_rollback(j);
		rc = bot_error(BOT_ECONFLICT, "run '%s': lost its lock before it could finish", run->id);
		goto out;
	}
	if ((rc = tx_commit(j)) < 0)
		tx_rollback(j);
out:
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_run_finish(struct journal_run *run, int result)
{
	char *msg = result < 0 ? xstrdup(*bot_error_last() ? bot_error_last()
							   : bot_error_name(result)) : NULL;
	int rc;

	heartbeat_stop(run);
	/*
	 * Without its journal the run is not over as far as the journal knows:
	 * recorded as failed (if the disk still lets us), so that a rerun makes
	 * the steps that were not recorded.
	 */
	if (atomic_load(&run->unjournaled) && result >= 0) {
		free(msg);
		msg = xstrdup("the journal could not be written; the later steps were not recorded");
		result = BOT_EIO;
	}
	rc = release_run(run, result < 0 ? "failed" : "succeeded", msg);
	run->finished = 1;
	free(msg);
	return rc;
}

void journal_run_free(struct journal_run *run)
{
	if (!run)
		return;
	heartbeat_stop(run);
	if (!run->finished)
		release_run(run, NULL, NULL);
	run_destroy(run);
}

/* ---------------------------------------------------------------- steps */

static int crash_matches(const char *spec, int seq, const char *name)
{
	char *end;
	long k;

	if (!spec)
		return 0;
	k = strtol(spec, &end, 10);
	if (end != spec && !*end)
		return k == seq;
	return !strcmp(spec, name);
}

static void crash(const char *var, const struct journal_run *run, const char *name)
{
	log_error("%s: aborting at step '%s' of run '%s'", var, name, run->id);
	abort();
}

enum step_state { STEP_NEW, STEP_STORED };

/*
 * Looks the step up: STEP_STORED with *result_text (malloc'd) when it
 * succeeded before; else marks it running and returns STEP_NEW with the
 * attempts made so far in *attempts.
 */
static int step_load(struct journal_run *run, const char *name, int seq, char **result_text,
		     int *attempts, int *disk)
{
	struct journal *j = run->j;
	sqlite3_stmt *st = NULL;
	int rc;

	*attempts = 0;
	pthread_mutex_lock(&j->mu);
	j->disk_error = 0;
	if ((rc = tx_begin(j)) < 0)
		goto out_notx;
	if ((rc = db_prepare(j, &st, "SELECT status, result, attempts FROM steps"
				     " WHERE run_id = ?1 AND name = ?2")) < 0)
		goto out;
	bind_text(st, 1, run->id);
	bind_text(st, 2, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*attempts = sqlite3_column_int(st, 2);
		if (!strcmp(col_text(st, 0), "succeeded")) {
			const char *r = col_text(st, 1);
			*result_text = xstrdup(r ? r : "null");
			sqlite3_finalize(st);
			tx_rollback(j);
			pthread_mutex_unlock(&j->mu);
			return STEP_STORED;
		}
	} else if (rc != SQLITE_DONE) {
		rc = db_fail(j, "read step");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = db_prepare(j, &st,
			     "INSERT INTO steps (run_id, name, seq, status, started_at)"
			     " VALUES (?1, ?2, ?3, 'running', ?4)"
			     " ON CONFLICT (run_id, name) DO UPDATE SET status = 'running',"
			     " started_at = excluded.started_at, finished_at = NULL,"
			     " duration_ms = NULL")) < 0)
		goto out;
	bind_text(st, 1, run->id);
	bind_text(st, 2, name);
	sqlite3_bind_int(st, 3, seq);
	sqlite3_bind_int64(st, 4, now_ms());
	rc = db_done(j, st);
	st = NULL;
	if (rc < 0 || (rc = refresh_lock(run)) < 0 || (rc = tx_commit(j)) < 0)
		goto out;
	pthread_mutex_unlock(&j->mu);
	return STEP_NEW;
out:
	sqlite3_finalize(st);
	tx_rollback(j);
out_notx:
	*disk = j->disk_error;
	pthread_mutex_unlock(&j->mu);
	return rc;
}

/* Commits a success (error_code 0, result) or a failed attempt, in one transaction. */
static int step_record(struct journal_run *run, const char *name, int attempt, int64_t at,
		       int64_t attempt_ms, int64_t step_ms, const char *result, int error_code,
		       const char *error, int final, int *disk)
{
	struct journal *j = run->j;
	sqlite3_stmt *st = NULL;
	int rc;

	pthread_mutex_lock(&j->mu);
	j->disk_error = 0;
	if ((rc = tx_begin(j)) < 0)
		goto out_notx;
	/* Fencing: a run that lost its lock must not write over its successor. */
	if ((rc = refresh_lock(run)) < 0)
		goto out;
	if (error_code) {
		if ((rc = db_prepare(j, &st, "INSERT OR REPLACE INTO attempts"
					     " (run_id, step, attempt, at, duration_ms, error_code, error)"
					     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")) < 0)
			goto out;
		bind_text(st, 1, run->id);
		bind_text(st, 2, name);
		sqlite3_bind_int(st, 3, attempt);
		sqlite3_bind_int64(st, 4, at);
		sqlite3_bind_int64(st, 5, attempt_ms);
		sqlite3_bind_int(st, 6, error_code);
		bind_redacted(st, 7, error);
		rc = db_done(j, st);
		st = NULL;
		if (rc < 0)
			goto out;
	}
	if ((rc = db_prepare(j, &st, "UPDATE steps SET attempts = ?3, status = ?4, result = ?5,"
				     " error = ?6, error_code = ?7, finished_at = ?8, duration_ms = ?9"
				     " WHERE run_id = ?1 AND name = ?2")) < 0)
		goto out;
	bind_text(st, 1, run->id);
	bind_text(st, 2, name);
	sqlite3_bind_int(st, 3, attempt);
	bind_text(st, 4, !error_code ? "succeeded" : final ? "failed" : "running");
	/* Not copied: a step's result can be tens of megabytes, and result outlives the statement. */
	if (result)
		sqlite3_bind_text(st, 5, result, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	bind_redacted(st, 6, error_code ? error : NULL);
	if (error_code)
		sqlite3_bind_int(st, 7, error_code);
	else
		sqlite3_bind_null(st, 7);
	if (!error_code || final) {
		sqlite3_bind_int64(st, 8, now_ms());
		sqlite3_bind_int64(st, 9, step_ms);
	}
	rc = db_done(j, st);
	st = NULL;
	if (rc < 0 || (rc = tx_commit(j)) < 0)
		goto out;
	pthread_mutex_unlock(&j->mu);
	return 0;
out:
	sqlite3_finalize(st);
	tx_rollback(j);
out_notx:
	*disk = j->disk_error;
	pthread_mutex_unlock(&j->mu);
	return rc;
}

/*
 * AUTOFIX_PAUSE_AFTER_STEP's pause, ended early by AUTOFIX_PAUSE_UNTIL's
 * file, so that a test holds a run exactly as long as it needs to instead
 * of guessing how long a loaded machine takes to get there.
 */
static void pause_after_step(struct journal_run *run, const char *name)
{
	int64_t end = time_monotonic_ms() + run->pause_ms;
	struct stat st;

	if (!run->pause_until) {
		log_warning("AUTOFIX_PAUSE_AFTER_STEP: pausing %dms after step '%s'",
			    run->pause_ms, name);
		real_sleep_ms(NULL, run->pause_ms);
		return;
	}
	log_warning("AUTOFIX_PAUSE_AFTER_STEP: pausing %dms after step '%s', or until %s exists",
		    run->pause_ms, name, run->pause_until);
	while (time_monotonic_ms() < end && stat(run->pause_until, &st) < 0)
		time_sleep_ms(20);
}

/*
 * A write that failed for the disk's sake (full, an I/O error, the file
 * made read-only under us) costs the run its journal, not its result: the
 * source requests are spent, and a scheduled bot's user would rather have
 * the report than lose it to a cache. So the run goes on without the
 * journal, loudly. A lost lock is not the disk's: it still fails the step,
 * since another process now owns the run. Returns 1 when the run now goes
 * on unjournaled, 0 when rc must fail the step.
 */
static int lose_journal(struct journal_run *run, const char *name, int rc, int disk)
{
	if (rc >= 0 || !disk)
		return 0;
	if (!atomic_exchange(&run->unjournaled, 1))
		log_warning("%s; run '%s' goes on without its journal from step '%s' on: its results "
			    "are still reported, but the steps from there are not recorded and a "
			    "rerun will make them again", bot_error_last(), run->id, name);
	return 1;
}

/* Sets the test-only disk limit of AUTOFIX_JOURNAL_FULL_AT_STEP. */
static void fill_disk(struct journal_run *run, const char *name)
{
	log_warning("AUTOFIX_JOURNAL_FULL_AT_STEP: the state database may grow no more from "
		    "step '%s' on", name);
	pthread_mutex_lock(&run->j->mu);
	/* Below the file's size, SQLite takes its current size: no page more. */
	sqlite3_exec(run->j->db, "PRAGMA max_page_count = 1", NULL, NULL, NULL);
	pthread_mutex_unlock(&run->j->mu);
}

static int step_run(struct json **out, struct journal_run *run, const char *name, int seq,
		    const struct journal_retry *retry_in, journal_step_fn fn, void *data)
{
	static const struct journal_retry defaults = JOURNAL_RETRY_INIT;
	const struct journal_retry *retry = retry_in ? retry_in : &defaults;
	int max = retry->max_attempts < 1 ? 1 : retry->max_attempts;
	char *stored = NULL;
	int64_t step_start = time_monotonic_ms();
	int prior = 0, rc, i, disk = 0;

	if (!name || !*name)
		return bot_error(BOT_EINVALID, "a step needs a name");
	if (atomic_load(&run->unjournaled))
		rc = STEP_NEW;
	else if ((rc = step_load(run, name, seq, &stored, &prior, &disk)) < 0 &&
		 !lose_journal(run, name, rc, disk))
		return rc;
	else if (rc < 0)
		rc = STEP_NEW;
	if (rc == STEP_STORED) {
		struct json *res;

		rc = json_parse(&res, stored, strlen(stored));
		free(stored);
		if (rc < 0)
			return bot_error_wrap(rc, "step '%s': stored result is unreadable: ", name);
		log_info("step '%s': result stored by an earlier execution of run '%s', not run again",
			 name, run->id);
		*out = res;
		return 0;
	}

	for (i = 1; ; i++) {
		struct json *res = NULL;
		int64_t at = now_ms(), t0 = time_monotonic_ms(), dur;
		int attempt = prior + i, final, retryable;
		char *msg;

		bot_error_clear();
		rc = fn(&res, data);
		dur = time_monotonic_ms() - t0;
		if (rc >= 0) {
			int kept = rc == JOURNAL_KEPT;
			char *text;

			if (!res)
				res = json_new_null();
			text = result_text(res);
			/*
			 * A large result (an observation of 1000 services: 14 MB
			 * of text) need not be held three times while SQLite
			 * builds its record: the tree goes, and is read back from
			 * the text once it is written. Only when the text is the
			 * tree's own print (nothing masked): the caller's result
			 * stays what the step returned. A kept result's tree
			 * goes in any case, and is not read back.
			 */
			if (kept || (strlen(text) > LARGE_RESULT && !json_any_string(res, log_has_secret))) {
				json_free(res);
				res = NULL;
			}
			if (crash_matches(run->crash_before, seq, name))
				crash("AUTOFIX_CRASH_BEFORE_STEP", run, name);
			if (crash_matches(run->full_at, seq, name))
				fill_disk(run, name);
			rc = 0;
			if (!atomic_load(&run->unjournaled))
				rc = step_record(run, name, attempt, at, dur,
						 time_monotonic_ms() - step_start, text, 0, NULL, 1, &disk);
			if (!res && !kept && json_parse(&res, text, strlen(text)) < 0) {
				free(text);
				return bot_error_wrap(BOT_ERROR, "step '%s': its own result does not read back: ", name);
			}
			free(text);
			if (rc < 0 && !lose_journal(run, name, rc, disk)) {
				json_free(res);
				return bot_error_wrap(rc, "step '%s': ", name);
			}
			if (crash_matches(run->crash_after, seq, name))
				crash("AUTOFIX_CRASH_AFTER_STEP", run, name);
			if (crash_matches(run->pause_step, seq, name))
				pause_after_step(run, name);
			*out = res;
			return 0;
		}
		json_free(res);
		retryable = journal_error_is_retryable(rc);
		final = !retryable || i >= max;
		msg = xstrdup(*bot_error_last() ? bot_error_last() : bot_error_name(rc));
		if (!atomic_load(&run->unjournaled)) {
			int wrc = step_record(run, name, attempt, at, dur, time_monotonic_ms() - step_start, NULL,
					      rc, msg, final, &disk);
			if (wrc < 0 && !lose_journal(run, name, wrc, disk)) {
				free(msg);
				return bot_error_wrap(wrc, "step '%s': ", name);
			}
		}
		if (final) {
			if (retryable)
				bot_error(rc, "step '%s' failed after %d attempt%s: %s", name, i,
					  i == 1 ? "" : "s", msg);
			else
				bot_error(rc, "step '%s' failed: %s", name, msg);
			free(msg);
			return rc;
		}
		log_warning("step '%s': attempt %d failed (%s), retrying", name, attempt, msg);
		free(msg);
		run->opts.sleep_ms(run->opts.sleep_data, backoff_ms(retry, i));
	}
}

int journal_step(struct json **out, struct journal_run *run, const char *name,
		 const struct journal_retry *retry, journal_step_fn fn, void *data)
{
	int seq = atomic_fetch_add(&run->next_seq, 1) + 1;

	return step_run(out, run, name, seq, retry, fn, data);
}

struct parallel {
	struct journal_run *run;
	struct journal_task *tasks;
	size_t nr;
	const struct journal_retry *retry;
	int base_seq;
	atomic_size_t next;
};

static void *parallel_worker(void *arg)
{
	struct parallel *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->nr) {
		struct journal_task *t = &p->tasks[i];

		t->result = NULL;
		t->message = NULL;
		t->error = step_run(&t->result, p->run, t->name, p->base_seq + (int)i + 1,
				    p->retry, t->fn, t->data);
		if (t->error < 0) {
			t->result = NULL;
			t->message = xstrdup(bot_error_last());
		}
	}
	return NULL;
}

int journal_step_parallel(struct journal_run *run, struct journal_task *tasks, size_t nr,
			  const struct journal_retry *retry, int max_threads)
{
	struct parallel p;
	pthread_t threads[MAX_THREADS];
	size_t nthreads, started = 0, i;

	if (!nr)
		return 0;
	nthreads = max_threads > 0 ? (size_t)max_threads : nr;
	if (nthreads > nr)
		nthreads = nr;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	p.run = run;
	p.tasks = tasks;
	p.nr = nr;
	p.retry = retry;
	/* Positions are handed out in array order so that crash points are reproducible. */
	p.base_seq = atomic_fetch_add(&run->next_seq, (int)nr);
	atomic_init(&p.next, 0);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&threads[i], NULL, parallel_worker, &p))
			break;
		started++;
	}
	if (!started)
		parallel_worker(&p); /* no thread to be had: do the work here */
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < nr; i++)
		if (tasks[i].error < 0)
			return bot_error(tasks[i].error, "%s", tasks[i].message);
	return 0;
}

void journal_tasks_release(struct journal_task *tasks, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		json_free(tasks[i].result);
		tasks[i].result = NULL;
		free(tasks[i].message);
		tasks[i].message = NULL;
	}
}

/* ---------------------------------------------------------------- retention */

int journal_prune(struct journal *j, int64_t max_age_ms)
{
	static const char *const sql[] = {
		"DELETE FROM attempts WHERE run_id IN (SELECT id FROM runs WHERE"
		" status IN ('succeeded','failed') AND finished_at < ?1)",
		"DELETE FROM steps WHERE run_id IN (SELECT id FROM runs WHERE"
		" status IN ('succeeded','failed') AND finished_at < ?1)",
		"DELETE FROM runs WHERE status IN ('succeeded','failed') AND finished_at < ?1",
	};
	int64_t cutoff = now_ms() - max_age_ms;
	int rc = 0, deleted = 0;
	size_t i;

	pthread_mutex_lock(&j->mu);
	if ((rc = tx_begin(j)) < 0)
		goto out;
	for (i = 0; i < ARRAY_SIZE(sql); i++) {
		sqlite3_stmt *st;

		if ((rc = db_prepare(j, &st, sql[i])) < 0)
			break;
		sqlite3_bind_int64(st, 1, cutoff);
		if ((rc = db_done(j, st)) < 0)
			break;
		deleted = sqlite3_changes(j->db);
	}
	if (rc < 0 || (rc = tx_commit(j)) < 0)
		tx_rollback(j);
	else
		rc = deleted;
out:
	pthread_mutex_unlock(&j->mu);
	return rc;
}

/* ---------------------------------------------------------------- reading */

int journal_integrity_check(struct journal *j)
{
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&j->mu);
	if ((rc = db_prepare(j, &st, "PRAGMA integrity_check")) < 0)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = db_fail(j, "integrity check");
	else if (strcmp(col_text(st, 0) ? col_text(st, 0) : "", "ok"))
		rc = bot_error(BOT_EINVALID, "state database '%s' is damaged: %s", j->path,
			       col_text(st, 0) ? col_text(st, 0) : "?");
	sqlite3_finalize(st);
out:
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_step_stored(struct journal_run *run, const char *name)
{
	struct journal *j = run->j;
	sqlite3_stmt *st;
	int stored = 0;

	if (atomic_load(&run->unjournaled))
		return 0;
	pthread_mutex_lock(&j->mu);
	if (db_prepare(j, &st, "SELECT 1 FROM steps WHERE run_id = ?1 AND name = ?2"
			       " AND status = 'succeeded'") == 0) {
		bind_text(st, 1, run->id);
		bind_text(st, 2, name);
		stored = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&j->mu);
	return stored;
}

/* Dotted names only, so that the path SQLite's json functions get means what it says. */
static int valid_json_path(const char *path)
{
	const char *p;

	if (!*path || *path == '.' || path[strlen(path) - 1] == '.' || strstr(path, ".."))
		return 0;
	for (p = path; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			return 0;
	return 1;
}

/*
 * One row of the step results of workflow's runs whose step name begins
 * with prefix, finished at or after since_ms: select gives the columns
 * (?1 is "$.PATH"), order what follows the WHERE.
 */
static int query_results(double *out, int64_t *at_ms, struct journal *j, const char *select,
			 const char *order, const char *workflow, const char *prefix, const char *path,
			 int64_t since_ms)
{
	struct strbuf json_path = STRBUF_INIT, sql = STRBUF_INIT;
	sqlite3_stmt *st;
	int rc;

	if (!valid_json_path(path))
		return bot_error(BOT_EINVALID, "'%s' is not a dotted path of names", path);
	strbuf_addf(&json_path, "$.%s", path);
	/* substr, not LIKE: '_' and '%' in a prefix are themselves. */
	strbuf_addf(&sql, "SELECT %s FROM steps s JOIN runs r ON r.id = s.run_id"
			  " WHERE r.workflow = ?2 AND s.status = 'succeeded'"
			  " AND substr(s.name, 1, length(?3)) = ?3 AND s.finished_at >= ?4%s", select, order);
	pthread_mutex_lock(&j->mu);
	if ((rc = db_prepare(j, &st, sql.buf)) < 0)
		goto out;
	bind_text(st, 1, json_path.buf);
	bind_text(st, 2, workflow);
	bind_text(st, 3, prefix);
	sqlite3_bind_int64(st, 4, since_ms);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_double(st, 0);
		if (at_ms)
			*at_ms = sqlite3_column_int64(st, 1);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = bot_error(BOT_ENOTFOUND, "no step '%s...' of %s since then", prefix, workflow);
	} else {
		rc = db_fail(j, "read step results");
	}
	sqlite3_finalize(st);
out:
	pthread_mutex_unlock(&j->mu);
	strbuf_release(&json_path);
	strbuf_release(&sql);
	return rc;
}

#define RESULT_NUMBER "CASE WHEN json_type(s.result, ?1) IN ('integer', 'real') THEN json_extract(s.result, ?1) END"

int journal_sum_results(double *out, struct journal *j, const char *workflow,
			const char *prefix, const char *path, int64_t since_ms)
{
	return query_results(out, NULL, j, "total(" RESULT_NUMBER ")", "", workflow, prefix, path, since_ms);
}

int journal_latest_result(double *out, int64_t *at_ms, struct journal *j, const char *workflow,
			  const char *prefix, const char *path, int64_t since_ms)
{
	return query_results(out, at_ms, j, "coalesce(" RESULT_NUMBER ", 0), s.finished_at",
			     " ORDER BY s.finished_at DESC, s.rowid DESC LIMIT 1", workflow, prefix, path, since_ms);
}

static struct json *col_json_int(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_new_null();
	return json_new_num((double)sqlite3_column_int64(st, i));
}

static struct json *col_json_str(sqlite3_stmt *st, int i)
{
	return json_new_str(col_text(st, i)); /* NULL gives null */
}

#define RUN_COLUMNS "id, workflow, trigger, status, started_at, finished_at, resumes, error," \
		    " lock_owner, lock_pid, lock_host, lock_expires, fingerprint"

static struct json *run_row(struct journal *j, sqlite3_stmt *st, int64_t now)
{
	struct json *o = json_new_object();
	int finished = sqlite3_column_type(st, 5) != SQLITE_NULL;

	json_set(o, "id", col_json_str(st, 0));
	json_set(o, "workflow", col_json_str(st, 1));
	json_set(o, "trigger", col_json_str(st, 2));
	json_set(o, "status", col_json_str(st, 3));
	json_set(o, "started_at", col_json_int(st, 4));
	json_set(o, "finished_at", col_json_int(st, 5));
	if (finished)
		json_set_num(o, "duration_ms",
			     (double)(sqlite3_column_int64(st, 5) - sqlite3_column_int64(st, 4)));
	else
		json_set(o, "duration_ms", json_new_null());
	json_set(o, "resumes", col_json_int(st, 6));
	json_set(o, "error", col_json_str(st, 7));
	json_set_bool(o, "locked", lock_live(j, col_text(st, 8), sqlite3_column_int64(st, 9),
					     col_text(st, 10), sqlite3_column_int64(st, 11), now));
	json_set(o, "lock_owner", col_json_str(st, 8));
	json_set(o, "fingerprint", col_json_str(st, 12));
	return o;
}

int journal_runs_list(struct json **out, struct journal *j, int limit)
{
	sqlite3_stmt *st;
	struct json *arr;
	int64_t now = now_ms();
	int rc;

	pthread_mutex_lock(&j->mu);
	if ((rc = db_prepare(j, &st, "SELECT " RUN_COLUMNS " FROM runs"
				     " ORDER BY started_at DESC, rowid DESC LIMIT ?1")) < 0)
		goto out;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	arr = json_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_append(arr, run_row(j, st, now));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_free(arr);
		rc = db_fail(j, "list runs");
		goto out;
	}
	*out = arr;
	rc = 0;
out:
	pthread_mutex_unlock(&j->mu);
	return rc;
}

static int add_failures(struct journal *j, struct json *step, const char *run_id, const char *name)
{
	sqlite3_stmt *st;
	struct json *arr = json_new_array();
	int rc;

	if ((rc = db_prepare(j, &st, "SELECT attempt, error, error_code, duration_ms, at FROM attempts"
				     " WHERE run_id = ?1 AND step = ?2 ORDER BY attempt")) < 0) {
		json_free(arr);
		return rc;
	}
	bind_text(st, 1, run_id);
	bind_text(st, 2, name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct json *a = json_new_object();
		json_set(a, "attempt", col_json_int(st, 0));
		json_set(a, "error", col_json_str(st, 1));
		json_set_str(a, "error_code", bot_error_name(sqlite3_column_int(st, 2)));
		json_set(a, "duration_ms", col_json_int(st, 3));
		json_set(a, "at", col_json_int(st, 4));
		json_append(arr, a);
	}
	sqlite3_finalize(st);
	json_set(step, "failures", arr);
	return rc == SQLITE_DONE ? 0 : db_fail(j, "read attempts");
}

int journal_run_show(struct json **out, struct journal *j, const char *id)
{
	sqlite3_stmt *st = NULL;
	struct json *run = NULL, *steps;
	int rc;

	pthread_mutex_lock(&j->mu);
	/* One read transaction, so the run and its steps are one snapshot. */
	if ((rc = db_exec(j, "BEGIN")) < 0)
		goto out_notx;
	if ((rc = db_prepare(j, &st, "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1")) < 0)
		goto out;
	bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = bot_error(BOT_ENOTFOUND, "no run '%s' in '%s'", id, j->path);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = db_fail(j, "read run");
		goto out;
	}
	run = run_row(j, st, now_ms());
	sqlite3_finalize(st);
	st = NULL;

	steps = json_new_array();
	json_set(run, "steps", steps);
	if ((rc = db_prepare(j, &st, "SELECT name, status, attempts, started_at, finished_at,"
				     " duration_ms, result, error, error_code FROM steps"
				     " WHERE run_id = ?1 ORDER BY seq, rowid")) < 0)
		goto out;
	bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct json *s = json_new_object(), *res = NULL;
		const char *text = col_text(st, 6);

		json_set(s, "name", col_json_str(st, 0));
		json_set(s, "status", col_json_str(st, 1));
		json_set(s, "attempts", col_json_int(st, 2));
		json_set(s, "started_at", col_json_int(st, 3));
		json_set(s, "finished_at", col_json_int(st, 4));
		json_set(s, "duration_ms", col_json_int(st, 5));
		if (text && json_parse(&res, text, strlen(text)) < 0)
			res = json_new_str(text);
		json_set(s, "result", res ? res : json_new_null());
		json_set(s, "error", col_json_str(st, 7));
		if (sqlite3_column_type(st, 8) == SQLITE_NULL)
			json_set(s, "error_code", json_new_null());
		else
			json_set_str(s, "error_code", bot_error_name(sqlite3_column_int(st, 8)));
		if ((rc = add_failures(j, s, id, col_text(st, 0))) < 0) {
			json_free(s);
			goto out;
		}
		json_append(steps, s);
	}
	if (rc != SQLITE_DONE) {
		rc = db_fail(j, "read steps");
		goto out;
	}
	sqlite3_finalize(st);
	tx_rollback(j);
	pthread_mutex_unlock(&j->mu);
	*out = run;
	return 0;
out:
	sqlite3_finalize(st);
	tx_rollback(j);
out_notx:
	pthread_mutex_unlock(&j->mu);
	json_free(run);
	return rc;
}
