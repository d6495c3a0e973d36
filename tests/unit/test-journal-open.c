/*
 * Several processes opening one new state file at once: each must get the
 * journal (waiting for the others within the busy timeout), none may fail
 * with "database is locked". Two `autofix scan`s started together on a
 * fresh .autofix/state.db used to see one of them fail to switch the file
 * to WAL, and go on scanning without a journal, so without the run lock.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tap.h"
#include "journal.h"
#include "util/error.h"

static char dir[256];

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Ends the writer's transaction after a while, from another thread. */
struct writer {
	sqlite3 *db;
	int hold_ms;
};

static void *let_go(void *arg)
{
	struct writer *r = arg;
	struct timespec ts = { r->hold_ms / 1000, (long)(r->hold_ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	return NULL;
}

/*
 * The deterministic form of the race: another connection holds the write
 * lock of a new file (as another process switching it to WAL does) while
 * the journal opens it. The switch needs that lock while it already holds
 * a read lock, and SQLite refuses it at once instead of calling the busy
 * handler (waiting could deadlock), so the journal must retry.
 */
static void test_open_while_written(void)
{
	struct writer r = { NULL, 300 };
	struct journal *j = NULL;
	pthread_t t;
	char path[300];
	long long t0, took;
	int rc;

	snprintf(path, sizeof(path), "%s/written.db", dir);
	if (sqlite3_open(path, &r.db) != SQLITE_OK ||
	    sqlite3_exec(r.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK) {
		ok(0, "another connection takes the write lock of a new file: %s", sqlite3_errmsg(r.db));
		sqlite3_close(r.db);
		return;
	}
	pthread_create(&t, NULL, let_go, &r);
	t0 = mono_ms();
	rc = journal_open(&j, path);
	took = mono_ms() - t0;
	pthread_join(t, NULL);
	is_int(rc, 0, "a new file another connection is writing opens once the writer lets go (%s)",
	       rc < 0 ? bot_error_last() : "ok");
	ok(took >= 250, "after waiting for it (%lldms)", took);
	journal_close(j);
	sqlite3_close(r.db);
}

/* Children released together through a pipe, each opening the same new file. */
static void test_open_together(void)
{
	enum { ROUNDS = 10, KIDS = 6 };
	int round, k, failures = 0;

	for (round = 0; round < ROUNDS; round++) {
		char path[300];
		int go[2];
		pid_t kids[KIDS];

		snprintf(path, sizeof(path), "%s/together-%d.db", dir, round);
		if (pipe(go) < 0) {
			ok(0, "pipe");
			return;
		}
		for (k = 0; k < KIDS; k++) {
			kids[k] = fork();
			if (kids[k] == 0) {
				struct journal *j;
				char c;

				close(go[1]);
				if (read(go[0], &c, 1) < 0)
					_exit(3);
				if (journal_open(&j, path) < 0) {
					fprintf(stderr, "# round %d: %s\n", round, bot_error_last());
					_exit(1);
				}
				journal_close(j);
				_exit(0);
			}
		}
		close(go[0]);
		close(go[1]); /* EOF releases every child at once */
		for (k = 0; k < KIDS; k++) {
			int status;

			if (kids[k] < 0 || waitpid(kids[k], &status, 0) < 0 || !WIFEXITED(status) ||
			    WEXITSTATUS(status) != 0)
				failures++;
		}
	}
	is_int(failures, 0, "%d rounds of %d processes opening one new state file at once: all open it",
	       ROUNDS, KIDS);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test-journal-open-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		skip_all("cannot create a temporary directory");
	test_open_while_written();
	test_open_together();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}
