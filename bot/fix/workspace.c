/*
 * libgit2 (workspace.h): a commit's changes, and the fix stage's working
 * tree, branch, commit and push.
 */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <git2.h>
#include <git2/sys/repository.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fix/workspace.h"
#include "http.h"
#include "util/env.h"
#include "util/error.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

/* ---- Sockets with a time limit ---- */

/*
 * libgit2 1.5 waits on a silent server forever (1.7 added timeouts), so
 * autofix gives it its own plain sockets, on which TLS is layered as
 * usual: connecting, and every read or write, may take at most
 * net_timeout_ms. The limit is the calling thread's, set around each
 * clone or push; net_timed_out says that it was what failed.
 */
#define NET_TIMEOUT_DEFAULT_MS 60000
static __thread int64_t net_timeout_ms = NET_TIMEOUT_DEFAULT_MS;
static __thread int net_timed_out;

struct timed_stream {
	git_stream parent;
	char *host, *port;
	int fd;
	int64_t timeout_ms;
};

static int timed_out(struct timed_stream *t, const char *doing)
{
	net_timed_out = 1;
	git_error_set(GIT_ERROR_NET, "%s '%s:%s' took more than %lld ms", doing, t->host, t->port,
		      (long long)t->timeout_ms);
	return -1;
}

/* Connects fd to ai within the time limit: 0, -1 (errno set), or -2 when out of time. */
static int connect_within(int fd, const struct addrinfo *ai, int64_t ms)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	int flags = fcntl(fd, F_GETFL), err = 0, r;
	socklen_t len = sizeof(err);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			return -1;
		while ((r = poll(&p, 1, (int)ms)) < 0 && errno == EINTR)
			;
		if (r == 0)
			return -2;
		if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			return -1;
		if (err) {
			errno = err;
			return -1;
		}
	}
	return fcntl(fd, F_SETFL, flags);
}

static int ts_connect(git_stream *stream)
{
	struct timed_stream *t = (struct timed_stream *)stream;
	struct addrinfo hints, *ai = NULL, *a;
	struct timeval tv;
	int r = -1, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(t->host, t->port, &hints, &ai)) != 0) {
		git_error_set(GIT_ERROR_NET, "cannot resolve '%s': %s", t->host, gai_strerror(gai));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		if ((t->fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol)) < 0)
			continue;
		if ((r = connect_within(t->fd, a, t->timeout_ms)) == 0)
			break;
		close(t->fd);
		t->fd = -1;
	}
	freeaddrinfo(ai);
	if (r == -2)
		return timed_out(t, "connecting to");
	if (t->fd < 0) {
		git_error_set(GIT_ERROR_NET, "cannot connect to '%s:%s': %s", t->host, t->port, strerror(errno));
		return -1;
	}
	tv.tv_sec = t->timeout_ms / 1000;
	tv.tv_usec = (t->timeout_ms % 1000) * 1000;
	if (setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		git_error_set(GIT_ERROR_NET, "cannot set a time limit on a socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static ssize_t ts_read(git_stream *stream, void *data, size_t len)
{
	struct timed_stream *t = (struct timed_stream *)stream;
	ssize_t n;

	while ((n = recv(t->fd, data, len, 0)) < 0 && errno == EINTR)
		;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return timed_out(t, "waiting for");
	if (n < 0)
		git_error_set(GIT_ERROR_NET, "reading from '%s:%s': %s", t->host, t->port, strerror(errno));
	return n;
}

static ssize_t ts_write(git_stream *stream, const char *data, size_t len, int flags)
{
	struct timed_stream *t = (struct timed_stream *)stream;
	ssize_t n;

	while ((n = send(t->fd, data, len, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return timed_out(t, "sending to");
	if (n < 0)
		git_error_set(GIT_ERROR_NET, "writing to '%s:%s': %s", t->host, t->port, strerror(errno));
	return n;
}

static int ts_close(git_stream *stream)
{
	struct timed_stream *t = (struct timed_stream *)stream;

	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return 0;
}

static void ts_free(git_stream *stream)
{
	struct timed_stream *t = (struct timed_stream *)stream;

	ts_close(stream);
	free(t->host);
	free(t->port);
	free(t);
}

static int ts_init(git_stream **out, const char *host, const char *port)
{
	struct timed_stream *t = xcalloc(1, sizeof(*t));

	t->parent.version = GIT_STREAM_VERSION;
	t->parent.connect = ts_connect;
	t->parent.read = ts_read;
	t->parent.write = ts_write;
	t->parent.close = ts_close;
	t->parent.free = ts_free;
	t->host = xstrdup(host);
	t->port = xstrdup(port);
	t->fd = -1;
	t->timeout_ms = net_timeout_ms > 0 ? net_timeout_ms : NET_TIMEOUT_DEFAULT_MS;
	*out = &t->parent;
	return 0;
}

static void git_setup(void)
{
	git_stream_registration timed = { GIT_STREAM_VERSION, ts_init, NULL };
	const char *ca = env_get("AUTOFIX_CA_BUNDLE");

	git_libgit2_init();
	git_stream_register(GIT_STREAM_STANDARD, &timed);
	/* As for every HTTPS call of autofix (http.c); for git it adds to the system's CAs. */
	if (ca)
		git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, ca, NULL);
}

/* libgit2's last error as ours. */
static int git_fail(int code, const char *what)
{
	const git_error *e = git_error_last();

	if (code == GIT_ENOTFOUND)
		return bot_error(BOT_ENOTFOUND, "%s: %s", what, e && e->message ? e->message : "not found");
	return bot_error(BOT_ERROR, "%s: %s", what, e && e->message ? e->message : "libgit2 failed");
}

void commit_changes_init(struct commit_changes *c)
{
	memset(c, 0, sizeof(*c));
	strbuf_init(&c->diff, 0);
}

void commit_changes_release(struct commit_changes *c)
{
	size_t i;

	for (i = 0; i < c->files_nr; i++)
		free(c->files[i].path);
	free(c->files);
	free(c->summary);
	strbuf_release(&c->diff);
	commit_changes_init(c);
}

/* Whether path lies under dir ("services/api" holds "services/api/x.js", not "services/api2/x"). */
static int under(const char *path, const char *dir)
{
	size_t n;

	if (!dir || !*dir || !strcmp(dir, "."))
		return 0;
	n = strlen(dir);
	while (n && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && path[n] == '/';
}

static char status_letter(git_delta_t s)
{
	switch (s) {
	case GIT_DELTA_ADDED: return 'A';
	case GIT_DELTA_DELETED: return 'D';
	case GIT_DELTA_RENAMED: return 'R';
	case GIT_DELTA_TYPECHANGE: return 'T';
	default: return 'M';
	}
}

struct ordered {
	size_t delta;
	int preferred;
	const char *path;
};

static int cmp_ordered(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;

	if (x->preferred != y->preferred)
		return y->preferred - x->preferred;
	return strcmp(x->path, y->path);
}

/* Appends text to the bounded diff; what does not fit is cut at the last line boundary. */
static int add_bounded(struct commit_changes *out, const char *text, size_t len, size_t max_bytes)
{
	size_t room = max_bytes > out->diff.len ? max_bytes - out->diff.len : 0;

	if (len <= room) {
		strbuf_add(&out->diff, text, len);
		return 0;
	}
	while (room && text[room - 1] != '\n')
		room--;
	strbuf_add(&out->diff, text, room);
	out->diff_cut = 1;
	return -1;
}

/*
 * Fills out's files and bounded diff from diff's deltas, files under
 * prefer_path first. Returns 0, or BOT_ERROR with libgit2's message.
 */
static int fill_changes(struct commit_changes *out, git_diff *diff, const char *prefer_path, size_t max_bytes)
{
	struct ordered *order;
	size_t i, n;
	int err, result = 0;

	n = git_diff_num_deltas(diff);
	order = xcalloc(n ? n : 1, sizeof(*order));
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		order[i].delta = i;
		order[i].path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		order[i].preferred = under(order[i].path, prefer_path);
	}
	qsort(order, n, sizeof(*order), cmp_ordered);

	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, order[i].delta);
		git_patch *patch = NULL;
		git_buf buf = { 0 };
		struct changed_file *f;
		size_t adds = 0, dels = 0;

		if ((err = git_patch_from_diff(&patch, diff, order[i].delta)) < 0) {
			result = git_fail(err, "reading a file's patch");
			break;
		}
		if (patch)
			git_patch_line_stats(NULL, &adds, &dels, patch);
		ALLOC_GROW(out->files, out->files_nr + 1, out->files_alloc);
		f = &out->files[out->files_nr++];
		f->path = xstrdup(order[i].path);
		f->status = status_letter(d->status);
		f->additions = adds;
		f->deletions = dels;
		f->binary = !!(d->flags & GIT_DIFF_FLAG_BINARY);
		if (patch && !out->diff_cut && (err = git_patch_to_buf(&buf, patch)) == 0) {
			if (add_bounded(out, buf.ptr, buf.size, max_bytes) == 0)
				out->files_in_diff++;
		} else if (patch && !out->diff_cut) {
			out->diff_cut = 1;
		}
		git_buf_dispose(&buf);
		git_patch_free(patch);
	}
	free(order);
	return result;
}

int workspace_commit_changes(struct commit_changes *out, const char *repo_path, const char *rev,
			     const char *prefer_path, size_t max_bytes)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	git_commit *commit = NULL, *parent = NULL;
	git_tree *tree = NULL, *parent_tree = NULL;
	git_diff *diff = NULL;
	git_diff_find_options find;
	const char *summary;
	int err, result = 0;

	pthread_once(&git_once, git_setup);
	if ((err = git_repository_open_ext(&repo, repo_path, 0, NULL)) < 0) {
		result = git_fail(err == GIT_ENOTFOUND ? GIT_ENOTFOUND : err, repo_path);
		goto done;
	}
	if ((err = git_revparse_single(&obj, repo, rev)) < 0 ||
	    (err = git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT)) < 0) {
		/* A commit this clone lacks (shallow, another branch): the caller asks GitHub. */
		result = git_fail(err == GIT_ENOTFOUND || err == GIT_EAMBIGUOUS ? GIT_ENOTFOUND : err, rev);
		goto done;
	}
	git_oid_tostr(out->sha, sizeof(out->sha), git_commit_id(commit));
	summary = git_commit_summary(commit);
	out->summary = xstrdup(summary ? summary : "");
	if ((err = git_commit_tree(&tree, commit)) < 0 ||
	    (git_commit_parentcount(commit) > 0 &&
	     ((err = git_commit_parent(&parent, commit, 0)) < 0 || (err = git_commit_tree(&parent_tree, parent)) < 0)) ||
	    (err = git_diff_tree_to_tree(&diff, repo, parent_tree, tree, NULL)) < 0) {
		result = git_fail(err, "reading the commit's changes");
		goto done;
	}
	git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);
	find.flags = GIT_DIFF_FIND_RENAMES;
	if ((err = git_diff_find_similar(diff, &find)) < 0) {
		result = git_fail(err, "finding renames");
		goto done;
	}

	result = fill_changes(out, diff, prefer_path, max_bytes);
done:
	if (result < 0)
		commit_changes_release(out);
	git_diff_free(diff);
	git_tree_free(tree);
	git_tree_free(parent_tree);
	git_commit_free(commit);
	git_commit_free(parent);
	git_object_free(obj);
	git_repository_free(repo);
	return result;
}

/* ---- The fix stage's working tree ---- */

const char *const workspace_default_forbidden[] = { ".github/workflows/**", ".autofix.yml", NULL };

#define DEFAULT_PREFIX "autofix/"
#define TOKEN_USER "x-access-token"
#define SERVER_TEXT_MAX 4096

/* libgit2's last message into out, the token masked should any layer below have echoed it. */
static void git_message(struct strbuf *out, const struct workspace *ws)
{
	const git_error *e = git_error_last();

	strbuf_addstr(out, e && e->message ? e->message : "libgit2 failed");
	if (ws && ws->token && *ws->token)
		strbuf_replace_all(out, ws->token, "***");
}

/*
 * libgit2's last error as ours, the token masked should any layer below
 * have echoed it. GIT_EAUTH becomes BOT_EAUTH, GIT_ENOTFOUND BOT_ENOTFOUND,
 * GIT_ENONFASTFORWARD (a push that would lose commits) BOT_ECONFLICT, a
 * socket out of time BOT_ETIMEOUT.
 */
static int ws_fail(const struct workspace *ws, int code, const char *what)
{
	struct strbuf msg = STRBUF_INIT;
	int result = code == GIT_EAUTH ? BOT_EAUTH : code == GIT_ENOTFOUND ? BOT_ENOTFOUND :
		     code == GIT_ENONFASTFORWARD ? BOT_ECONFLICT : net_timed_out ? BOT_ETIMEOUT : BOT_ERROR;

	git_message(&msg, ws);
	result = bot_error(result, "%s: %s", what, msg.buf);
	strbuf_release(&msg);
	return result;
}

/* ---- Retries ---- */

/*
 * Whether a clone or push that failed with code may go through when tried
 * again, as http.c decides for its own requests: the connection failed,
 * was reset or ended early (a truncated pack: the HTTP parser meets the
 * end of the stream), a socket stayed silent past the time limit, or the
 * smart-HTTP server answered 408, 429 or 5xx (libgit2 only says so in its
 * message). Not a refused token, a
 * certificate, a push that is not a fast-forward, a missing repository:
 * the same request would get the same answer.
 */
static int git_transient(int code)
{
	const git_error *e = git_error_last();
	const char *status;

	if (code == GIT_EAUTH || code == GIT_ECERTIFICATE || code == GIT_ENONFASTFORWARD ||
	    code == GIT_ENOTFOUND || code == GIT_EUSER)
		return 0;
	if (net_timed_out)
		return 1;
	if (!e || !e->message)
		return 0;
	switch (e->klass) {
	case GIT_ERROR_NET:
	case GIT_ERROR_SSL:
		return 1;
	case GIT_ERROR_HTTP:
		if ((status = strstr(e->message, "status code: ")))
			return http_status_transient(strtol(status + 13, NULL, 10));
		/* An answer cut short: the HTTP parser met the end of the stream early. */
		return strstr(e->message, "stream ended at an unexpected time") || strstr(e->message, "EOF");
	default:
		return 0;
	}
}

/*
 * After attempt retry->attempt of what failed with code: 1 when it is
 * worth another, after the backoff http.c uses (the wait is logged);
 * 0 otherwise.
 */
static int git_retry(struct http_retry *retry, const struct workspace *ws, int code, const char *what)
{
	struct strbuf why = STRBUF_INIT, where = STRBUF_INIT;
	int again;

	if (!git_transient(code))
		return 0;
	git_message(&why, ws);
	strbuf_addf(&where, "git: %s", what);
	again = http_retry_next(retry, where.buf, why.buf);
	strbuf_release(&why);
	strbuf_release(&where);
	return again;
}

/* ws_fail(), saying how many attempts were made when there were several. */
static int ws_fail_after(const struct workspace *ws, int code, const char *what, int attempts)
{
	struct strbuf w = STRBUF_INIT;
	int result;

	strbuf_addstr(&w, what);
	if (attempts > 1)
		strbuf_addf(&w, " (%d attempts)", attempts);
	result = ws_fail(ws, code, w.buf);
	strbuf_release(&w);
	return result;
}

/* ---- Branch names ---- */

static int ref_char(int c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '-';
}

/*
 * Appends s as one safe ref component: characters outside [A-Za-z0-9._-]
 * become '-', runs of dots one dot, no leading '.' or '-', no trailing
 * '.', '-' or ".lock"; at most max characters; "x" when nothing is left.
 */
static void add_component(struct strbuf *out, const char *s, size_t max)
{
	size_t start = out->len;

	for (; s && *s && out->len - start < max; s++) {
		int c = ref_char((unsigned char)*s) ? *s : '-';

		if (c == '.' && out->len > start && out->buf[out->len - 1] == '.')
			continue;
		if ((c == '.' || c == '-') && out->len == start)
			continue;
		strbuf_addch(out, c);
	}
	for (;;) {
		size_t n = out->len - start;

		if (n && (out->buf[out->len - 1] == '.' || out->buf[out->len - 1] == '-'))
			strbuf_setlen(out, out->len - 1);
		else if (n >= 5 && !strcasecmp(out->buf + out->len - 5, ".lock"))
			strbuf_setlen(out, out->len - 5);
		else
			break;
	}
	if (out->len == start)
		strbuf_addch(out, 'x');
}

static int branch_valid(const char *name)
{
	struct strbuf ref = STRBUF_INIT;
	int valid = 0, valid_ref = 0;

	pthread_once(&git_once, git_setup);
	strbuf_addf(&ref, "refs/heads/%s", name);
	if (git_branch_name_is_valid(&valid, name) < 0 || git_reference_name_is_valid(&valid_ref, ref.buf) < 0)
		valid = 0;
	strbuf_release(&ref);
	return valid && valid_ref && *name != '-';
}

int workspace_branch_name(struct strbuf *out, const char *prefix, const char *service, const char *kind,
			  const char *fingerprint)
{
	strbuf_setlen(out, 0);
	strbuf_addstr(out, prefix ? prefix : DEFAULT_PREFIX);
	add_component(out, service, 64);
	strbuf_addch(out, '/');
	add_component(out, kind, 32);
	strbuf_addch(out, '-');
	add_component(out, fingerprint, 8);
	if (!branch_valid(out->buf))
		return bot_error(BOT_EINVALID, "'%s' is not a valid branch name (check pull_requests.branch_prefix)",
				 out->buf);
	return 0;
}

/* ---- URLs and credentials ---- */

/*
 * The scheme://host[:port] of url, lower case, into out; sets *userinfo
 * when the URL carries one. Returns 0, or -1 when it is not such a URL.
 */
static int url_origin(struct strbuf *out, const char *url, int *userinfo)
{
	const char *p = strstr(url, "://"), *host, *end, *at;
	size_t i;

	strbuf_setlen(out, 0);
	if (!p || p == url)
		return -1;
	host = p + 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (userinfo)
		*userinfo = at != NULL;
	if (at)
		host = at + 1;
	if (end == host)
		return -1;
	for (i = 0; url + i < p + 3; i++)
		strbuf_addch(out, tolower((unsigned char)url[i]));
	for (; host < end; host++)
		strbuf_addch(out, tolower((unsigned char)*host));
	return 0;
}

/* The same repository: origins equal, paths equal but for a trailing '/' or ".git". */
static int same_repository(const char *a, const char *b)
{
	struct strbuf oa = STRBUF_INIT, ob = STRBUF_INIT;
	const char *pa, *pb;
	size_t la, lb;
	int same;

	same = !url_origin(&oa, a, NULL) && !url_origin(&ob, b, NULL) && !strcmp(oa.buf, ob.buf);
	strbuf_release(&oa);
	strbuf_release(&ob);
	if (!same)
		return 0;
	pa = strstr(a, "://") + 3;
	pa += strcspn(pa, "/");
	pb = strstr(b, "://") + 3;
	pb += strcspn(pb, "/");
	la = strcspn(pa, "?#");
	lb = strcspn(pb, "?#");
	while (la && pa[la - 1] == '/')
		la--;
	while (lb && pb[lb - 1] == '/')
		lb--;
	if (la >= 4 && !strncmp(pa + la - 4, ".git", 4))
		la -= 4;
	if (lb >= 4 && !strncmp(pb + lb - 4, ".git", 4))
		lb -= 4;
	return la == lb && !strncmp(pa, pb, la);
}

/*
 * Plain http would show the token to every hop: only https, or http to
 * this machine (the tests' server). Credentials in the URL are refused
 * without being repeated. Returns 0 or BOT_EINVALID.
 */
static int url_allowed(const char *url)
{
	struct strbuf o = STRBUF_INIT;
	int userinfo = 0, result = 0;

	if (url_origin(&o, url, &userinfo) < 0)
		result = bot_error(BOT_EINVALID, "'%s' is not a URL", url);
	else if (userinfo)
		result = bot_error(BOT_EINVALID, "refusing a clone URL with credentials in it: the token is given apart");
	else if (!starts_with(o.buf, "https://") &&
		 !(starts_with(o.buf, "http://") &&
		   (!strcmp(o.buf, "http://127.0.0.1") || starts_with(o.buf, "http://127.0.0.1:") ||
		    !strcmp(o.buf, "http://localhost") || starts_with(o.buf, "http://localhost:") ||
		    starts_with(o.buf, "http://[::1]"))))
		result = bot_error(BOT_EINVALID, "refusing to clone '%s': https:// only (http:// to this machine alone)",
				   url);
	strbuf_release(&o);
	return result;
}

struct push_ctx;

/* The payload of every remote callback. */
struct cred_ctx {
	const char *token;
	const char *url;   /* the clone URL: the token goes to its origin only */
	int tries;
	struct push_ctx *push; /* a push's outcome, or NULL */
};

/*
 * libgit2 asks for credentials after a 401. The token is offered once,
 * to the clone URL's origin only; asked again means it was refused, and
 * saying so beats libgit2's loop of replays.
 */
static int cred_cb(git_credential **out, const char *url, const char *user_from_url, unsigned int allowed,
		   void *payload)
{
	struct cred_ctx *c = payload;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	int same;

	if (!c->token || !*c->token) {
		git_error_set_str(GIT_ERROR_NET, "the server wants authentication and no token was given");
		return GIT_EAUTH;
	}
	if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT)) {
		git_error_set_str(GIT_ERROR_NET, "the server wants a kind of credential other than a password");
		return GIT_EAUTH;
	}
	same = !url_origin(&a, url, NULL) && !url_origin(&b, c->url, NULL) && !strcmp(a.buf, b.buf);
	strbuf_release(&a);
	strbuf_release(&b);
	if (!same) {
		git_error_set_str(GIT_ERROR_NET, "refusing to send the token to another host");
		return GIT_EAUTH;
	}
	if (c->tries++ > 0) {
		git_error_set_str(GIT_ERROR_NET, "the token was refused (user " TOKEN_USER "): wrong, expired, "
				  "or without access to this repository");
		return GIT_EAUTH;
	}
	return git_credential_userpass_plaintext_new(out, TOKEN_USER, c->token);
}

static void set_remote_callbacks(git_remote_callbacks *cb, struct cred_ctx *cred)
{
	cb->credentials = cred_cb;
	cb->payload = cred;
}

/* ---- Forbidden paths ---- */

/*
 * A glob: a double star matches anything, '/' included (so a directory
 * followed by a double star is everything under it); '*' and '?' stop
 * at '/'. Case-insensitive: refusing too much is safer than too little.
 */
static int glob_match(const char *pat, const char *s)
{
	for (; *pat; pat++, s++) {
		if (pat[0] == '*' && pat[1] == '*') {
			pat += 2;
			if (*pat == '/' && !pat[1])
				pat++;
			if (!*pat)
				return 1;
			/* A double star between slashes may stand for no directory at all. */
			if (*pat == '/' && glob_match(pat + 1, s))
				return 1;
			for (; *s; s++)
				if (glob_match(pat, s))
					return 1;
			return glob_match(pat, s);
		}
		if (*pat == '*') {
			for (;; s++) {
				if (glob_match(pat + 1, s))
					return 1;
				if (!*s || *s == '/')
					return 0;
			}
		}
		if (!*s)
			return 0;
		if (*pat == '?' ? *s == '/' : tolower((unsigned char)*pat) != tolower((unsigned char)*s))
			return 0;
	}
	return !*s;
}

static const char *forbidden_match(const struct workspace *ws, const char *path)
{
	size_t i;

	for (i = 0; path && ws->forbidden[i]; i++)
		if (glob_match(ws->forbidden[i], path))
			return ws->forbidden[i];
	return NULL;
}

/* ---- The working tree ---- */

/*
 * Opens ws's repository, after the agent had the run of the directory:
 * .git must still be the directory autofix made (not a symlink or a
 * "gitdir:" file pointing elsewhere) and the working tree its own (no
 * core.worktree sending the commit to other files).
 */
static int open_repo(git_repository **repo, const struct workspace *ws)
{
	struct strbuf dotgit = STRBUF_INIT, top = STRBUF_INIT;
	struct stat st;
	const char *workdir;
	int err, result = 0;

	pthread_once(&git_once, git_setup);
	*repo = NULL;
	strbuf_addf(&dotgit, "%s/.git", ws->path);
	strbuf_addf(&top, "%s/", ws->path);
	if (lstat(dotgit.buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		result = bot_error(BOT_EINVALID, "'%s' is no longer a directory: the working tree was tampered with",
				   dotgit.buf);
	} else if ((err = git_repository_open_ext(repo, ws->path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) < 0) {
		result = ws_fail(ws, err, ws->path);
	} else if (!(workdir = git_repository_workdir(*repo)) || strcmp(workdir, top.buf)) {
		result = bot_error(BOT_EINVALID, "the repository in '%s' now has its working tree at '%s': tampered with",
				   ws->path, workdir ? workdir : "(none)");
		git_repository_free(*repo);
		*repo = NULL;
	}
	strbuf_release(&dotgit);
	strbuf_release(&top);
	return result;
}

/* The checkout's origin when it is a full clone of url; NULL otherwise (why in *why). */
static git_repository *usable_checkout(const char *dir, const char *url, const char **why)
{
	git_repository *repo = NULL;
	git_remote *origin = NULL;

	if (git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		*why = "the local checkout is not a repository autofix can open";
	} else if (git_repository_is_shallow(repo)) {
		*why = "the local checkout is shallow (actions/checkout with fetch-depth: 0 avoids it)";
	} else if (git_remote_lookup(&origin, repo, "origin") < 0 || !git_remote_url(origin) ||
		   !same_repository(git_remote_url(origin), url)) {
		*why = "the local checkout's origin is not the repository";
	} else {
		git_remote_free(origin);
		return repo;
	}
	git_remote_free(origin);
	git_repository_free(repo);
	return NULL;
}

/*
 * The default branch as the remote's HEAD says (refs/remotes/origin/HEAD),
 * else, when use_head is set (a fresh clone, whose HEAD follows the
 * remote's), the branch HEAD names; or NULL. A checkout's own HEAD is not
 * asked: a workflow may have checked out any branch.
 */
static char *remote_default_branch(git_repository *repo, int use_head)
{
	git_reference *ref = NULL;
	const char *target;
	char *name = NULL;

	if (git_reference_lookup(&ref, repo, "refs/remotes/origin/HEAD") == 0 &&
	    git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC &&
	    (target = git_reference_symbolic_target(ref)) && starts_with(target, "refs/remotes/origin/"))
		name = xstrdup(target + strlen("refs/remotes/origin/"));
	git_reference_free(ref);
	ref = NULL;
	if (!name && use_head && git_repository_head(&ref, repo) == 0 && git_reference_is_branch(ref))
		name = xstrdup(git_reference_shorthand(ref));
	git_reference_free(ref);
	return name;
}

/* The head of branch in repo, as origin has it, else as the local branch. */
static int branch_head(git_oid *out, git_repository *repo, const char *branch)
{
	struct strbuf ref = STRBUF_INIT;
	int err;

	strbuf_addf(&ref, "refs/remotes/origin/%s", branch);
	if ((err = git_reference_name_to_id(out, repo, ref.buf)) < 0) {
		strbuf_setlen(&ref, 0);
		strbuf_addf(&ref, "refs/heads/%s", branch);
		err = git_reference_name_to_id(out, repo, ref.buf);
	}
	strbuf_release(&ref);
	return err;
}

/* Whether branch may receive autofix's pushes: under the prefix, not the default branch. */
static int push_allowed(const struct workspace *ws, const char *branch)
{
	if (ws->default_branch && !strcmp(branch, ws->default_branch))
		return bot_error(BOT_EINVALID, "refusing to push to '%s': it is the default branch", branch);
	if (!starts_with(branch, ws->prefix) || !strcmp(branch, ws->prefix))
		return bot_error(BOT_EINVALID, "refusing to push to '%s': outside the branch prefix '%s'", branch,
				 ws->prefix);
	if (!branch_valid(branch))
		return bot_error(BOT_EINVALID, "'%s' is not a valid branch name", branch);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* remove_entry() for everything under the directory walked, not the directory itself. */
static int remove_below(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return ftw->level == 0 ? 0 : remove_entry(path, st, flag, ftw);
}

static void wipe(char **secret)
{
	if (*secret) {
		explicit_bzero(*secret, strlen(*secret));
		free(*secret);
		*secret = NULL;
	}
}

void workspace_set_token(struct workspace *ws, const char *token)
{
	wipe(&ws->token);
	ws->token = token ? xstrdup(token) : NULL;
	if (token)
		log_add_secret(token);
}

static void ws_free(struct workspace *ws)
{
	size_t i;

	if (!ws)
		return;
	wipe(&ws->token);
	for (i = 0; ws->forbidden && ws->forbidden[i]; i++)
		free(ws->forbidden[i]);
	free(ws->forbidden);
	free(ws->path);
	free(ws->branch);
	free(ws->default_branch);
	free(ws->clone_url);
	free(ws->prefix);
	free(ws);
}

void workspace_remove(struct workspace *ws)
{
	if (!ws)
		return;
	if (ws->path)
		nftw(ws->path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	ws_free(ws);
}

/*
 * Clones src (the URL, or the local checkout) into ws->path without
 * checking anything out. Over the network, a transient failure is tried
 * again (git_transient()), each time in the emptied directory: nothing of
 * a failed attempt is built on.
 */
static int clone_into(git_repository **repo, struct workspace *ws, const char *src, int local)
{
	git_clone_options co;
	struct cred_ctx cred = { ws->token, ws->clone_url, 0, NULL };
	struct http_client *http = http_client_new(NULL);
	struct http_retry retry;
	struct strbuf what = STRBUF_INIT;
	int err, result = 0;

	git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
	co.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
	co.local = local ? GIT_CLONE_LOCAL : GIT_CLONE_NO_LOCAL;
	co.fetch_opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	co.fetch_opts.proxy_opts.type = GIT_PROXY_AUTO;
	if (!local)
		set_remote_callbacks(&co.fetch_opts.callbacks, &cred);
	strbuf_addf(&what, "cloning '%s'", local ? src : ws->clone_url);
	http_retry_init(&retry, http);
	for (;;) {
		cred.tries = 0;
		net_timeout_ms = ws->timeout_ms;
		net_timed_out = 0;
		if ((err = git_clone(repo, src, ws->path, &co)) >= 0)
			break;
		if (local || !git_retry(&retry, ws, err, what.buf)) {
			result = ws_fail_after(ws, err, what.buf, retry.attempt);
			goto done;
		}
		git_repository_free(*repo);
		*repo = NULL;
		if (nftw(ws->path, remove_below, 16, FTW_DEPTH | FTW_PHYS) < 0) {
			result = bot_error(BOT_EIO, "cannot empty '%s' for another clone: %s", ws->path,
					   strerror(errno));
			goto done;
		}
	}
	/* A clone of the checkout pushes to the repository, not to the checkout. */
	if (local && (err = git_remote_set_url(*repo, "origin", ws->clone_url)) < 0)
		result = ws_fail(ws, err, "setting origin");
done:
	strbuf_release(&what);
	http_client_free(http);
	return result;
}

/* The base in the checkout: the given commit, else the default branch's head; 0 or -1 (why in *why). */
static int checkout_base(git_oid *out, git_repository *checkout, const char *base, const char *def, const char **why)
{
	git_commit *c = NULL;

	if (base) {
		if (git_oid_fromstrp(out, base) < 0 || git_commit_lookup(&c, checkout, out) < 0) {
			*why = "the local checkout lacks the base commit";
			return -1;
		}
		git_commit_free(c);
		return 0;
	}
	if (!def || branch_head(out, checkout, def) < 0) {
		*why = def ? "the local checkout lacks the default branch" :
		       "the local checkout does not say which branch is the default";
		return -1;
	}
	return 0;
}

int workspace_prepare(struct workspace **out, const struct workspace_options *opts)
{
	struct workspace *ws;
	git_repository *checkout = NULL, *repo = NULL;
	git_commit *base = NULL;
	git_checkout_options co;
	git_reference *ref = NULL;
	struct strbuf path = STRBUF_INIT;
	const char *const *f;
	const char *why = NULL, *parent;
	git_oid base_oid;
	size_t n;
	int err, result = 0;

	*out = NULL;
	pthread_once(&git_once, git_setup);
	if (!opts->clone_url || !opts->branch)
		return bot_error(BOT_EINVALID, "a workspace needs a clone URL and a branch");
	if ((err = url_allowed(opts->clone_url)) < 0)
		return err;

	ws = xcalloc(1, sizeof(*ws));
	ws->clone_url = xstrdup(opts->clone_url);
	workspace_set_token(ws, opts->token);
	ws->prefix = xstrdup(opts->branch_prefix && *opts->branch_prefix ? opts->branch_prefix : DEFAULT_PREFIX);
	ws->branch = xstrdup(opts->branch);
	ws->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : NET_TIMEOUT_DEFAULT_MS;
	ws->default_branch = opts->default_branch ? xstrdup(opts->default_branch) : NULL;
	f = opts->forbidden ? opts->forbidden : workspace_default_forbidden;
	for (n = 0; f[n]; n++)
		;
	ws->forbidden = xcalloc(n + 1, sizeof(*ws->forbidden));
	for (n = 0; f[n]; n++)
		ws->forbidden[n] = xstrdup(f[n]);
	/* Checked before any clone: a bad name costs nothing. */
	if ((result = push_allowed(ws, ws->branch)) < 0)
		goto done;

	parent = opts->parent_dir ? opts->parent_dir : getenv("TMPDIR");
	if (!parent || !*parent)
		parent = "/tmp";
	strbuf_addf(&path, "%s/autofix-ws-XXXXXX", parent);
	if (!mkdtemp(path.buf)) {
		result = bot_error(BOT_EIO, "cannot make a directory in '%s': %s", parent, strerror(errno));
		goto done;
	}
	ws->path = strbuf_detach(&path, NULL);

	/* Under Actions: a clone of the checkout is fast and needs no network. */
	if (opts->local_checkout && *opts->local_checkout &&
	    (checkout = usable_checkout(opts->local_checkout, ws->clone_url, &why))) {
		if (!ws->default_branch)
			ws->default_branch = remote_default_branch(checkout, 0);
		if (checkout_base(&base_oid, checkout, opts->base, ws->default_branch, &why) == 0) {
			if ((result = clone_into(&repo, ws, opts->local_checkout, 1)) < 0)
				goto done;
			ws->from_checkout = 1;
		}
	}
	if (!ws->from_checkout) {
		if ((result = clone_into(&repo, ws, ws->clone_url, 0)) < 0)
			goto done;
		if (!ws->default_branch && !(ws->default_branch = remote_default_branch(repo, 1))) {
			result = bot_error(BOT_ENOTFOUND, "'%s' has no default branch (an empty repository?)",
					   ws->clone_url);
			goto done;
		}
		if (opts->base ? git_oid_fromstrp(&base_oid, opts->base) < 0 :
				 branch_head(&base_oid, repo, ws->default_branch) < 0) {
			result = bot_error(BOT_ENOTFOUND, "no commit '%s' in '%s'",
					   opts->base ? opts->base : ws->default_branch, ws->clone_url);
			goto done;
		}
	}
	ws->note = why;
	if ((err = git_commit_lookup(&base, repo, &base_oid)) < 0) {
		result = bot_error(BOT_ENOTFOUND, "no commit '%s' in '%s'", opts->base ? opts->base : "(base)",
				   ws->clone_url);
		goto done;
	}
	git_oid_tostr(ws->base, sizeof(ws->base), &base_oid);
	/* Now that the default branch is known for sure. */
	if ((result = push_allowed(ws, ws->branch)) < 0)
		goto done;

	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	if ((err = git_branch_create(&ref, repo, ws->branch, base, 1)) < 0 ||
	    (err = git_checkout_tree(repo, (git_object *)base, &co)) < 0 ||
	    (err = git_repository_set_head(repo, git_reference_name(ref))) < 0) {
		result = ws_fail(ws, err, "checking out the base");
		goto done;
	}
done:
	git_reference_free(ref);
	git_commit_free(base);
	git_repository_free(repo);
	git_repository_free(checkout);
	strbuf_release(&path);
	if (result < 0) {
		workspace_remove(ws);
		ws = NULL;
	}
	*out = ws;
	return result;
}

/*
 * What the working tree holds, as a tree: the index reset to the base,
 * then every file added, modified or deleted since (untracked ones too,
 * .gitignore honoured). Commits or index changes an agent made itself do
 * not matter: the base and the files decide. *diff (base -> that tree)
 * is checked against the forbidden paths. Returns 0 with *index (written
 * nowhere), *tree_oid and *diff; BOT_EINVALID naming a forbidden file;
 * BOT_ERROR.
 */
static int stage(git_index **index, git_oid *tree_oid, git_diff **diff, git_repository *repo, struct workspace *ws)
{
	git_commit *base = NULL;
	git_tree *base_tree = NULL, *tree = NULL;
	git_oid base_oid;
	size_t i, n;
	int err, result = 0;

	*index = NULL;
	*diff = NULL;
	if ((err = git_oid_fromstr(&base_oid, ws->base)) < 0 || (err = git_commit_lookup(&base, repo, &base_oid)) < 0 ||
	    (err = git_commit_tree(&base_tree, base)) < 0 || (err = git_repository_index(index, repo)) < 0 ||
	    (err = git_index_read_tree(*index, base_tree)) < 0 ||
	    (err = git_index_add_all(*index, NULL, GIT_INDEX_ADD_DEFAULT, NULL, NULL)) < 0 ||
	    (err = git_index_update_all(*index, NULL, NULL, NULL)) < 0 ||
	    (err = git_index_write_tree(tree_oid, *index)) < 0 || (err = git_tree_lookup(&tree, repo, tree_oid)) < 0 ||
	    (err = git_diff_tree_to_tree(diff, repo, base_tree, tree, NULL)) < 0) {
		result = ws_fail(ws, err, "reading the working tree");
		goto done;
	}
	n = git_diff_num_deltas(*diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(*diff, i);
		const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		const char *pat = forbidden_match(ws, path);

		if (!pat && d->old_file.path)
			pat = forbidden_match(ws, path = d->old_file.path);
		if (pat) {
			result = bot_error(BOT_EINVALID, "the agent changed '%s', which autofix may not change (%s): "
					   "the fix is dropped", path, pat);
			goto done;
		}
	}
done:
	if (result < 0) {
		git_diff_free(*diff);
		*diff = NULL;
		git_index_free(*index);
		*index = NULL;
	}
	git_tree_free(tree);
	git_tree_free(base_tree);
	git_commit_free(base);
	return result;
}

int workspace_changes(struct commit_changes *out, struct workspace *ws, size_t max_bytes)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_diff *diff = NULL;
	git_oid tree;
	int result;

	if ((result = open_repo(&repo, ws)) < 0)
		return result;
	if ((result = stage(&index, &tree, &diff, repo, ws)) == 0 &&
	    (result = fill_changes(out, diff, NULL, max_bytes)) == 0)
		result = (int)out->files_nr;
	if (result < 0)
		commit_changes_release(out);
	git_diff_free(diff);
	git_index_free(index);
	git_repository_free(repo);
	return result;
}

int workspace_commit(struct workspace *ws, const char *name, const char *email, const char *message)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_diff *diff = NULL;
	git_signature *sig = NULL;
	git_commit *base = NULL;
	git_tree *tree = NULL;
	git_reference *ref = NULL;
	struct strbuf msg = STRBUF_INIT, refname = STRBUF_INIT;
	git_oid tree_oid, base_oid, oid;
	int err, result;

	/* AUTOFIX_NOW's time, when set: the same edits on the same base give the same commit. */
	if (!name || !*name || !email || !*email ||
	    git_signature_new(&sig, name, email, (git_time_t)(time_now_ms() / 1000), 0) < 0)
		return bot_error(BOT_EINVALID, "'%s <%s>' is not a usable commit identity", name ? name : "",
				 email ? email : "");
	if ((result = open_repo(&repo, ws)) < 0 || (result = stage(&index, &tree_oid, &diff, repo, ws)) < 0)
		goto done;
	if (git_diff_num_deltas(diff) == 0) {
		result = WORKSPACE_NO_CHANGE;
		goto done;
	}
	strbuf_addstr(&msg, message && *message ? message : "autofix");
	if (msg.buf[msg.len - 1] != '\n')
		strbuf_addch(&msg, '\n');
	strbuf_addf(&refname, "refs/heads/%s", ws->branch);
	if ((err = git_oid_fromstr(&base_oid, ws->base)) < 0 || (err = git_commit_lookup(&base, repo, &base_oid)) < 0 ||
	    (err = git_tree_lookup(&tree, repo, &tree_oid)) < 0 ||
	    (err = git_commit_create(&oid, repo, NULL, sig, sig, NULL, msg.buf, tree, 1,
				     (const git_commit **)&base)) < 0 ||
	    (err = git_reference_create(&ref, repo, refname.buf, &oid, 1, "autofix: commit")) < 0 ||
	    (err = git_repository_set_head(repo, refname.buf)) < 0 || (err = git_index_write(index)) < 0) {
		result = ws_fail(ws, err, "committing");
		goto done;
	}
	git_oid_tostr(ws->head, sizeof(ws->head), &oid);
	result = 0;
done:
	git_reference_free(ref);
	git_tree_free(tree);
	git_commit_free(base);
	git_signature_free(sig);
	git_diff_free(diff);
	git_index_free(index);
	git_repository_free(repo);
	strbuf_release(&msg);
	strbuf_release(&refname);
	return result;
}

struct push_ctx {
	struct strbuf rejected;  /* the server's status for a refused update */
	struct strbuf said;      /* what the server printed (hooks' output), bounded */
};

static int push_update_cb(const char *refname, const char *status, void *payload)
{
	struct push_ctx *p = ((struct cred_ctx *)payload)->push;

	if (status) {
		if (p->rejected.len)
			strbuf_addstr(&p->rejected, "; ");
		strbuf_addf(&p->rejected, "%s: %s", refname, status);
	}
	return 0;
}

static int sideband_cb(const char *text, int len, void *payload)
{
	struct push_ctx *p = ((struct cred_ctx *)payload)->push;
	size_t room = p->said.len < SERVER_TEXT_MAX ? SERVER_TEXT_MAX - p->said.len : 0;

	if (len > 0)
		strbuf_add(&p->said, text, (size_t)len < room ? (size_t)len : room);
	return 0;
}

int workspace_push(struct workspace *ws, const char *branch, int force)
{
	git_repository *repo = NULL;
	git_config *empty = NULL;
	git_remote *remote = NULL;
	git_reference *ref = NULL;
	git_push_options po;
	struct push_ctx pctx = { STRBUF_INIT, STRBUF_INIT };
	struct cred_ctx cred = { ws->token, ws->clone_url, 0, &pctx };
	struct strbuf spec = STRBUF_INIT, refname = STRBUF_INIT, what = STRBUF_INIT;
	struct http_client *http = NULL;
	struct http_retry retry;
	char *specs[1];
	git_strarray refspecs = { specs, 1 };
	git_oid head;
	int err, result;

	if (!branch)
		branch = ws->branch;
	if (!ws->head[0])
		return bot_error(BOT_EINVALID, "nothing committed to push to '%s'", branch);
	if ((result = push_allowed(ws, branch)) < 0)
		return result;
	if ((result = open_repo(&repo, ws)) < 0)
		return result;
	/*
	 * The agent could write .git/config (url.*.insteadOf, a proxy) to
	 * steer the token elsewhere: the push reads no configuration file.
	 */
	if ((err = git_config_new(&empty)) < 0 || (err = git_repository_set_config(repo, empty)) < 0) {
		result = ws_fail(ws, err, "isolating the push from the working tree's configuration");
		goto done;
	}
	strbuf_addf(&refname, "refs/heads/%s", branch);
	if ((err = git_oid_fromstr(&head, ws->head)) < 0 ||
	    (err = git_reference_create(&ref, repo, refname.buf, &head, 1, "autofix: push")) < 0) {
		result = ws_fail(ws, err, "preparing the push");
		goto done;
	}
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	strbuf_addf(&spec, "%s%s:%s", force ? "+" : "", refname.buf, refname.buf);
	specs[0] = spec.buf;
	set_remote_callbacks(&po.callbacks, &cred);
	po.callbacks.push_update_reference = push_update_cb;
	po.callbacks.sideband_progress = sideband_cb;
	po.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	po.proxy_opts.type = GIT_PROXY_AUTO;
	ws->moved = 0;
	strbuf_addf(&what, "pushing '%s' to '%s'", branch, ws->clone_url);
	/*
	 * A transient failure is pushed again. That is safe: the push is
	 * forced (autofix's own branch) or a fast-forward from the base, and
	 * when the attempt that failed did land, the server's branch is
	 * already at head: libgit2 finds it up to date, not a non-fast-forward.
	 */
	http = http_client_new(NULL);
	http_retry_init(&retry, http);
	for (;;) {
		cred.tries = 0;
		strbuf_reset(&pctx.rejected);
		strbuf_reset(&pctx.said);
		net_timeout_ms = ws->timeout_ms;
		net_timed_out = 0;
		if ((err = git_remote_create_anonymous(&remote, repo, ws->clone_url)) < 0) {
			result = ws_fail(ws, err, "preparing the push");
			goto done;
		}
		if ((err = git_remote_push(remote, &refspecs, &po)) >= 0)
			break;
		if (!git_retry(&retry, ws, err, what.buf)) {
			/* libgit2 compares with the server's advertised head before sending anything. */
			ws->moved = err == GIT_ENONFASTFORWARD;
			result = ws_fail_after(ws, err, what.buf, retry.attempt);
			goto done;
		}
		git_remote_free(remote);
		remote = NULL;
	}
	if (pctx.rejected.len) {
		/* The server's own check: the branch moved between the advertisement and the update. */
		ws->moved = !force && (strstr(pctx.rejected.buf, "non-fast-forward") ||
				       strstr(pctx.rejected.buf, "fetch first") || strstr(pctx.rejected.buf, "stale"));
		strbuf_trim(&pctx.said);
		strbuf_replace_all(&pctx.said, "\n", " | ");
		if (ws->token && *ws->token)
			strbuf_replace_all(&pctx.said, ws->token, "***");
		result = bot_error(BOT_ECONFLICT, "the server refused the push of '%s' (%s)%s%s", branch,
				   pctx.rejected.buf, pctx.said.len ? "; it said: " : "", pctx.said.buf);
		goto done;
	}
	result = 0;
done:
	git_reference_free(ref);
	git_remote_free(remote);
	git_config_free(empty);
	git_repository_free(repo);
	strbuf_release(&spec);
	strbuf_release(&refname);
	strbuf_release(&what);
	strbuf_release(&pctx.rejected);
	strbuf_release(&pctx.said);
	http_client_free(http);
	return result;
}
