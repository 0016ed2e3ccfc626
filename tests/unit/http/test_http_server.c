/*
 * test_http_server.c - the HTTP engine (http/http.h) with a toy handler, on
 * real sockets over 127.0.0.1: listening sockets handed in from outside
 * (one shared by two workers, as inherited descriptors or socket
 * activation would give), the handler's three callbacks, the counters, and
 * a drain that answers the request in flight with Connection: close and
 * then refuses new connections.
 */
#include "core/common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "http/http.h"

static _Atomic unsigned inits;
static _Atomic unsigned exits;

static int toy_init(void *ctx, size_t worker)
{
	(void)ctx;
	(void)worker;
	inits++;
	return VO_OK;
}

static void toy_exit(void *ctx, size_t worker)
{
	(void)ctx;
	(void)worker;
	exits++;
}

/* /echo takes a body of up to 16 bytes; every other path is 404. */
static void toy_head(void *ctx, struct vo_http_exchange *x)
{
	(void)ctx;
	if (!x->path_ok || !vo_str_eq_cstr(x->path, "/echo")) {
		x->answer.status = 404;
		x->answer.content_type = "text/plain";
		x->answer.body = VO_STR_LIT("nope");
		return;
	}
	x->body_limit = 16;
	x->user = 42;
}

static void toy_request(void *ctx, struct vo_http_exchange *x)
{
	(void)ctx;
	assert_int_equal(x->user, 42);
	x->answer.status = 200;
	x->answer.content_type = "text/plain";
	x->answer.headers = "X-Toy: 1\r\n";
	x->answer.body = x->body;
}

static void toy_refuse(void *ctx, struct vo_http_exchange *x, const char *code, const char *message)
{
	(void)ctx;
	(void)message;
	x->answer.content_type = "text/plain";
	x->answer.body = vo_str_cstr(code);
}

static int listen_any(unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static int dial(unsigned port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void say(int fd, const char *text)
{
	assert_int_equal(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* Reads until want appears in the answer text or the peer closes (2 s at most). */
static size_t hear(int fd, char *buf, size_t cap, const char *want)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&p, 1, 2000) <= 0)
			break;
		r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if (want && strstr(buf, want))
			break;
	}
	buf[n] = '\0';
	return n;
}

static struct vo_http_server *start(int lfd, unsigned threads)
{
	static const struct vo_http_handler h = {
		.thread_init = toy_init,
		.thread_exit = toy_exit,
		.head = toy_head,
		.request = toy_request,
		.refuse = toy_refuse,
	};
	struct vo_http_config cfg;
	struct vo_http_server *s = NULL;
	struct vo_error err = { 0 };

	memset(&cfg, 0, sizeof(cfg));
	cfg.listen_fds = &lfd;
	cfg.nlisten = 1;
	cfg.threads = threads;
	cfg.max_header = 1024;
	cfg.idle_ms = cfg.header_ms = cfg.body_ms = cfg.write_ms = 2000;
	cfg.max_connections = 100;
	cfg.max_per_ip = 50;
	cfg.max_body_memory = 1 << 20;
	assert_int_equal(vo_http_server_create(&cfg, &h, &s, &err), VO_OK);
	assert_int_equal(vo_http_server_start(s, &err), VO_OK);
	return s;
}

static void test_shared_listener(void **state)
{
	unsigned port = 0;
	struct vo_http_server *s;
	struct vo_http_counters c;
	char buf[4096];
	int fds[4];

	(void)state;
	inits = exits = 0;
	s = start(listen_any(&port), 2);
	assert_int_equal(inits, 2);
	for (int i = 0; i < 4; i++) {
		fds[i] = dial(port);
		assert_true(fds[i] >= 0);
		say(fds[i], "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
	}
	for (int i = 0; i < 4; i++) {
		hear(fds[i], buf, sizeof(buf), "hello");
		assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
		assert_non_null(strstr(buf, "\r\nX-Toy: 1\r\n"));
		assert_non_null(strstr(buf, "\r\nContent-Length: 5\r\n"));
		assert_non_null(strstr(buf, "\r\nDate: "));
		assert_non_null(strstr(buf, "\r\n\r\nhello"));
	}
	/* The head callback's refusal, and the engine's own (the body limit). */
	say(fds[0], "GET /other HTTP/1.1\r\nHost: t\r\n\r\n");
	hear(fds[0], buf, sizeof(buf), "nope");
	assert_non_null(strstr(buf, "HTTP/1.1 404 Not Found\r\n"));
	say(fds[1], "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 17\r\n\r\n");
	hear(fds[1], buf, sizeof(buf), NULL);
	assert_non_null(strstr(buf, "HTTP/1.1 413 "));
	assert_non_null(strstr(buf, "\r\nConnection: close\r\n"));
	assert_non_null(strstr(buf, "payload_too_large"));
	/* The refused connection lingers until the client closes its side. */
	close(fds[1]);
	fds[1] = -1;
	for (int i = 0; i < 100; i++) {
		vo_http_server_counters(s, &c);
		if (c.open == 3)
			break;
		usleep(10000);
	}
	assert_int_equal(c.accepted, 4);
	assert_int_equal(c.open, 3);
	assert_int_equal(vo_http_server_max_connections(s), 100);
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	vo_http_server_destroy(s);
	assert_int_equal(exits, 2);
}

struct stopper {
	struct vo_http_server *s;
};

static void *stop_thread(void *arg)
{
	struct stopper *st = arg;

	vo_http_server_stop(st->s, 3000);
	return NULL;
}

static void test_drain(void **state)
{
	unsigned port = 0;
	struct vo_http_server *s;
	struct stopper st;
	pthread_t t;
	char buf[4096];
	int busy;
	int idle;

	(void)state;
	s = start(listen_any(&port), 1);
	busy = dial(port);
	idle = dial(port);
	assert_true(busy >= 0 && idle >= 0);
	say(busy, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhe");
	usleep(100000);
	st.s = s;
	assert_int_equal(pthread_create(&t, NULL, stop_thread, &st), 0);
	usleep(200000);
	/* New connections are refused; the idle one is closed without an answer. */
	assert_int_equal(dial(port), -1);
	assert_int_equal(hear(idle, buf, sizeof(buf), NULL), 0);
	/* The request in flight is answered, with Connection: close. */
	say(busy, "llo");
	hear(busy, buf, sizeof(buf), "hello");
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "\r\nConnection: close\r\n"));
	pthread_join(t, NULL);
	close(busy);
	close(idle);
	vo_http_server_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_listener),
		cmocka_unit_test(test_drain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
