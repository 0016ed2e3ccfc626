// Issue 14's hostile clients (items 1 to 7) against a running `vouch serve`
// on 127.0.0.1:PORT, over raw sockets.  Each mode matches the options the
// server was started with (tests/integration/t0680-serve-hostile.sh):
//
//   framing       (--max-header 1024)  items 4-7: smuggling framing, bad
//                 Transfer-Encoding, GET/HEAD bodies, header bytes, Host,
//                 absolute-form, %00 in paths; the exact head limit; every
//                 refusal in the JSON error format.
//   slow-headers  (--header-timeout 1 --max-connections 40)  item 1: 120
//                 connections drip one header byte each every 300 ms; a
//                 legitimate client from the same address is served
//                 throughout, and every dripping connection is closed.
//   half-bodies PID MAX_KB  (--body-timeout 2 --max-body-memory 16 MiB)
//                 item 2: 40 requests announce 8 MiB and stop after 6 MiB;
//                 the server's VmRSS grows by less than MAX_KB (0: printed,
//                 not judged, as under ASan), the bodies past the budget get
//                 503, a legitimate client gets 200 meanwhile, and the
//                 half-sent ones are closed by the body deadline.
//   slow-reader   (--write-timeout 1)  a client pipelines 4000 requests and
//                 reads none of the answers; others are served meanwhile
//                 (the caller checks the write deadline in /metrics and that
//                 not all 4000 were answered: output is bounded).
//   collide KEY   (VOUCH_TEST_ADDR_KEY=KEY --max-per-ip 2)  item 3: a
//                 loopback address whose place in the per-address table is
//                 127.0.0.1's (found here with the same keyed SipHash-2-4)
//                 uses its connections; 127.0.0.1 is not shut out.
//
// usage: node http-hostile.mjs PORT MODE [KEY]
import fs from 'node:fs';
import net from 'node:net';

const port = Number(process.argv[2]);
const mode = process.argv[3];
const valid = '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let failures = 0;
let passed = 0;

function check(name, cond, detail) {
	if (cond) passed++;
	else { failures++; console.error(`FAIL ${name}: ${detail}`); }
}

function post(body, extra = '', path = '/voucher') {
	return `POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n${extra}` +
		`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

// The complete answers at the start of text: [{status, head, body}].
function answers(text) {
	const out = [];
	let at = 0;
	for (;;) {
		const end = text.indexOf('\r\n\r\n', at);
		if (end < 0) return out;
		const head = text.slice(at, end);
		const status = Number(head.slice(9, 12));
		const m = /\r\ncontent-length: *(\d+)/i.exec(head);
		const len = status < 200 || !m ? 0 : Number(m[1]);
		if (text.length < end + 4 + len) return out;
		out.push({ status, head, body: text.slice(end + 4, end + 4 + len) });
		at = end + 4 + len;
	}
}

// Sends parts (strings, Buffers; numbers are pauses in ms) on a new
// connection and collects what comes back until the server closes, `want`
// answers have come, or waitMs passes without data.
function exchange(parts, { waitMs = 1500, want = 0, localAddress, head = false } = {}) {
	return new Promise((resolve) => {
		const sock = net.connect({ port, host: '127.0.0.1', localAddress });
		const chunks = [];
		let closed = false;
		let timer;
		const done = () => {
			clearTimeout(timer);
			sock.destroy();
			const text = Buffer.concat(chunks).toString('latin1');
			let got = answers(text);
			if (head) got = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => ({ status: Number(m[1]) }));
			resolve({ text, closed, got, statuses: got.map((a) => a.status) });
		};
		const arm = () => { clearTimeout(timer); timer = setTimeout(done, waitMs); };
		sock.on('data', (d) => {
			chunks.push(d);
			if (want && answers(Buffer.concat(chunks).toString('latin1')).length >= want) done();
			else arm();
		});
		sock.on('close', () => { closed = true; done(); });
		sock.on('error', () => { closed = true; done(); });
		sock.on('connect', async () => {
			for (const p of parts) {
				if (typeof p === 'number') await sleep(p);
				else if (!sock.destroyed) sock.write(p);
			}
			arm();
		});
	});
}

async function served(name, opts = {}) {
	const r = await exchange([post(valid)], { waitMs: 2000, want: 1, ...opts });
	check(name, r.statuses[0] === 200, JSON.stringify(r.text.slice(0, 160)));
	return r.statuses[0] === 200;
}

// One request that must get exactly `status`, in the JSON error format
// when it is an error, and (closeAfter) the connection closed after it.
async function refused(name, parts, status, { closeAfter = true, code } = {}) {
	const r = await exchange(parts, { waitMs: 1500 });
	const a = r.got[0];
	check(`${name}: ${status}`, a && a.status === status, JSON.stringify(r.text.slice(0, 200)));
	if (a && status >= 400) {
		let body = null;
		try { body = JSON.parse(a.body); } catch { /* checked below */ }
		check(`${name}: JSON error body`, body && body.error && typeof body.error.code === 'string' &&
			/content-type: application\/json/i.test(a.head), JSON.stringify(a.body.slice(0, 120)));
		if (code) check(`${name}: code ${code}`, body && body.error && body.error.code === code, a.body);
	}
	if (closeAfter) {
		check(`${name}: one answer, then closed`, r.got.length === 1 && r.closed,
			`${r.got.length} answers, closed=${r.closed}`);
		check(`${name}: Connection: close`, a && /\r\nconnection: close/i.test(a.head), a && a.head);
	}
	return r;
}

async function framing() {
	// Item 4: Content-Length with a space before the colon, or obs-folded,
	// must not let the body run as a second request.
	const inner = post(valid);
	await refused('space before the colon', [
		`POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length : ${inner.length}\r\n\r\n${inner}`], 400);
	await refused('obs-folded Content-Length', [
		`POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length:\r\n ${inner.length}\r\n\r\n${inner}`], 400);
	await refused('obs-fold after a field', [
		`GET /health HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n\tcontinued\r\n\r\n`], 400);
	await refused('two different Content-Lengths', [
		`POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: ${valid.length}\r\n\r\n${valid}`], 400);
	await refused('Content-Length and chunked', [
		`POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`], 400);
	await refused('Content-Length not a number', [
		`POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length: 1e2\r\n\r\n`], 400);
	// Item 5: Transfer-Encoding, answered at once (the server does not wait
	// for a body it cannot frame) and then closed.
	for (const [te, status] of [['chunked, gzip', 400], ['gzip, chunked', 501], ['identity', 400],
		['gzip', 400], ['chunked, chunked', 400]]) {
		await refused(`Transfer-Encoding: ${te}`, [
			`POST /voucher HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: ${te}\r\n\r\n`], status);
	}
	await refused('two Transfer-Encoding fields', [
		'POST /voucher HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n'], 400);
	await refused('Transfer-Encoding in HTTP/1.0', [
		'POST /voucher HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'], 400);
	// Item 6: GET and HEAD with a body are answered, small bodies dropped and
	// the connection kept.
	for (const n of [1, 15, 16, 100, 5000]) {
		const r = await exchange([`GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: ${n}\r\n\r\n${'x'.repeat(n)}` +
			'GET /health HTTP/1.1\r\nHost: t\r\n\r\n'], { want: 2 });
		check(`GET with a ${n}-byte body: 200, then the next request`,
			JSON.stringify(r.statuses) === '[200,200]', JSON.stringify(r.text.slice(0, 200)));
	}
	{
		const r = await exchange(['HEAD /health HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n' + 'x'.repeat(20) +
			'GET /health HTTP/1.1\r\nHost: t\r\n\r\n'], { head: true, waitMs: 800 });
		check('HEAD with a body: 200 without body, then the next request',
			JSON.stringify(r.statuses) === '[200,200]' && !/\{"status":"ok"\}HTTP/.test(r.text) &&
			(r.text.match(/\{"status":"ok"\}/g) || []).length === 1, JSON.stringify(r.text));
	}
	{
		const r = await exchange(['GET /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' +
			'GET /health HTTP/1.1\r\nHost: t\r\n\r\n'], { want: 2 });
		check('GET with a chunked body: 200, then the next request', JSON.stringify(r.statuses) === '[200,200]',
			JSON.stringify(r.text.slice(0, 200)));
	}
	await refused('GET with a 100 KB body', [
		`GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(100000)}`], 400);
	// Item 7: bytes in header values, Host, absolute-form, %00.
	await refused('NUL in a header value', ['GET /health HTTP/1.1\r\nHost: t\r\nX-A: a\0b\r\n\r\n'], 400);
	await refused('bare CR in a header value', ['GET /health HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n'], 400);
	await refused('bare LF in a header value', ['GET /health HTTP/1.1\r\nHost: t\r\nX-A: a\nb\r\n\r\n'], 400);
	await refused('bare LF line ends', ['GET /health HTTP/1.1\nHost: t\n\n'], 400);
	await refused('HTTP/1.1 without Host', ['GET /health HTTP/1.1\r\n\r\n'], 400);
	await refused('two Host fields', ['GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'], 400);
	for (const req of ['GET http://x/health HTTP/1.1\r\n\r\n', 'GET http://x/health HTTP/1.1\r\nHost: x\r\n\r\n',
		'GET http://x:8000/health?probe=1 HTTP/1.1\r\nHost: y\r\n\r\n']) {
		const r = await exchange([req], { want: 1 });
		check(`absolute-form ${JSON.stringify(req.split('\r\n')[0])}: served`,
			r.statuses[0] === 200 && r.got[0].body === '{"status":"ok"}', JSON.stringify(r.text.slice(0, 160)));
	}
	await refused('/voucher%00x', [post(valid, '', '/voucher%00x')], 404, { closeAfter: false, code: 'not_found' });
	await refused('/health%00.html', ['GET /health%00.html HTTP/1.1\r\nHost: t\r\n\r\n'], 404,
		{ closeAfter: false, code: 'not_found' });
	await refused('/health%zz', ['GET /health%zz HTTP/1.1\r\nHost: t\r\n\r\n'], 404, { closeAfter: false });
	{
		const r = await exchange(['GET /%68ealth HTTP/1.1\r\nHost: t\r\n\r\n'], { want: 1 });
		check('a percent-encoded path is decoded', r.statuses[0] === 200, JSON.stringify(r.text.slice(0, 100)));
	}
	// The head limit is exact (--max-header 1024): 1024 bytes pass, 1025 are 431.
	const headOf = (n) => {
		const start = 'GET /health HTTP/1.1\r\nHost: t\r\nX-Pad: ';
		return start + 'a'.repeat(n - start.length - 4) + '\r\n\r\n';
	};
	{
		const r = await exchange([headOf(1024)], { want: 1 });
		check('a head of exactly --max-header bytes: 200', r.statuses[0] === 200, JSON.stringify(r.text.slice(0, 100)));
	}
	await refused('a head one byte over --max-header', [headOf(1025)], 431, { code: 'header_too_large' });
	await refused('a request line over --max-header', [`GET /${'a'.repeat(2000)} HTTP/1.1\r\nHost: t\r\n\r\n`], 414,
		{ code: 'uri_too_long' });
	await refused('garbage', ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'], 400);
	await refused('HTTP/2.0', ['GET /health HTTP/2.0\r\nHost: t\r\n\r\n'], 505);
	await refused('an unknown expectation', ['POST /voucher HTTP/1.1\r\nHost: t\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}'], 417);
	// 100-continue comes only after the head passed: a refused head gets its
	// answer instead, and the connection closes (the body may never come).
	{
		const r = await exchange(['POST /nope HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2000\r\n\r\n'],
			{ waitMs: 1000 });
		check('Expect: 100-continue on a refused head: 404 without 100, closed',
			JSON.stringify(r.statuses) === '[404]' && r.closed, JSON.stringify(r.text.slice(0, 160)));
	}
	// Pipelined requests, with a HEAD among them, are answered in order.
	{
		const r = await exchange([post(valid) + 'HEAD /health HTTP/1.1\r\nHost: t\r\n\r\n' + post('{') +
			'GET /health HTTP/1.0\r\n\r\n'], { head: true, waitMs: 800 });
		check('pipelined answers in order', JSON.stringify(r.statuses) === '[200,200,400,200]' && r.closed,
			JSON.stringify(r.statuses));
	}
	// HTTP/1.0 keep-alive on request, and close by default.
	{
		const r = await exchange(['GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', 200,
			'GET /health HTTP/1.0\r\n\r\n'], { waitMs: 800 });
		check('HTTP/1.0 keep-alive, then close', JSON.stringify(r.statuses) === '[200,200]' && r.closed &&
			/connection: keep-alive/i.test(r.got[0].head) && /connection: close/i.test(r.got[1].head),
			JSON.stringify(r.text.slice(0, 300)));
	}
	// Pipelined bodies larger than a connection's input buffer (each read
	// into its own buffer), then a small one.
	{
		const items = [];
		for (let i = 0; i < 400; i++) items.push({ customer_id: i, country_code: 'Testland', segment_name: 'frequent_segment', total_orders: 3 });
		const big = post(JSON.stringify({ customers: items }), '', '/vouchers');
		const r = await exchange([big + big + post(valid)], { want: 3, waitMs: 3000 });
		check('pipelined large bodies: answered in order', JSON.stringify(r.statuses) === '[200,200,200]' &&
			r.got[1].body.includes('"customer_id":399'), JSON.stringify(r.statuses));
	}
	// A chunked batch far larger than a connection's input buffer, in
	// pieces of every size, split across writes.
	{
		const items = [];
		for (let i = 0; i < 3000; i++) items.push({ customer_id: i, country_code: 'Testland', segment_name: 'frequent_segment', total_orders: i % 5 });
		const body = Buffer.from(JSON.stringify({ customers: items }));
		let chunked = '';
		for (let at = 0, n = 1; at < body.length; n = (n * 7 + 13) % 4000 + 1) {
			const piece = body.subarray(at, at + n).toString('latin1');
			chunked += `${piece.length.toString(16)}${n % 3 ? '' : ';x=1'}\r\n${piece}\r\n`;
			at += n;
		}
		chunked += '0\r\nX-Trailer: 1\r\n\r\n';
		const parts = ['POST /vouchers HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'];
		for (let at = 0; at < chunked.length; at += 65536) parts.push(chunked.slice(at, at + 65536));
		const r = await exchange(parts, { want: 1, waitMs: 3000 });
		let n = -1;
		try { n = JSON.parse(r.got[0].body).results.length; } catch { /* n stays -1 */ }
		check(`a ${body.length}-byte chunked batch: 200 with every result`, r.statuses[0] === 200 && n === 3000,
			JSON.stringify(r.text.slice(0, 160)));
	}
	await served('still serving after the framing cases');
}

// A client that pipelines requests with large answers and never reads
// them: once the socket buffers are full the server stops reading its
// further requests and closes it at the write deadline (--write-timeout 1),
// serving others meanwhile.  (Loopback buffers take tens of MB, hence 4000
// answers of the ~20 KB OpenAPI document.)
async function slowReader() {
	const s = net.connect(port, '127.0.0.1');
	s.on('error', () => {});
	await new Promise((r) => s.on('connect', r));
	s.pause();
	s.write('GET /openapi.json HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(4000));
	await sleep(500);
	await served('served while a client does not read its answers');
	await sleep(2500);
	await served('served after the write deadline');
	s.destroy();
}

// Item 1: many connections drip their heads; a legitimate client from the
// same address is served throughout, and the drippers are closed.
async function slowHeaders() {
	const drippers = [];
	let open = 0;
	let closedEarly = 0;
	const t0 = Date.now();
	for (let i = 0; i < 120; i++) {
		const s = net.connect(port, '127.0.0.1');
		const d = { s, closed: false, at: 0 };
		open++;
		s.on('error', () => {});
		s.on('close', () => { d.closed = true; d.at = Date.now() - t0; open--; });
		drippers.push(d);
	}
	const head = 'POST /voucher HTTP/1.1\r\nHost: t\r\nX-Slow: ' + 'a'.repeat(200);
	let k = 0;
	const drip = setInterval(() => {
		for (const d of drippers) if (!d.closed && !d.s.destroyed) d.s.write(head[Math.min(k, head.length - 1)]);
		k++;
	}, 300);
	let ok = 0;
	for (let i = 0; i < 8; i++) {
		await sleep(400);
		if (await served(`legitimate request ${i + 1} during the slow-header attack`)) ok++;
	}
	await sleep(2500);
	clearInterval(drip);
	closedEarly = drippers.filter((d) => d.closed).length;
	check('every dripping connection is closed (header deadline or eviction)', closedEarly === drippers.length,
		`${drippers.length - closedEarly} still open after ${(Date.now() - t0) / 1000} s`);
	check('the legitimate client was served every time', ok === 8, `${ok}/8 answers`);
	for (const d of drippers) d.s.destroy();
	await served('served after the attack');
}

// Item 2: 40 bodies announce 8 MiB and stop after 6 MiB.
async function halfBodies() {
	const pid = Number(process.argv[4]);
	const rss = () => {
		const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) : 0;
	};
	const before = rss();
	const conns = [];
	const chunk = Buffer.alloc(1 << 20, 0x20);
	let refusedBusy = 0;
	for (let i = 0; i < 40; i++) {
		const s = net.connect(port, '127.0.0.1');
		const c = { s, text: '', closed: false };
		s.on('error', () => {});
		s.on('data', (d) => { c.text += d.toString('latin1'); });
		s.on('close', () => { c.closed = true; });
		s.on('connect', async () => {
			s.write(`POST /vouchers HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${8 << 20}\r\n\r\n[`);
			for (let m = 0; m < 6 && !c.closed; m++) {
				if (!s.write(chunk)) await new Promise((r) => { s.once('drain', r); s.once('close', r); });
			}
		});
		conns.push(c);
	}
	await sleep(1500);
	const during = rss();
	const maxKb = Number(process.argv[5] || 0);
	console.log(`VmRSS before ${before} kB, with 40 half-sent 8 MiB bodies ${during} kB (+${during - before} kB)`);
	if (maxKb) check(`VmRSS grows by less than ${maxKb} kB`, during - before < maxKb, `+${during - before} kB`);
	for (let i = 0; i < 3; i++) await served(`legitimate request ${i + 1} while 40 bodies are half-sent`);
	refusedBusy = conns.filter((c) => /^HTTP\/1\.1 503/.test(c.text) && c.text.includes('"server_busy"')).length;
	check('bodies past --max-body-memory get 503 server_busy', refusedBusy > 0 && refusedBusy < 40,
		`${refusedBusy} of 40`);
	await sleep(3000);
	check('half-sent bodies are closed by the body deadline', conns.every((c) => c.closed),
		`${conns.filter((c) => !c.closed).length} still open`);
	for (const c of conns) c.s.destroy();
	await served('served after the attack');
}

// SipHash-2-4 of bytes under key (16 bytes), as http/addrtab.c.
function siphash(key, bytes) {
	const M = (1n << 64n) - 1n;
	const rotl = (x, b) => ((x << BigInt(b)) | (x >> BigInt(64 - b))) & M;
	const le = (buf, o) => { let v = 0n; for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(buf[o + i]); return v; };
	const k0 = le(key, 0);
	const k1 = le(key, 8);
	let v0 = k0 ^ 0x736f6d6570736575n, v1 = k1 ^ 0x646f72616e646f6dn;
	let v2 = k0 ^ 0x6c7967656e657261n, v3 = k1 ^ 0x7465646279746573n;
	const round = () => {
		v0 = (v0 + v1) & M; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
		v2 = (v2 + v3) & M; v3 = rotl(v3, 16); v3 ^= v2;
		v0 = (v0 + v3) & M; v3 = rotl(v3, 21); v3 ^= v0;
		v2 = (v2 + v1) & M; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
	};
	const n = bytes.length;
	const full = n & ~7;
	for (let i = 0; i < full; i += 8) {
		const m = le(bytes, i);
		v3 ^= m; round(); round(); v0 ^= m;
	}
	let b = (BigInt(n) << 56n) & M;
	for (let i = 0; i < (n & 7); i++) b |= BigInt(bytes[full + i]) << BigInt(8 * i);
	v3 ^= b; round(); round(); v0 ^= b;
	v2 ^= 0xffn; round(); round(); round(); round();
	return v0 ^ v1 ^ v2 ^ v3;
}

// 127.0.0.1 and another loopback address whose hashes agree in the low 16
// bits: they share a place in any table of up to 65536 places (the server's
// is much smaller with --max-connections 100).
async function collide(keyHex) {
	const key = Buffer.from(keyHex, 'hex');
	const mapped = (n) => Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, (n >> 16) & 255, (n >> 8) & 255, n & 255]);
	// The reference vector, so that a wrong hash cannot pass unnoticed.
	check('SipHash-2-4 matches the reference vector',
		siphash(Buffer.from([...Array(16).keys()]), Buffer.from([...Array(15).keys()])) === 0xa129ca6149be45e5n, '');
	const home = siphash(key, mapped(1)) & 0xffffn;
	let other = 0;
	for (let n = 2; n < 1 << 24 && !other; n++) if ((siphash(key, mapped(n)) & 0xffffn) === home) other = n;
	check('a colliding loopback address is found', other > 0, '');
	const addr = `127.${(other >> 16) & 255}.${(other >> 8) & 255}.${other & 255}`;
	console.log(`colliding pair: 127.0.0.1 and ${addr} (low 16 bits of the keyed hash: ${home})`);
	// The other address takes its two connections (the limit) and a third is refused.
	const held = [];
	for (let i = 0; i < 2; i++) {
		const s = net.connect({ port, host: '127.0.0.1', localAddress: addr });
		s.on('error', () => {});
		await new Promise((r) => s.on('connect', r));
		held.push(s);
	}
	await sleep(200);
	const third = await exchange([post(valid)], { localAddress: addr, want: 1 });
	check(`${addr}'s third connection gets 503`, third.statuses[0] === 503 &&
		third.got[0].body.includes('too_many_connections'), JSON.stringify(third.text.slice(0, 160)));
	// 127.0.0.1, in the same place of the table, holds nothing and is served,
	// up to its own limit.
	const mine = [];
	for (let i = 0; i < 2; i++) {
		const s = net.connect(port, '127.0.0.1');
		s.on('error', () => {});
		await new Promise((r) => s.on('connect', r));
		mine.push(s);
	}
	await sleep(200); /* accepted before the next one */
	const r1 = await exchange([post(valid)], { want: 1 });
	check('127.0.0.1 past its own limit gets 503', r1.statuses[0] === 503, JSON.stringify(r1.text.slice(0, 120)));
	for (const s of mine) s.destroy();
	await sleep(300);
	for (let i = 0; i < 2; i++) await served(`127.0.0.1 is served while ${addr} is at its limit (${i + 1})`);
	for (const s of held) s.destroy();
	await sleep(300);
	await served(`${addr} is served again once its connections closed`, { localAddress: addr });
}

if (mode === 'framing') await framing();
else if (mode === 'slow-headers') await slowHeaders();
else if (mode === 'half-bodies') await halfBodies();
else if (mode === 'slow-reader') await slowReader();
else if (mode === 'collide') await collide(process.argv[4]);
else { console.error(`unknown mode ${mode}`); process.exit(2); }
console.log(`${mode}: ${passed} checks passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
