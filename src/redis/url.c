/*
 * url.c - redis:// and redis-sentinel:// URLs, and masking them in
 * messages; see redis.h.
 */
#include "core/common.h"

#include "core/str.h"
#include "redis/redis.h"

/* ---- schemes ----------------------------------------------------------- */

/* Length of the scheme of s ("redis" in "redis://..."), 0 when s has none. */
static size_t scheme_len(const char *s)
{
	size_t i = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 1; s[i]; i++) {
		char c = s[i];

		if (c == ':')
			return i;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '-' || c == '.'))
			return 0;
	}
	return 0;
}

static bool scheme_is(const char *s, size_t n, const char *name)
{
	return vo_str_eq_nocase(vo_str_make(s, n), vo_str_cstr(name));
}

/* Whether the scheme [s, s+n) mentions word, ignoring case ("redis+cluster" and "cluster"). */
static bool scheme_has(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; i + w <= n; i++)
		if (vo_str_eq_nocase(vo_str_make(s + i, w), vo_str_make(word, w)))
			return true;
	return false;
}

bool vo_redis_is_url(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = scheme_len(s);
	if (!n)
		return false;
	/* Any scheme://, and redis...: even without the slashes (a typo, not a file). */
	return !strncmp(s + n, "://", 3) || (n >= 5 && scheme_has(s, 5, "redis"));
}

/* ---- masking ----------------------------------------------------------- */

/*
 * The user information of a URL-like string masked: everything from the end
 * of the scheme (and its slashes, however many) to the last '@' becomes
 * "***", so "redis://u:p/w@h", "redis:/:p@h" and "REDIS://:p#w@h" all show
 * "***@h".  A host:port whose port is not a number is masked too, in case a
 * password was written where the port goes ("redis://:secret").
 */
void vo_redis_mask(const char *s, char *out, size_t n)
{
	size_t start = scheme_len(s), len = strlen(s), o = 0;
	const char *at = strrchr(s, '@');

	if (!n)
		return;
	if (start) {
		start++; /* the ':' */
		while (s[start] == '/')
			start++;
	}
	for (size_t i = 0; i < len && o + 1 < n; i++) {
		if (at && i == start && s + i < at) {
			const char *stars = "***";
			while (*stars && o + 1 < n)
				out[o++] = *stars++;
			i = (size_t)(at - s) - 1;
			continue;
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	if (!at && start && start < o && out[start] != '[') {
		/* host:port with a port that is not a number: mask the port. */
		char *colon = strchr(out + start, ':');
		char *stop;

		if (colon) {
			stop = colon + 1 + strcspn(colon + 1, "/,?#");
			for (char *p = colon + 1; p < stop; p++) {
				if (*p < '0' || *p > '9') {
					size_t tail = strlen(stop);
					if ((size_t)(colon + 1 - out) + 3 + tail + 1 <= n) {
						memmove(colon + 4, stop, tail + 1);
						colon[1] = colon[2] = colon[3] = '*';
					}
					break;
				}
			}
		}
	}
}

/* ---- parsing ----------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes [s, s+len) into out (n bytes); false on a bad escape, a NUL or overflow. */
static bool decode(const char *s, size_t len, char *out, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return false;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0' || o + 1 >= n)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

static bool parse_uint(const char *s, size_t len, unsigned max, unsigned *out)
{
	uint64_t v;

	if (!vo_str_to_u64(vo_str_make(s, len), max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

/* State of one parse, for the messages. */
struct parse {
	const char *url;
	char shown[VO_REDIS_URL_MAX + 16]; /* the URL masked */
	struct vo_error *err;
};

static VO_PRINTF(2, 3) int refuse(struct parse *p, const char *fmt, ...)
{
	char why[VO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return vo_error_set(p->err, VO_EINVAL, "redis URL '%s': %s", p->shown, why);
}

/* One host[:port] or [v6][:port] in [s, end) into h. */
static int parse_host(struct parse *p, const char *s, const char *end, unsigned default_port,
		      struct vo_redis_host *h)
{
	const char *host_end, *port = NULL;
	size_t host_len;

	if (s < end && *s == '[') {
		const char *close = memchr(s, ']', (size_t)(end - s));

		if (!close)
			return refuse(p, "unclosed '['");
		host_end = close + 1;
		if (host_end < end && *host_end != ':')
			return refuse(p, "junk after the IPv6 address");
		if (host_end < end)
			port = host_end + 1;
		s++;
		host_len = (size_t)(close - s);
	} else {
		host_end = memchr(s, ':', (size_t)(end - s));
		if (host_end)
			port = host_end + 1;
		else
			host_end = end;
		host_len = (size_t)(host_end - s);
	}
	if (!host_len)
		return refuse(p, "no host");
	if (host_len >= sizeof(h->name))
		return refuse(p, "a host name longer than %zu bytes", sizeof(h->name) - 1);
	for (size_t i = 0; i < host_len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '%')
			return refuse(p,
				      "the host may not hold white space, control bytes or '%%'");
	memcpy(h->name, s, host_len);
	h->name[host_len] = '\0';
	h->port = default_port;
	if (port && (!parse_uint(port, (size_t)(end - port), 65535, &h->port) || !h->port))
		return refuse(p, "the port must be 1 to 65535");
	return VO_OK;
}

/* user:password@ in [s, at) into the data node's credentials. */
static int parse_userinfo(struct parse *p, const char *s, const char *at, struct vo_redis_url *u)
{
	const char *colon = memchr(s, ':', (size_t)(at - s));

	if (!colon)
		return refuse(p, "give user:password@ or :password@");
	if (!decode(s, (size_t)(colon - s), u->user, sizeof(u->user)) ||
	    !decode(colon + 1, (size_t)(at - colon - 1), u->password, sizeof(u->password)))
		return refuse(p, "bad %%-escape in the user or password");
	u->has_password = true;
	return VO_OK;
}

static bool valid_master(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || c == '%' || c == '@' || c == ',')
			return false;
	}
	return true;
}

/* The sentinels' own credentials, from the environment. */
static int sentinel_auth(struct parse *p, struct vo_redis_url *u)
{
	const char *user = getenv("VOUCH_SENTINEL_USER");
	const char *pass = getenv("VOUCH_SENTINEL_PASSWORD");

	if (user && strlen(user) >= sizeof(u->sentinel_user))
		return vo_error_set(p->err, VO_EINVAL,
				    "VOUCH_SENTINEL_USER is longer than %zu bytes",
				    sizeof(u->sentinel_user) - 1);
	if (pass && strlen(pass) >= sizeof(u->sentinel_password))
		return vo_error_set(p->err, VO_EINVAL,
				    "VOUCH_SENTINEL_PASSWORD is longer than %zu bytes",
				    sizeof(u->sentinel_password) - 1);
	if (pass && *pass) {
		snprintf(u->sentinel_user, sizeof(u->sentinel_user), "%s", user ? user : "");
		snprintf(u->sentinel_password, sizeof(u->sentinel_password), "%s", pass);
		u->sentinel_has_password = true;
	} else if (user && *user) {
		return vo_error_set(p->err, VO_EINVAL,
				    "VOUCH_SENTINEL_USER is set without VOUCH_SENTINEL_PASSWORD");
	}
	return VO_OK;
}

static void make_display(struct vo_redis_url *u)
{
	size_t o = 0;
	size_t n = sizeof(u->display);

	o += (size_t)snprintf(u->display, n, "%s%s%s",
			      u->kind == VO_REDIS_SENTINEL ? "redis-sentinel://" : "redis://",
			      u->user, *u->user ? "@" : "");
	for (size_t i = 0; i < u->nhosts && o < n; i++) {
		const struct vo_redis_host *h = &u->hosts[i];
		bool v6 = strchr(h->name, ':') != NULL;

		o += (size_t)snprintf(u->display + o, n - o, "%s%s%s%s:%u", i ? "," : "",
				      v6 ? "[" : "", h->name, v6 ? "]" : "", h->port);
	}
	if (o < n && u->kind == VO_REDIS_SENTINEL)
		o += (size_t)snprintf(u->display + o, n - o, "/%s", u->master);
	if (o < n)
		snprintf(u->display + o, n - o, "/%u", u->db);
}

static const char cluster_why[] =
	"Redis Cluster is not supported: the segments are one value of a few kilobytes, "
	"which Cluster can neither spread nor make more available; use a primary with "
	"replicas watched by Sentinel (redis-sentinel://host1:26379,host2:26379/MASTER) or "
	"one redis:// server";

int vo_redis_url_parse(const char *url, struct vo_redis_url *u, struct vo_error *err)
{
	struct parse p;
	size_t slen;
	const char *auth, *end, *at = NULL, *hosts, *path;
	int rc;

	memset(u, 0, sizeof(*u));
	p.url = url;
	p.err = err;
	vo_redis_mask(url, p.shown, sizeof(p.shown));
	slen = scheme_len(url);
	if (!slen)
		return vo_error_set(
			err, VO_EINVAL,
			"'%s' is not a redis URL (redis://[user:password@]host:port[/db] "
			"or redis-sentinel://host:port,.../MASTER[/db])",
			p.shown);
	if (scheme_has(url, slen, "cluster"))
		return refuse(&p, "%s", cluster_why);
	if (scheme_is(url, slen, "rediss") || scheme_has(url, slen, "rediss") ||
	    scheme_has(url, slen, "tls"))
		return refuse(&p, "TLS (rediss://) is not supported");
	if (scheme_is(url, slen, "redis"))
		u->kind = VO_REDIS_DIRECT;
	else if (scheme_is(url, slen, "redis-sentinel") || scheme_is(url, slen, "redis+sentinel"))
		u->kind = VO_REDIS_SENTINEL;
	else
		return vo_error_set(
			err, VO_EINVAL,
			"'%s' is not a redis URL (redis://[user:password@]host:port[/db] "
			"or redis-sentinel://host:port,.../MASTER[/db])",
			p.shown);
	if (strncmp(url + slen, "://", 3) != 0)
		return refuse(&p, "the scheme must be followed by '://'");
	if (strlen(url) >= VO_REDIS_URL_MAX)
		return vo_error_set(err, VO_EINVAL, "redis URL is longer than %u bytes",
				    VO_REDIS_URL_MAX);
	auth = url + slen + 3;
	/*
	 * The user information ends at the last '@': neither a host nor the path
	 * holds one, and so a password may hold '@', '/', '?' or '#' unescaped.
	 */
	at = strrchr(auth, '@');
	if (strpbrk(at ? at : auth, "?#"))
		return refuse(&p, "no query or fragment is understood%s",
			      strstr(url, "cluster") ? ": Redis Cluster is not supported" : "");
	end = (at ? at + 1 : auth) + strcspn(at ? at + 1 : auth, "/");
	if (at) {
		rc = parse_userinfo(&p, auth, at, u);
		if (rc)
			return rc;
		hosts = at + 1;
	} else {
		hosts = auth;
	}
	if (u->kind == VO_REDIS_DIRECT && memchr(hosts, ',', (size_t)(end - hosts)))
		return refuse(&p,
			      "one host only: for Sentinel write "
			      "redis-sentinel://host1:26379,host2:26379/MASTER; %s",
			      "Redis Cluster is not supported");
	for (const char *h = hosts; h <= end;) {
		const char *next = memchr(h, ',', (size_t)(end - h));

		if (!next)
			next = end;
		if (u->nhosts == VO_REDIS_SENTINELS_MAX)
			return refuse(&p, "more than %u sentinels", VO_REDIS_SENTINELS_MAX);
		rc = parse_host(&p, h, next, u->kind == VO_REDIS_SENTINEL ? 26379 : 6379,
				&u->hosts[u->nhosts]);
		if (rc)
			return rc;
		u->nhosts++;
		h = next + 1;
	}
	path = end;
	if (u->kind == VO_REDIS_SENTINEL) {
		const char *name, *name_end;

		if (*path != '/' || !path[1])
			return refuse(&p, "name the master after the sentinels: "
					  "redis-sentinel://host:26379,.../MASTER[/db]");
		name = path + 1;
		name_end = name + strcspn(name, "/");
		if (!valid_master(name, (size_t)(name_end - name)) ||
		    (size_t)(name_end - name) >= sizeof(u->master))
			return refuse(&p, "the master name must be printable, without spaces, "
					  "'%%', '@' or ','");
		memcpy(u->master, name, (size_t)(name_end - name));
		u->master[name_end - name] = '\0';
		path = name_end;
	}
	if (*path == '/' && path[1] && !parse_uint(path + 1, strlen(path + 1), INT_MAX, &u->db))
		return refuse(&p, "the database after '/' must be a number");
	if (u->kind == VO_REDIS_SENTINEL) {
		rc = sentinel_auth(&p, u);
		if (rc)
			return rc;
	}
	make_display(u);
	return VO_OK;
}

static void wipe(char *s, size_t n)
{
	volatile char *v = s;

	for (size_t i = 0; i < n; i++)
		v[i] = 0;
}

void vo_redis_url_wipe(struct vo_redis_url *u)
{
	wipe(u->password, sizeof(u->password));
	wipe(u->sentinel_password, sizeof(u->sentinel_password));
	u->has_password = false;
	u->sentinel_has_password = false;
}
