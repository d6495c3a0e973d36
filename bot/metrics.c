#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "util/decimal.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char *metric_names[METRIC__COUNT] = {
	"cpu", "cpu_limit", "memory", "memory_limit",
	"requests", "requests_5xx", "requests_4xx", "latency_p95", "restarts",
	"disk", "disk_limit",
};

const char *metric_name(enum metric m)
{
	return m < METRIC__COUNT ? metric_names[m] : "unknown";
}

int metric_from_name(enum metric *out, const char *name)
{
	int i;

	for (i = 0; i < METRIC__COUNT; i++)
		if (!strcmp(metric_names[i], name)) {
			*out = (enum metric)i;
			return 0;
		}
	return BOT_ENOTFOUND;
}

void series_add(struct series *s, int64_t t, double v)
{
	ALLOC_GROW(s->items, s->nr + 1, s->alloc);
	s->items[s->nr].t = t;
	s->items[s->nr].v = v;
	s->nr++;
}

void series_release(struct series *s)
{
	free(s->items);
	s->items = NULL;
	s->nr = s->alloc = 0;
}

/* A sample with its position before sorting, so that equal times keep their order. */
struct ranked_sample {
	struct sample s;
	size_t pos;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked_sample *x = a, *y = b;

	if (x->s.t != y->s.t)
		return (x->s.t > y->s.t) - (x->s.t < y->s.t);
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Sorts by time, keeping the arrival order of equal times: qsort(3) is not
 * stable, and which of two samples at one time survives must not depend
 * on the C library.
 */
static void sort_samples(struct series *s)
{
	struct ranked_sample *r;
	size_t i, j;

	for (i = 1; i < s->nr; i++)
		if (s->items[i - 1].t > s->items[i].t)
			break;
	if (i == s->nr)
		return; /* already in order (equal times in arrival order): the usual case */
	for (j = i + 1; j < s->nr; j++)
		if (s->items[j - 1].t > s->items[j].t)
			break;
	if (j == s->nr) {
		/* Two runs in order (an earlier day's samples appended): merged, the first's first on a tie. */
		struct sample *m = xmalloc(s->nr * sizeof(*m));
		size_t a = 0, b = i, k = 0;

		while (a < i && b < s->nr)
			m[k++] = s->items[b].t < s->items[a].t ? s->items[b++] : s->items[a++];
		while (a < i)
			m[k++] = s->items[a++];
		while (b < s->nr)
			m[k++] = s->items[b++];
		memcpy(s->items, m, s->nr * sizeof(*m));
		free(m);
		return;
	}
	r = xmalloc(s->nr * sizeof(*r));
	for (i = 0; i < s->nr; i++) {
		r[i].s = s->items[i];
		r[i].pos = i;
	}
	qsort(r, s->nr, sizeof(*r), cmp_ranked);
	for (i = 0; i < s->nr; i++)
		s->items[i] = r[i].s;
	free(r);
}

void series_normalise(struct series *s)
{
	size_t i, out = 0;

	if (s->nr < 2)
		return; /* nothing to order; and qsort(NULL, 0, ...) is undefined */
	sort_samples(s);
	for (i = 0; i < s->nr; i++) {
		if (out && s->items[out - 1].t == s->items[i].t)
			s->items[out - 1] = s->items[i];
		else
			s->items[out++] = s->items[i];
	}
	s->nr = out;
}

int series_has_data(const struct series *s, int64_t start, int64_t end)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->items[i].t >= start && s->items[i].t <= end && isfinite(s->items[i].v))
			return 1;
	return 0;
}

/* ---- sample intake ---------------------------------------------------- */

/*
 * Far above anything real, far below what breaks the arithmetic and the
 * formatting (a latency in ms becomes an int64 of ms for durations):
 * 1e6 vCPU, 1 EB of memory, 1e12 requests in one interval, 1e9 ms (11
 * days) of response time.
 */
static const double metric_maxima[METRIC__COUNT] = {
	[METRIC_CPU] = 1e6,
	[METRIC_CPU_LIMIT] = 1e6,
	[METRIC_MEMORY] = 1e18,
	[METRIC_MEMORY_LIMIT] = 1e18,
	[METRIC_REQUESTS] = 1e12,
	[METRIC_REQUESTS_5XX] = 1e12,
	[METRIC_REQUESTS_4XX] = 1e12,
	[METRIC_LATENCY_P95] = 1e9,
	[METRIC_RESTARTS] = 1e9,
	[METRIC_DISK] = 1e18,
	[METRIC_DISK_LIMIT] = 1e18,
};

/* 9999-12-31T23:59:59.999Z in ms: past it, a time is garbage. */
#define LAST_PLAUSIBLE_MS 253402300799999LL

double metric_max(enum metric m)
{
	return m < METRIC__COUNT ? metric_maxima[m] : 0;
}

int metric_intake(struct series *s, size_t *bad, enum metric m, int64_t t, double v)
{
	/* NaN is "no value" (a gap the detector must see); only a number can be bad. */
	if (t < 0 || t > LAST_PLAUSIBLE_MS ||
	    (!isnan(v) && (!isfinite(v) || v < 0 || v > metric_max(m)))) {
		(*bad)++;
		return 1;
	}
	series_add(s, t, isnan(v) ? NAN : v + 0.0); /* + 0.0: no -0 */
	return 0;
}

int metric_time_ms(int64_t *out, double seconds)
{
	/* Checked as a double: converting an out-of-range double to int64_t is undefined. */
	if (!isfinite(seconds) || seconds < 0 || seconds * 1000 > (double)LAST_PLAUSIBLE_MS)
		return -1;
	*out = (int64_t)llround(seconds * 1000);
	return 0;
}

int metric_intake_json(struct series *s, size_t *bad, enum metric m, const struct json *t,
		       const struct json *v, double scale)
{
	int64_t ms;

	if (json_type(t) != JSON_NUMBER || metric_time_ms(&ms, json_num_value(t)) < 0 ||
	    (v && json_type(v) != JSON_NULL && json_type(v) != JSON_NUMBER)) {
		(*bad)++;
		return 1;
	}
	return metric_intake(s, bad, m, ms, json_type(v) == JSON_NUMBER ? json_num_value(v) * scale : NAN);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int metric_parse_decimal(double *out, const char *s)
{
	const char *p = s;
	size_t digits = 0;
	char *end;

	if (!s)
		return -1;
	if (!strcmp(s, "NaN")) {
		*out = NAN;
		return 0;
	}
	/* The syntax first: strtod(3) would also take hex, "inf", "nan(...)" and leading spaces. */
	if (*p == '+' || *p == '-')
		p++;
	for (; is_digit(*p); p++)
		digits++;
	if (*p == '.')
		for (p++; is_digit(*p); p++)
			digits++;
	if (!digits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			return -1;
		while (is_digit(*p))
			p++;
	}
	if (*p)
		return -1;
	*out = strtod(s, &end);
	return end == p ? 0 : -1;
}

size_t observation_bad_samples(const struct observation *obs)
{
	size_t i, n = 0;

	for (i = 0; i < obs->services_nr; i++)
		n += obs->services[i].bad_samples;
	return n;
}

const enum metric observation_signals[OBSERVATION_SIGNALS_NR] = {
	METRIC_MEMORY, METRIC_CPU, METRIC_REQUESTS, METRIC_LATENCY_P95,
};

int observation_service_has(const struct observation *obs, const struct service_metrics *svc, enum metric m)
{
	return series_has_data(&svc->series[m], obs->start, obs->end);
}

int observation_service_unseen(const struct observation *obs, const struct service_metrics *svc)
{
	size_t i;

	for (i = 0; i < OBSERVATION_SIGNALS_NR; i++)
		if (observation_service_has(obs, svc, observation_signals[i]))
			return 0;
	return 1;
}

int64_t observation_recent_from(const struct observation *obs)
{
	int64_t step = obs->step > 0 ? obs->step : 60000, span = (obs->end - obs->start) / 4;

	return obs->end - (span > 3 * step ? span : 3 * step);
}

int observation_service_recent(const struct observation *obs, const struct service_metrics *svc)
{
	int64_t from = observation_recent_from(obs);
	size_t i;

	for (i = 0; i < OBSERVATION_SIGNALS_NR; i++)
		if (series_has_data(&svc->series[observation_signals[i]], from, obs->end))
			return 1;
	return 0;
}

int observation_service_silent(const struct observation *obs, const struct service_metrics *svc)
{
	const struct deployment *newest = svc->deployments_nr ? &svc->deployments[svc->deployments_nr - 1] : NULL;

	size_t i, k, n;

	if (newest && newest->status && !strcmp(newest->status, "SLEEPING"))
		return 0;
	if (observation_service_recent(obs, svc))
		return 0;
	/* A cadence that stopped: a signal sampled at least three times in the window, then nothing. */
	for (k = 0; k < OBSERVATION_SIGNALS_NR; k++) {
		const struct series *s = &svc->series[observation_signals[k]];
		for (i = 0, n = 0; i < s->nr; i++)
			if (s->items[i].t >= obs->start && s->items[i].t <= obs->end && isfinite(s->items[i].v))
				n++;
		if (n >= 3)
			return 1;
	}
	return 0;
}

void observation_init(struct observation *obs)
{
	memset(obs, 0, sizeof(*obs));
}

static void service_release(struct service_metrics *svc)
{
	size_t i;

	free(svc->name);
	free(svc->source_id);
	free(svc->repo);
	free(svc->root_dir);
	free(svc->volume);
	free(svc->mount_path);
	for (i = 0; i < METRIC__COUNT; i++) {
		series_release(&svc->series[i]);
		series_release(&svc->seasonal[i]);
	}
	for (i = 0; i < svc->deployments_nr; i++) {
		free(svc->deployments[i].id);
		free(svc->deployments[i].status);
		free(svc->deployments[i].commit);
		free(svc->deployments[i].message);
	}
	free(svc->deployments);
}

void observation_release(struct observation *obs)
{
	size_t i;

	for (i = 0; i < obs->services_nr; i++)
		service_release(&obs->services[i]);
	free(obs->services);
	free(obs->source);
	free(obs->project);
	free(obs->environment);
	observation_init(obs);
}

struct service_metrics *observation_add_service(struct observation *obs, const char *name)
{
	struct service_metrics *svc;

	ALLOC_GROW(obs->services, obs->services_nr + 1, obs->services_alloc);
	svc = &obs->services[obs->services_nr++];
	memset(svc, 0, sizeof(*svc));
	svc->name = xstrdup(name);
	return svc;
}

const struct service_metrics *observation_find_service(const struct observation *obs, const char *name)
{
	size_t i;

	for (i = 0; i < obs->services_nr; i++)
		if (!strcmp(obs->services[i].name, name))
			return &obs->services[i];
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void service_add_deployment(struct service_metrics *svc, const char *id, int64_t at,
			    const char *status, const char *commit, const char *message)
{
	struct deployment *d;
	size_t pos;

	ALLOC_GROW(svc->deployments, svc->deployments_nr + 1, svc->deployments_alloc);
	/* Keep time order: sources list newest first, scenarios oldest first. */
	pos = svc->deployments_nr;
	while (pos > 0 && svc->deployments[pos - 1].at > at)
		pos--;
	memmove(&svc->deployments[pos + 1], &svc->deployments[pos],
		(svc->deployments_nr - pos) * sizeof(*d));
	d = &svc->deployments[pos];
	d->id = xstrdup(id);
	d->at = at;
	d->status = dup_or_null(status);
	d->commit = dup_or_null(commit);
	d->message = dup_or_null(message);
	svc->deployments_nr++;
}

/* ---- JSON ------------------------------------------------------------- */

/*
 * A value of a compact series, written without printf (a journal holds
 * hundreds of thousands) and read back by strtod(3) to the identical
 * double. The first N / 10^k (k from 0 to 22) that is the value is
 * written as that decimal ("0.25", "-3", "100000000", "0.3333333333333333"):
 * with |N| <= 2^53 and 10^k exact, N / 10^k computed in doubles is the
 * correctly rounded value of the decimal, the very value strtod() reads,
 * so the check below proves the round trip (and util/decimal.h reads it
 * back the same way, without strtod). Any other value (one that needs 17
 * digits) is a C99 hexadecimal float ("0x1.d6f34547e6b75p+26"), exact by
 * construction; -0 is "-0", infinities "inf" and "-inf". Writes at most
 * COMPACT_VALUE_MAX bytes to buf (no NUL); returns how many.
 */
#define COMPACT_VALUE_MAX 40

/* u in decimal digits to buf (no NUL); returns how many. */
static size_t put_digits(char *buf, uint64_t u)
{
	char digits[20];
	size_t len = 0, nd = 0;

	do {
		digits[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (nd)
		buf[len++] = digits[--nd];
	return len;
}

static size_t compact_value(char *buf, double v)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
					1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	enum { KMAX = sizeof(pow10) / sizeof(*pow10) };
	static const char hex[] = "0123456789abcdef";
	char digits[24];
	size_t len = 0, nd = 0;
	uint64_t bits, mant, u;
	int k, e, places;

	if (isinf(v)) {
		memcpy(buf, v < 0 ? "-inf" : "inf", v < 0 ? 4 : 3);
		return v < 0 ? 4 : 3;
	}
	/*
	 * An integer (bytes, counts, a limit of 2 vCPU: most samples) is what
	 * the search below ends with, N at k = 0, without multiplying it by
	 * 10^k and dividing the zeros off again.
	 */
	if (fabs(v) <= 9007199254740992.0 && v == (double)(long long)v) {
		if (signbit(v))
			buf[len++] = '-';
		return len + put_digits(buf + len, (uint64_t)fabs(v));
	}
	/*
	 * The largest k with |v| 10^k <= 2^50: there, v times 10^k is within
	 * 1/4 of an integer when a decimal of k or fewer places is v, so
	 * llround() finds it (trailing zeros stripped: the shortest), and when
	 * none is there none is at fewer places. One place more is tried while
	 * under 2^53; past that, the hex float.
	 */
	for (k = -1; k + 1 < KMAX && fabs(v) * pow10[k + 1] <= 1125899906842624.0; k++)
		;
	for (places = k < 0 ? 0 : k; places <= k + 1 && places < KMAX; places++) {
		double x = v * pow10[places];
		long long n;

		if (!(fabs(x) <= 9007199254740992.0)) /* 2^53 */
			break;
		n = llround(x);
		if ((double)n / pow10[places] != v)
			continue;
		for (k = places; k > 0 && n % 10 == 0; k--)
			n /= 10;
		if (signbit(v))
			buf[len++] = '-';
		u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
		do {
			digits[nd++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		while (nd <= (size_t)k && k)
			digits[nd++] = '0';
		while (nd) {
			buf[len++] = digits[--nd];
			if (k && nd == (size_t)k)
				buf[len++] = '.';
		}
		return len;
	}
	memcpy(&bits, &v, sizeof(bits));
	mant = bits & ((UINT64_C(1) << 52) - 1);
	e = (int)((bits >> 52) & 0x7ff);
	if (bits >> 63)
		buf[len++] = '-';
	memcpy(buf + len, e ? "0x1" : "0x0", 3);
	len += 3;
	e = e ? e - 1023 : -1022; /* a subnormal: 0x0.<mantissa>p-1022 */
	if (mant) {
		buf[len++] = '.';
		for (k = 48; k >= 0 && mant; k -= 4) {
			buf[len++] = hex[(mant >> k) & 0xf];
			mant &= (UINT64_C(1) << k) - 1;
		}
	}
	buf[len++] = 'p';
	buf[len++] = e < 0 ? '-' : '+';
	return len + put_digits(buf + len, (uint64_t)(e < 0 ? -e : e));
}

/*
 * The compact text of a series (see metrics.h): "T:V" where the time
 * steps by T ms from the previous sample (from 0 for the first), "V" alone
 * where it steps by the same T again; V as compact_value() writes it, "n"
 * for no value.
 */
static void series_to_compact(struct strbuf *sb, const struct series *s)
{
	int64_t prev_t = 0, prev_dt = -1;
	size_t i;

	/* About 8 bytes a sample for the usual values: one allocation, not a dozen. */
	strbuf_grow(sb, s->nr * 8);
	for (i = 0; i < s->nr; i++) {
		int64_t dt = s->items[i].t - prev_t;
		double v = s->items[i].v;

		if (i)
			strbuf_addch(sb, ' ');
		if (dt != prev_dt)
			strbuf_addf(sb, "%lld:", (long long)dt);
		if (isnan(v)) {
			strbuf_addch(sb, 'n');
		} else {
			strbuf_grow(sb, COMPACT_VALUE_MAX);
			strbuf_setlen(sb, sb->len + compact_value(sb->buf + sb->len, v));
		}
		prev_t = s->items[i].t;
		prev_dt = dt;
	}
}

/*
 * A hex float as compact_value() writes it ("-0x1.8p+3", "0x0.0000000000001p-1022"),
 * read without strtod(3): the mantissa's 53 bits make an exact double and
 * ldexp() only moves its exponent. -1 for any other form (strtod's then).
 */
static int read_hex_value(double *out, const char *p, const char **end)
{
	uint64_t mant;
	int neg = 0, nd = 0, e = 0, eneg, ed = 0;

	if (*p == '-')
		neg = 1, p++;
	if (p[0] != '0' || p[1] != 'x' || (p[2] != '0' && p[2] != '1'))
		return -1;
	mant = (uint64_t)(p[2] - '0');
	p += 3;
	if (*p == '.') {
		for (p++; nd < 13; p++, nd++) {
			int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
			if (d < 0)
				break;
			mant = mant << 4 | (uint64_t)d;
		}
		if (!nd)
			return -1;
	}
	mant <<= 4 * (13 - nd);
	if (*p++ != 'p' || (*p != '+' && *p != '-'))
		return -1;
	eneg = *p++ == '-';
	for (; *p >= '0' && *p <= '9' && ed < 4; p++, ed++)
		e = e * 10 + (*p - '0');
	if (!ed || (*p && *p != ' '))
		return -1;
	*out = ldexp((double)mant, (eneg ? -e : e) - 52);
	if (neg)
		*out = -*out;
	*end = p;
	return 0;
}

/* Reads series_to_compact()'s text into out; -1 when it is not that. */
static int series_from_compact(struct series *out, const char *p)
{
	int64_t t = 0, dt = 0;
	int have_dt = 0;
	char *end;
	const char *q, *stop;
	size_t n = 1;

	/* One sample per space-separated token: allocated once, exactly. */
	for (q = p; *q; q++)
		n += *q == ' ';
	stop = q;
	ALLOC_GROW(out->items, out->nr + n, out->alloc);

	while (*p) {
		const char *colon = p;
		double v;

		while (*colon && *colon != ':' && *colon != ' ')
			colon++;
		if (*colon == ':') {
			long long d = strtoll(p, &end, 10);
			if (end != colon)
				return -1;
			dt = d;
			have_dt = 1;
			p = colon + 1;
		} else if (!have_dt) {
			return -1;
		}
		t += dt;
		if (*p == 'n') {
			v = NAN;
			end = (char *)p + 1;
		} else if ((decimal_parse(&v, p, stop, &q) == 0 && (!*q || *q == ' ')) ||
			   read_hex_value(&v, p, &q) == 0) {
			end = (char *)q;
		} else {
			/* "inf", "-inf", or another hand's hex float. */
			v = strtod(p, &end);
			if (end == p)
				return -1;
		}
		if (*end && *end != ' ')
			return -1;
		series_add(out, t, v);
		p = *end ? end + 1 : end;
	}
	return 0;
}

/*
 * { "memory": [[seconds, value or null], ...], ... } of the non-empty
 * series of set; with compact, each series as series_to_compact() text.
 */
static struct json *series_set_to_json(const struct series *set, int compact)
{
	struct json *obj = json_new_object();
	size_t m, j;

	for (m = 0; m < METRIC__COUNT; m++) {
		const struct series *ser = &set[m];
		struct json *arr;
		if (!ser->nr)
			continue;
		if (compact) {
			struct strbuf sb = STRBUF_INIT;
			series_to_compact(&sb, ser);
			json_set_str(obj, metric_name((enum metric)m), sb.buf);
			strbuf_release(&sb);
			continue;
		}
		arr = json_new_array();
		for (j = 0; j < ser->nr; j++) {
			struct json *pair = json_new_array();
			json_append(pair, json_new_num((double)ser->items[j].t / 1000.0));
			json_append(pair, json_new_num(ser->items[j].v));
			json_append(arr, pair);
		}
		json_set(obj, metric_name((enum metric)m), arr);
	}
	return obj;
}

/* take: each service's series are released once written (the observation is being given up). */
static struct json *to_json(const struct observation *obs, int compact, int take)
{
	struct json *root = json_new_object(), *services = json_new_array();
	size_t i, j;
	int m;

	json_set_opt_str(root, "source", obs->source);
	json_set_opt_str(root, "project", obs->project);
	json_set_opt_str(root, "environment", obs->environment);
	json_set_time(root, "start", obs->start);
	json_set_time(root, "end", obs->end);
	json_set_num(root, "step_s", (double)obs->step / 1000.0);
	json_set_num(root, "requests", (double)obs->requests);
	json_set_num(root, "bytes", (double)obs->bytes);
	for (i = 0; i < obs->services_nr; i++) {
		const struct service_metrics *svc = &obs->services[i];
		struct json *s = json_new_object();
		struct json *deploys = json_new_array();

		json_set_str(s, "name", svc->name);
		json_set_opt_str(s, "source_id", svc->source_id);
		json_set_opt_str(s, "repo", svc->repo);
		json_set_opt_str(s, "root_dir", svc->root_dir);
		if (svc->replicas)
			json_set_num(s, "replicas", svc->replicas);
		if (svc->bad_samples)
			json_set_num(s, "bad_samples", (double)svc->bad_samples);
		if (svc->volume || svc->mount_path) {
			struct json *v = json_new_object();
			json_set_opt_str(v, "name", svc->volume);
			json_set_opt_str(v, "mount_path", svc->mount_path);
			json_set(s, "volume", v);
		}
		json_set(s, "series", series_set_to_json(svc->series, compact));
		for (m = 0; m < METRIC__COUNT; m++)
			if (svc->seasonal[m].nr)
				break;
		if (m < METRIC__COUNT)
			json_set(s, "seasonal", series_set_to_json(svc->seasonal, compact));
		for (j = 0; j < svc->deployments_nr; j++) {
			const struct deployment *d = &svc->deployments[j];
			struct json *dj = json_new_object();
			json_set_str(dj, "id", d->id);
			json_set_time(dj, "at", d->at);
			json_set_opt_str(dj, "status", d->status);
			json_set_opt_str(dj, "commit", d->commit);
			json_set_opt_str(dj, "message", d->message);
			json_append(deploys, dj);
		}
		json_set(s, "deployments", deploys);
		json_append(services, s);
		if (take) {
			struct service_metrics *w = (struct service_metrics *)svc;
			for (m = 0; m < METRIC__COUNT; m++) {
				series_release(&w->series[m]);
				series_release(&w->seasonal[m]);
			}
		}
	}
	json_set(root, "services", services);
	return root;
}

struct json *observation_to_json(const struct observation *obs)
{
	return to_json(obs, 0, 0);
}

struct json *observation_to_json_compact(const struct observation *obs)
{
	return to_json(obs, 1, 0);
}

struct json *observation_give_json(struct observation *obs)
{
	return to_json(obs, 1, 1);
}

static char *opt_str(const struct json *node, const char *key)
{
	return dup_or_null(json_str_value(json_member(node, key)));
}

static int read_series(struct series *out, const struct json *arr, const char *svc, const char *set,
		       const char *name)
{
	const struct json *pair;
	size_t k = 0;

	if (json_type(arr) == JSON_STRING) {
		if (series_from_compact(out, json_str_value(arr)) < 0)
			return bot_error(BOT_EINVALID, "'services.%s.%s.%s': not a compact series", svc, set, name);
		series_normalise(out);
		return 0;
	}
	if (json_type(arr) != JSON_ARRAY)
		return bot_error(BOT_EINVALID, "'services.%s.%s.%s': expected array, found %s",
				 svc, set, name, json_type_name(arr));
	for (pair = json_first(arr); pair; pair = json_next(pair), k++) {
		const struct json *t = json_item(pair, 0), *v = json_item(pair, 1);
		if (json_size(pair) != 2 || json_type(t) != JSON_NUMBER ||
		    (json_type(v) != JSON_NUMBER && json_type(v) != JSON_NULL))
			return bot_error(BOT_EINVALID,
					 "'services.%s.%s.%s[%zu]': expected [seconds, value or null]",
					 svc, set, name, k);
		series_add(out, (int64_t)llround(json_num_value(t) * 1000.0),
			   json_type(v) == JSON_NULL ? NAN : json_num_value(v));
	}
	series_normalise(out);
	return 0;
}

/* The series object under key of service i (absent: nothing) into set. */
static int read_series_set(struct series *set, const struct json *svcj, const char *key,
			   const char *name, size_t i)
{
	const struct json *ser;
	int ret;

	for (ser = json_first(json_member(svcj, key)); ser; ser = json_next(ser)) {
		enum metric m;
		if (metric_from_name(&m, json_key(ser)) < 0)
			return bot_error(BOT_EINVALID, "'services[%zu].%s': unknown metric '%s'",
					 i, key, json_key(ser));
		if ((ret = read_series(&set[m], ser, name, key, json_key(ser))) < 0)
			return ret;
	}
	return 0;
}

static int from_json(struct observation *obs, const struct json *root, int take);

int observation_from_json(struct observation *obs, const struct json *root)
{
	return from_json(obs, root, 0);
}

int observation_take_json(struct observation *obs, struct json *root)
{
	return from_json(obs, root, 1);
}

static int from_json(struct observation *obs, const struct json *root, int take)
{
	const struct json *services, *svcj, *dj;
	double step_s = 60;
	size_t i;
	int ret;

	observation_init(obs);
	obs->source = opt_str(root, "source");
	obs->project = opt_str(root, "project");
	obs->environment = opt_str(root, "environment");
	if ((ret = json_get_time(&obs->start, root, "start")) < 0 ||
	    (ret = json_get_time(&obs->end, root, "end")) < 0)
		goto fail;
	if (json_member(root, "step_s") && (ret = json_get_num(&step_s, root, "step_s")) < 0)
		goto fail;
	obs->step = (int64_t)llround(step_s * 1000.0);
	obs->requests = (int64_t)json_num_value(json_member(root, "requests"));
	obs->bytes = (int64_t)json_num_value(json_member(root, "bytes"));
	if (obs->end <= obs->start) {
		ret = bot_error(BOT_EINVALID, "'end' is not after 'start'");
		goto fail;
	}
	if ((ret = json_get_arr(&services, root, "services")) < 0)
		goto fail;
	for (i = 0, svcj = json_first(services); svcj; svcj = json_next(svcj), i++) {
		struct service_metrics *svc;
		const char *name;
		size_t k;

		if ((ret = json_get_str(&name, root, "services[%zu].name", i)) < 0)
			goto fail;
		svc = observation_add_service(obs, name);
		svc->source_id = opt_str(svcj, "source_id");
		svc->repo = opt_str(svcj, "repo");
		svc->root_dir = opt_str(svcj, "root_dir");
		svc->replicas = (int)json_num_value(json_member(svcj, "replicas"));
		svc->bad_samples = (size_t)json_num_value(json_member(svcj, "bad_samples"));
		if (json_member(svcj, "volume")) {
			svc->volume = opt_str(json_member(svcj, "volume"), "name");
			svc->mount_path = opt_str(json_member(svcj, "volume"), "mount_path");
		}
		if ((ret = read_series_set(svc->series, svcj, "series", name, i)) < 0 ||
		    (ret = read_series_set(svc->seasonal, svcj, "seasonal", name, i)) < 0)
			goto fail;
		for (k = 0, dj = json_first(json_member(svcj, "deployments")); dj;
		     dj = json_next(dj), k++) {
			const char *id;
			int64_t at;

			ret = json_get_str(&id, svcj, "deployments[%zu].id", k);
			if (!ret)
				ret = json_get_time(&at, root, "services[%zu].deployments[%zu].at", i, k);
			if (ret < 0)
				goto fail;
			service_add_deployment(svc, id, at, json_str_value(json_member(dj, "status")),
					       json_str_value(json_member(dj, "commit")),
					       json_str_value(json_member(dj, "message")));
		}
		if (take)
			json_empty((struct json *)svcj);
	}
	return 0;
fail:
	observation_release(obs);
	return ret;
}
