#ifndef SOURCE_RAILWAY_H
#define SOURCE_RAILWAY_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "source/source.h"
#include "util/json.h"
#include "util/strbuf.h"

/*
 * The Railway source's GraphQL documents and response readers, exported
 * so that tests can check every document against Railway's schema and
 * feed the readers canned responses. The ops table is in source.h.
 *
 * Files: railway_documents.c builds the request bodies (railway_body_*),
 * railway_readers.c reads the answers (railway_check_response,
 * railway_read_*), railway.c sends them (transport, auth, the ops table).
 *
 * Cost model (why the documents look like this): a scan of N services
 * sends 1 + 2 x ceil(N / chunk) requests (chunk: railway_chunk_size(),
 * RAILWAY_CHUNK but for very long windows), so three whatever N is up to
 * the chunk (one more when token_kind is auto and the token
 * turns out to be an account token): the architecture (project,
 * environments, service and volume instances, platformStatus), then per
 * chunk of services, in parallel, one aliased `metrics` query for every
 * service of the chunk (and one for the volume mounted in it, if any:
 * volumes cost no request of their own) and one aliased query with every service's
 * `httpMetricsGroupedByStatus`, `httpDurationMetrics` and `deployments`.
 */

/*
 * Services per pair of documents. The aliased documents grow with the
 * chunk (at 7 seasonal days, 1,600 metrics fields); 200 is the most one
 * scan asked in a document before chunking, kept so that no document is
 * larger than those Railway already answered. Memory follows the chunk.
 */
#define RAILWAY_CHUNK 200
/*
 * One answer's cap (http.c refuses a longer body), and the part of it a
 * chunk is planned to fill: three quarters, since the estimate of a
 * sample's bytes is already more than a real one ({"ts":1795858200,
 * "value":0.12345678} is 35), so that a scan with 3 earlier days keeps
 * 200 services a chunk.
 */
#define RAILWAY_MAX_RESPONSE (32u * 1024 * 1024)
#define RAILWAY_CHUNK_BUDGET (RAILWAY_MAX_RESPONSE / 4 * 3)
#define RAILWAY_SAMPLE_BYTES 40
/*
 * The earlier days' status counts come in buckets of this many steps
 * (their level is all the detector uses), read back as counts per step.
 */
#define RAILWAY_DAY_TRAFFIC_STEPS 10

/*
 * Services per chunk for a scan of [start, end] at step (ms) with days
 * earlier days: RAILWAY_CHUNK, or fewer (at least 1) when the answers for
 * so many services would not fit RAILWAY_CHUNK_BUDGET, estimated at
 * RAILWAY_SAMPLE_BYTES a sample (a window of hours at one-minute steps with several
 * earlier days). The default (30 minutes, 1 hour of baseline, 2 days, a
 * volume) is estimated at 76 KB a service (3 days: 95 KB): 200 fit.
 */
size_t railway_chunk_size(int64_t start, int64_t end, int64_t step, int days);
/* Deployments asked per service; more than this inside the window is an error. */
#define RAILWAY_DEPLOYMENTS_PAGE 50
/* Railway's sizes: MEMORY_USAGE_GB, DISK_USAGE_GB are in GB, a volume's sizeMB in MB (decimal). */
#define RAILWAY_MB 1e6

/*
 * Appends the JSON request body {"query", "variables"} of each document.
 * With days > 0 the metrics and HTTP bodies also ask, under the aliases
 * yK_I (metrics), ylK_I (p95) and yhK_I (status counts, in buckets of
 * RAILWAY_DAY_TRAFFIC_STEPS steps), for the same window K = 1..days days
 * earlier: the detector's "same hour on earlier days", in the same request.
 * Those reach day_span before end (the analysis window: the hours the
 * seasonal rules compare), or, when 0, back to start like today's.
 */
void railway_body_architecture(struct strbuf *body, const char *project_id);
/*
 * volume_ids[i] (NULL, or an entry NULL) is the volume mounted in service
 * i: the metrics body then also asks its DISK_USAGE_GB under the alias vI.
 */
void railway_body_metrics(struct strbuf *body, const char *environment_id,
			  const char *const *service_ids, const char *const *volume_ids, size_t n,
			  int64_t start, int64_t end, int64_t step, int days, int64_t day_span);
void railway_body_http(struct strbuf *body, const char *project_id, const char *environment_id,
		       const char *const *service_ids, size_t n,
		       int64_t start, int64_t end, int64_t step, int days, int64_t day_span);
void railway_body_logs(struct strbuf *body, const struct source_log_query *q);
/* One service's deployments (the investigate stage's query; the scan gets them in the HTTP body). */
void railway_body_deployments(struct strbuf *body, const char *project_id, const char *environment_id,
			      const char *service_id);

/*
 * Checks a parsed GraphQL response: 0 when it has `data` and no
 * `errors`; otherwise BOT_EAUTH ("Not Authorized") or BOT_ERROR with the
 * first message and its path. Railway answers errors with HTTP 200, so
 * this runs on every response, and a response with both data and errors
 * is an error (nothing acts on partial data).
 */
int railway_check_response(const struct json *resp);

/*
 * Readers of the `data` member of each response. The environment is
 * picked by name or id; services and volumes of that environment only.
 */
int railway_read_architecture(struct architecture *out, const struct json *resp,
			      const char *environment);
/*
 * Add the series of services[0..n), the services the body listed, in its
 * order (the aliases m0, h0... number them from 0 in each document); with days > 0 the earlier days' answers go to each
 * service's `seasonal` series (a missing alias is an error). A service
 * whose `volume` is set was asked its volume's usage (vI): that alias is
 * expected too, and read into its METRIC_DISK series.
 */
int railway_read_metrics(struct service_metrics *services, const struct json *resp, size_t n,
			 int days);
int railway_read_http(struct service_metrics *services, const struct json *resp, size_t n,
		      int64_t start, int64_t end, int days);
/*
 * The same from the answer's text (http: 0 for the metrics document, 1
 * for the HTTP one), parsing one alias's value at a time so that a chunk's
 * answer never becomes one JSON tree. Returns 1, having read nothing, when
 * the answer is not a plain {"data": {...}} (it has `errors`, no `data`
 * object, or is not JSON): the caller then parses it whole and reads it
 * with the functions above, which report what is wrong.
 */
int railway_read_observe_text(struct service_metrics *services, const char *text, size_t len,
			      size_t n, int http, int64_t start, int64_t end, int days);
int railway_read_logs(struct source_log_lines *out, const struct json *resp, enum source_log_kind kind);
/* Appends the deployments in [start, end] of the answer to railway_body_deployments(). */
int railway_read_deployments(struct service_metrics *out, const struct json *resp,
			     int64_t start, int64_t end);

#endif
